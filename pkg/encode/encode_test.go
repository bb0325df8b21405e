package encode_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/encode"
	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

func provider(t *testing.T, name, extra string, iv []byte) *keyring.Provider {
	t.Helper()
	b, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.Parse("keys.example.toml", append(b, extra...), keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if iv != nil {
		kr.SetIV(transform.FixedIV(iv))
	}
	p, err := kr.Provider(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr(s string) *string { return &s }

func fields(t *testing.T, specs ...string) []serializer.Field {
	var out []serializer.Field
	for _, s := range specs {
		f, err := serializer.ParseTypedField(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func TestPayload(t *testing.T) {
	legacy := provider(t, "LEGACY_SESSION", "", nil)
	user := provider(t, "USER_SESSION", "", nil)
	for _, c := range []struct {
		name string
		p    *keyring.Provider
		in   encode.Session
		want string
	}{
		{"payload as is", legacy, encode.Session{Payload: ptr("not even text format")}, "not even text format"},
		{"fields, Ktor 2 text sorted", legacy, encode.Session{Fields: fields(t, "userId=u-1", "loginCount:int=17", "admin:bool=true")}, "admin=%23bot&loginCount=%23i17&userId=%23su-1"},
		{"fields, Ktor 3 JSON in order", user, encode.Session{Fields: fields(t, "userId=u-1", "loginCount:int=17")}, `{"userId":"u-1","loginCount":17}`},
		{"JSON object, JSON format kept exactly", user, encode.Session{JSON: ptr(`{"name":"a","count":1,"x":[1.50,null]}`)}, `{"name":"a","count":1,"x":[1.50,null]}`},
		{"JSON object into the text format", legacy, encode.Session{JSON: ptr(`{"a":[1,{"b":null}],"c":1.5e3}`)}, "a=%23cl%23i1%26%23%23b%3D%25252523n&c=%23f1500.0"},
		{"no fields", user, encode.Session{Fields: []serializer.Field{}}, `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := encode.Payload(c.p, c.in)
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestPayloadErrors(t *testing.T) {
	legacy := provider(t, "LEGACY_SESSION", "", nil)
	for _, c := range []struct {
		name string
		in   encode.Session
		op   string
		msg  string
	}{
		{"nothing", encode.Session{}, "session", "give exactly one"},
		{"two", encode.Session{Payload: ptr("x"), JSON: ptr("{}")}, "session", "give exactly one"},
		{"JSON array", encode.Session{JSON: ptr(`[1]`)}, "json", "want a JSON object"},
		{"bad JSON", encode.Session{JSON: ptr(`{bad`)}, "json", "want a JSON object: serializer: malformed payload"},
		{"field twice", encode.Session{Fields: fields(t, "a=1", "A=2")}, "fields", "session fields: serializer: invalid argument at a: field given twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := encode.Payload(legacy, c.in)
			var e *encode.Error
			if !errors.As(err, &e) || !errors.Is(err, encode.ErrSession) || e.Op != c.op || e.Provider != "LEGACY_SESSION" {
				t.Fatalf("err %#v, want an *Error op %s wrapping ErrSession", err, c.op)
			}
			if !strings.HasPrefix(err.Error(), c.msg) {
				t.Errorf("message %q, want it to start %q", err, c.msg)
			}
		})
	}
	_, err := encode.Payload(legacy, encode.Session{JSON: ptr(`{bad`)})
	var se *serializer.DecodeError
	if !errors.As(err, &se) {
		t.Errorf("bad JSON: the serializer's error is not the cause: %v", err)
	}
}

var now = time.Unix(1700000000, 0).UTC()

func TestToken(t *testing.T) {
	iv := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	const fixed = "000102030405060708090a0b0c0d0e0f/8ecae61695ffc7487fc091de4b345558358c00bfccf8868df48c1ef36822d77d:628d6a67368589f1c1c181224b59667f02bb38fac2521a17c10705dc95605c30"
	legacy := provider(t, "LEGACY_SESSION", "", nil)
	const legacyValue = "a=%23i1/54690e4f66ff0fa3747a542fba25341327661a6610b668a1e735a375b28bfb62"
	for _, c := range []struct {
		name    string
		p       *keyring.Provider
		payload string
		o       encode.Options
		want    encode.Result
		out     string
	}{
		{"encrypt, fixed IV, raw", provider(t, "USER_SESSION", "", iv), `{"name":"a","count":1}`, encode.Options{Encoding: codec.Raw},
			encode.Result{Name: "USER_SESSION", Payload: `{"name":"a","count":1}`, Value: fixed}, fixed},
		{"encrypt, the provider's URI encoding", provider(t, "USER_SESSION", "", iv), `{"name":"a","count":1}`, encode.Options{},
			encode.Result{Name: "USER_SESSION", Payload: `{"name":"a","count":1}`, Value: fixed, Cookie: strings.NewReplacer("/", "%2F", ":", "%3A").Replace(fixed)},
			strings.NewReplacer("/", "%2F", ":", "%3A").Replace(fixed)},
		{"Set-Cookie of Ktor 2", legacy, "a=%23i1", encode.Options{SetCookie: true, Now: now},
			encode.Result{Name: "LEGACY_SESSION", Payload: "a=%23i1", Value: legacyValue,
				SetCookie: "LEGACY_SESSION=a%3D%2523i1%2F54690e4f66ff0fa3747a542fba25341327661a6610b668a1e735a375b28bfb62; Max-Age=604800; Expires=Tue, 21 Nov 2023 22:13:20 GMT; Path=/; HttpOnly; $x-enc=URI_ENCODING"},
			"Set-Cookie: LEGACY_SESSION=a%3D%2523i1%2F54690e4f66ff0fa3747a542fba25341327661a6610b668a1e735a375b28bfb62; Max-Age=604800; Expires=Tue, 21 Nov 2023 22:13:20 GMT; Path=/; HttpOnly; $x-enc=URI_ENCODING"},
		{"Set-Cookie with another encoding", legacy, "a=%23i1", encode.Options{SetCookie: true, Now: now, Encoding: codec.Base64},
			encode.Result{Name: "LEGACY_SESSION", Payload: "a=%23i1", Value: legacyValue,
				SetCookie: "LEGACY_SESSION=YT0lMjNpMS81NDY5MGU0ZjY2ZmYwZmEzNzQ3YTU0MmZiYTI1MzQxMzI3NjYxYTY2MTBiNjY4YTFlNzM1YTM3NWIyOGJmYjYy; Max-Age=604800; Expires=Tue, 21 Nov 2023 22:13:20 GMT; Path=/; HttpOnly; $x-enc=BASE64_ENCODING"}, ""},
		{"header provider: the transport value", provider(t, "H", "\n[providers.H]\ntransport = \"header\"\n[[providers.H.transform]]\ntype = \"mac\"\nkeys = [\"legacy-mac\"]\n", nil), "x", encode.Options{},
			encode.Result{Name: "H", Payload: "x", Value: "x/a026c8e82ec0e3a143d4868ebe9e615b35322905baea9bc5611b959344ced5ff"}, "x/a026c8e82ec0e3a143d4868ebe9e615b35322905baea9bc5611b959344ced5ff"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := encode.Token(c.p, c.payload, c.o)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if c.out != "" && got.Output() != c.out {
				t.Errorf("Output %q, want %q", got.Output(), c.out)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	header := provider(t, "H", "\n[providers.H]\ntransport = \"header\"\n", nil)
	_, err := encode.Token(header, "x", encode.Options{SetCookie: true})
	if !errors.Is(err, encode.ErrTransport) || err.Error() != "provider H uses the header transport" {
		t.Errorf("Set-Cookie of a header provider: %v", err)
	}
	// Ktor 1.0's raw encoding refuses a space: the Set-Cookie line cannot be rendered
	raw := provider(t, "R", "\n[providers.R]\nktor = \"1.0\"\n[providers.R.cookie]\nencoding = \"raw\"\n", nil)
	_, err = encode.Token(raw, "a b", encode.Options{SetCookie: true, Now: now})
	var ce *codec.Error
	if !errors.Is(err, encode.ErrCookie) || !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "Set-Cookie: codec:") {
		t.Errorf("unrenderable Set-Cookie: %v", err)
	}
	// Ktor 2's encrypt with an AES-256 key: its constructor threw, so nothing can be written
	k := "\n[keys.e256]\nhex = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n[providers.E]\nktor = \"2\"\n[[providers.E.transform]]\ntype = \"encrypt\"\nkeys = [\"e256\"]\nsign_keys = [\"sign-2025\"]\n"
	_, err = encode.Token(provider(t, "E", k, nil), "x", encode.Options{})
	var cfg *transform.ConfigError
	if !errors.Is(err, encode.ErrWrite) || !errors.As(err, &cfg) || !strings.HasPrefix(err.Error(), "provider E: ") {
		t.Errorf("Ktor 2 AES-256 write: %v", err)
	}
	if strings.Contains(err.Error(), "00112233") {
		t.Errorf("key material in the message: %v", err)
	}
}

// CookieValue and SetCookieLine of one written value: the page shows both forms of one token.
func TestOneValueEveryForm(t *testing.T) {
	p := provider(t, "USER_SESSION", "", nil)
	v, err := encode.Write(p, `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := encode.CookieValue(p, v, "")
	if err != nil {
		t.Fatal(err)
	}
	line, err := encode.SetCookieLine(p, v, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "USER_SESSION="+cv+"; ") {
		t.Errorf("Set-Cookie %q does not carry the cookie value %q", line, cv)
	}
	again, _ := encode.Write(p, `{"a":1}`)
	if again == v {
		t.Errorf("two encrypt writes gave the same value: the IV is not fresh")
	}
}
