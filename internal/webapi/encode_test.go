package webapi

import (
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

const testIV = "000102030405060708090a0b0c0d0e0f"

// One write, both forms: the cookie value is `sessionctl encode`'s output, the Set-Cookie line
// `encode --set-cookie`'s, the transport value `encode --encoding raw`'s.
func TestEncodeIsCLI(t *testing.T) {
	mac := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	for _, c := range []struct {
		name string
		req  EncodeRequest
		args []string
	}{
		{"JSON object, Ktor 3 encrypt, fixed IV", EncodeRequest{Keys: Keys{Keyring: exampleKeyring}, Provider: "USER_SESSION", JSON: ptr(`{"name":"a","count":1}`), IV: testIV},
			[]string{"--keys", "KEYS", "--provider", "USER_SESSION", "--from-json", `{"name":"a","count":1}`, "--iv", testIV}},
		{"field lines, Ktor 2 text", EncodeRequest{Keys: Keys{Keyring: exampleKeyring}, Provider: "LEGACY_SESSION", Lines: []string{"userId=u-1", "", "loginCount:Int=17", "admin:bool=true"}},
			[]string{"--keys", "KEYS", "--provider", "LEGACY_SESSION", "--set", "userId=u-1", "--set", "loginCount:Int=17", "--set", "admin:bool=true"}},
		{"payload, base64", EncodeRequest{Keys: Keys{Keyring: exampleKeyring}, Provider: "LEGACY_SESSION", Payload: ptr("a=%23i1"), Encoding: "base64"},
			[]string{"--keys", "KEYS", "--provider", "LEGACY_SESSION", "--payload", "a=%23i1", "--encoding", "base64"}},
		{"one-off MAC, Ktor 1.0", EncodeRequest{Keys: Keys{MACKeys: []string{mac}, Ktor: "1.0", Name: "S"}, Payload: ptr("hello world")},
			[]string{"--mac-key", mac, "--ktor", "1.0", "--name", "S", "--payload", "hello world"}},
		{"only provider of the keyring", EncodeRequest{Keys: Keys{Keyring: "[keys.k]\nhex = \"" + mac + "\"\n[providers.P]\nktor = \"2\"\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\n"}, Payload: ptr("x")},
			[]string{"--keys", "KEYS", "--payload", "x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Now = testNow
			resp := Encode(c.req)
			if resp.Error != nil || resp.CookieError != "" || resp.SetCookieError != "" {
				t.Fatalf("page: %+v", resp)
			}
			args := append([]string{"encode", "--now", testNow}, c.args...)
			for i, a := range args {
				if a == "KEYS" {
					args[i] = keysFile(t, c.req.Keys.Keyring)
				}
			}
			for _, form := range []struct {
				extra []string
				want  string
			}{{nil, resp.Cookie}, {[]string{"--set-cookie"}, "Set-Cookie: " + resp.SetCookie}} {
				code, out, errs := cli(t, "", append(args, form.extra...)...)
				if got := strings.TrimSuffix(out, "\n"); code != 0 || got != form.want {
					t.Errorf("%v: CLI exit %d %q %s\npage %q", form.extra, code, got, errs, form.want)
				}
			}
			// the transport value: the CLI's --encoding raw (which replaces the request's encoding)
			raw := append([]string{}, args...)
			for i := range raw {
				if raw[i] == "--encoding" {
					raw = append(raw[:i], raw[i+2:]...)
					break
				}
			}
			_, out, _ := cli(t, "", append(raw, "--encoding", "raw")...)
			if got := strings.TrimSuffix(out, "\n"); got != resp.Value {
				t.Errorf("transport value: CLI %q, page %q", got, resp.Value)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	k := Keys{Keyring: exampleKeyring}
	for _, c := range []struct {
		name string
		req  EncodeRequest
		kind string
		msg  string
	}{
		{"no keys", EncodeRequest{Payload: ptr("x")}, KindUsage, "encode needs a provider"},
		{"several providers", EncodeRequest{Keys: k, Payload: ptr("x")}, KindUsage, "USER_SESSION, LEGACY_SESSION, CART"},
		{"nothing to encode", EncodeRequest{Keys: k, Provider: "LEGACY_SESSION"}, KindUsage, "exactly one of"},
		{"two things", EncodeRequest{Keys: k, Provider: "LEGACY_SESSION", Payload: ptr("x"), JSON: ptr("{}")}, KindUsage, "exactly one of"},
		{"bad line", EncodeRequest{Keys: k, Provider: "LEGACY_SESSION", Lines: []string{"a=1", "x:nosuchtype=1"}}, KindUsage, `field line 2 "x:nosuchtype=1"`},
		{"not an object", EncodeRequest{Keys: k, Provider: "USER_SESSION", JSON: ptr("[1]")}, KindUsage, "want a JSON object"},
		{"bad IV", EncodeRequest{Keys: k, Provider: "USER_SESSION", Payload: ptr("x"), IV: "zz"}, KindUsage, "IV: not hex"},
		{"no such provider", EncodeRequest{Keys: k, Provider: "NOPE", Payload: ptr("x")}, KindKeyring, `no provider "NOPE"`},
		{"Ktor 2 AES-256", EncodeRequest{Keys: Keys{EncryptKeys: []string{strings.Repeat("00", 32)}, SignKeys: []string{"0011"}, Ktor: "2"}, Payload: ptr("x")}, KindInvalid, "provider SESSION:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Now = testNow
			resp := Encode(c.req)
			if resp.Error == nil || resp.Error.Kind != c.kind || !strings.Contains(resp.Error.Message, c.msg) {
				t.Fatalf("%+v, want kind %s with %q", resp.Error, c.kind, c.msg)
			}
		})
	}
	// a form that cannot be rendered is said, the others are still given
	resp := Encode(EncodeRequest{Keys: Keys{MACKeys: []string{"0011"}, Ktor: "1.0"}, Payload: ptr("a b"), Encoding: "raw", Now: testNow})
	if resp.Error != nil || resp.Value == "" || resp.SetCookieError == "" || !strings.Contains(resp.SetCookieError, "cannot be encoded") {
		t.Errorf("Ktor 1.0 raw with a space: %+v", resp)
	}
}

// The encoder's field lines read back into the very payload they came from: a token decoded on
// the page and encoded again unchanged is the same session.
func TestEditRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name, provider, keyring string
		lines                   []string
		json                    string
		wantLines               bool
	}{
		{"Ktor 2 text, scalars and a list", "LEGACY_SESSION", exampleKeyring, []string{"userId=u-1", "loginCount:int=17", "admin:bool=true", "ratio:double=0.5",
			"big:bigdecimal=1.50", "c:char=é", "roles:list<string>=a\\,b,c\\\\d", "attrs:map<string,int>=z=26,a=1", "o:optional<long>=", "n:null="}, "", true},
		{"Ktor 1.0 text", "T", "[providers.T]\nktor = \"1.0\"\nserializer = \"ktor-text\"\n", []string{"b=2", "a:long=1"}, "", true},
		{"Ktor 3 JSON", "USER_SESSION", exampleKeyring, nil, `{"userId":"u-1","n":17,"x":1.50,"ok":true,"z":null,"roles":["a","b"]}`, true},
		{"Ktor 3 JSON, nested object: no lines", "USER_SESSION", exampleKeyring, nil, `{"a":{"b":1}}`, false},
		{"name with a colon: no lines", "USER_SESSION", exampleKeyring, nil, `{"a:b":1}`, false},
		{"value with a line break: no lines", "USER_SESSION", exampleKeyring, nil, `{"a":"x\ny"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := EncodeRequest{Keys: Keys{Keyring: c.keyring}, Provider: c.provider, Encoding: "raw", Now: testNow, IV: testIV}
			if c.lines != nil {
				req.Lines = c.lines
			} else {
				req.JSON = &c.json
			}
			first := Encode(req)
			if first.Error != nil {
				t.Fatal(first.Error)
			}
			a := Analyze(AnalyzeRequest{Input: first.Value, Keys: req.Keys, Provider: c.provider, Bare: true, Encoding: "raw", Now: testNow})
			if a.Error != nil || len(a.Tokens) != 1 || a.Tokens[0].Verdict != "VALID" {
				t.Fatalf("%+v", a)
			}
			e := a.Tokens[0].Edit
			if e == nil || e.Payload != first.Payload {
				t.Fatalf("edit %+v, payload %q", e, first.Payload)
			}
			if (e.Lines != nil) != c.wantLines {
				t.Fatalf("lines %q, want some: %v", e.Lines, c.wantLines)
			}
			forms := []EncodeRequest{req}
			forms[0].Lines, forms[0].JSON, forms[0].Payload = nil, nil, &e.Payload
			if e.Format == "json" {
				// the text format's JSON form infers types as --from-json does (1.50 is a Double): not the same session
				j := req
				j.Lines, j.JSON = nil, &e.JSON
				forms = append(forms, j)
			}
			if e.Lines != nil {
				l := req
				l.Lines, l.JSON = e.Lines, nil
				forms = append(forms, l)
			}
			for i, f := range forms {
				if f.JSON != nil && *f.JSON == "" {
					continue
				}
				again := Encode(f)
				if again.Error != nil || again.Payload != first.Payload {
					t.Errorf("form %d: %+v, want payload %q (lines %q)", i, again, first.Payload, e.Lines)
				}
			}
		})
	}
}

func TestFieldLines(t *testing.T) {
	for _, c := range []struct {
		payload string
		format  serializer.Format
		want    []string
	}{
		{"a=%23i1&b=%23sx", serializer.FormatText, []string{"a:Int=1", "b:String=x"}},
		{"l=%23cl%23i1%26%23i2", serializer.FormatText, []string{"l:List<Int>=1,2"}},
		// a list of lists: no --set type for it, the field's own Ktor text as raw
		{"l=%23cl%23cl%2523i1", serializer.FormatText, []string{"l:raw=#cl#cl#i1"}},
		{`{"a":"x","b":2,"c":[true]}`, serializer.FormatJSON, []string{"a:String=x", "b:Long=2", "c:List<Boolean>=true"}},
	} {
		_, v, err := serializer.Decode(c.payload, c.format, transform.Profile2)
		if err != nil {
			t.Fatal(err)
		}
		got := FieldLines(v, c.format, "", transform.Profile2)
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: %q, want %q", c.payload, got, c.want)
		}
	}
}

func TestHandle(t *testing.T) {
	for _, c := range []struct{ op, req, want string }{
		{"nope", "{}", `unknown operation \"nope\"`},
		{"analyze", "{", "request:"},
		{"analyze", `{"input":"x","now":"1","secret":1}`, `unknown field \"secret\"`},
		{"releases", "", `"releases":["1.0.0",`},
		{"releases", "", `{"name":"3","release":"3.5.2"}]`},
		{"keyring", `{"keys":{"keyring":` + mustJSONString(exampleKeyring) + `}}`, `"name":"USER_SESSION","transport":"cookie","tracker":"value","ktor":"3.5.2","chain":"encrypt(AES-128,HmacSHA256,current)","format":"json"`},
		{"analyze", `{"input":"x","now":"1"}`, `"verdict":"UNVERIFIED"`},
	} {
		got := string(Handle(c.op, []byte(c.req)))
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %s: %s, want %s", c.op, c.req, got, c.want)
		}
	}
}
