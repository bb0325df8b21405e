package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

const vectorsPath = "../../../testdata/ktor/ktor-vectors.json"

// orderedExt keeps a JSON object's key order (Ktor's LinkedHashMap).
type orderedExt []Extension

func (o *orderedExt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil {
		return err
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return err
		}
		var v *string
		if err := d.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, Extension{Name: k.(string), Value: v})
	}
	_, err := d.Token()
	return err
}

// result is a vector value: a string, null, or {"error": "..."}.
type result struct {
	Set   bool
	Null  bool
	Str   string
	Error string
}

func (r *result) UnmarshalJSON(b []byte) error {
	r.Set = true
	switch {
	case bytes.Equal(b, []byte("null")):
		r.Null = true
		return nil
	case len(b) > 0 && b[0] == '{':
		var e struct{ Error string }
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		r.Error = e.Error
		return nil
	}
	return json.Unmarshal(b, &r.Str)
}

type codecCase struct {
	Source          string
	Encoding        string
	Input           *string
	Encode          result
	DecodeOfEncoded result
	DecodeOnlyInput *string
	Decode          result
}

type setCookieCase struct {
	Case            string
	Name            *string
	Value           *string
	Encoding        string
	MaxAgeSeconds   *int64
	MaxAgeInSeconds *int64
	NowMillis       int64
	Domain, Path    *string
	Secure          bool
	HTTPOnly        bool `json:"httpOnly"`
	Extensions      orderedExt
	SetCookie       result
	Parsed          *struct {
		Name, Value, Encoding string
		MaxAge                int64
		ExpiresTimestamp      *int64
		Path, Domain          *string
		Secure                bool
		HTTPOnly              bool `json:"httpOnly"`
		Extensions            orderedExt
	} `json:"parseServerSetCookieHeader"`
}

type pipelineCase struct {
	TransportValue        string
	URIEncodedCookieValue string
	SetCookie             string
	Reverse               struct {
		CookieValueFromHeader *string
		DecodeCookieValue     *string
	}
}

type vectorFile struct {
	Meta       struct{ FixedNowMillis int64 }
	Codecs10   []codecCase     `json:"cookie_codecs_1_0_0"`
	CodecsHead []codecCase     `json:"cookie_codecs_head"`
	Set10      []setCookieCase `json:"set_cookie_1_0_0"`
	SetHead    []setCookieCase `json:"set_cookie_head"`
	Pipes10    []pipelineCase  `json:"pipelines_1_0_0"`
	PipesHead  []pipelineCase  `json:"pipelines_head"`
}

func loadVectors(t testing.TB) *vectorFile {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	return &v
}

func mustEncoding(t *testing.T, s string) Encoding {
	t.Helper()
	e, err := ParseEncoding(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// checkResult compares a Go result with a Ktor one, Ktor's exception text included.
func checkResult(t *testing.T, what string, got string, err error, want result) {
	t.Helper()
	switch {
	case want.Error != "":
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want Ktor error %q, got %q, %v", what, want.Error, got, err)
		}
		if ce.Ktor != want.Error {
			t.Errorf("%s: Ktor text\n got %q\nwant %q", what, ce.Ktor, want.Error)
		}
		if !strings.HasPrefix(err.Error(), "codec: ") {
			t.Errorf("%s: error %q lacks the package prefix", what, err)
		}
	case want.Null:
		t.Fatalf("%s: vector holds null", what)
	default:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != want.Str {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want.Str)
		}
	}
}

func TestKtorCookieCodecs(t *testing.T) {
	v := loadVectors(t)
	for _, sec := range []struct {
		name  string
		p     transform.Profile
		cases []codecCase
	}{{"cookie_codecs_1_0_0", transform.Profile10, v.Codecs10}, {"cookie_codecs_head", transform.Profile3, v.CodecsHead}} {
		if len(sec.cases) == 0 {
			t.Fatalf("%s: no cases", sec.name)
		}
		for i, c := range sec.cases {
			t.Run(fmt.Sprintf("%s/%d/%s", sec.name, i, c.Encoding), func(t *testing.T) {
				e := mustEncoding(t, c.Encoding)
				if c.DecodeOnlyInput != nil {
					got, err := Decode(*c.DecodeOnlyInput, e, sec.p)
					checkResult(t, "decode "+fmt.Sprintf("%q", *c.DecodeOnlyInput), got, err, c.Decode)
					return
				}
				enc, err := Encode(*c.Input, e, sec.p)
				checkResult(t, "encode "+fmt.Sprintf("%q", *c.Input), enc, err, c.Encode)
				if c.Encode.Error != "" {
					if !errors.Is(err, ErrUnencodable) {
						t.Errorf("encode error %v is not ErrUnencodable", err)
					}
					return
				}
				dec, err := Decode(enc, e, sec.p)
				checkResult(t, "decode of encoded", dec, err, c.DecodeOfEncoded)
			})
		}
	}
}

func (c setCookieCase) config(t *testing.T) CookieConfig {
	cfg := CookieConfig{Encoding: mustEncoding(t, c.Encoding), Secure: c.Secure, HTTPOnly: c.HTTPOnly, Extensions: c.Extensions}
	if c.MaxAgeSeconds != nil {
		cfg.MaxAge = *c.MaxAgeSeconds
	}
	if c.MaxAgeInSeconds != nil {
		cfg.MaxAge = *c.MaxAgeInSeconds
	}
	if c.Domain != nil {
		cfg.Domain = *c.Domain
	}
	if c.Path != nil {
		cfg.Path = *c.Path
	}
	return cfg
}

func TestKtorSetCookie(t *testing.T) {
	v := loadVectors(t)
	now := time.UnixMilli(v.Meta.FixedNowMillis)
	for _, sec := range []struct {
		name  string
		p     transform.Profile
		cases []setCookieCase
	}{{"set_cookie_1_0_0", transform.Profile10, v.Set10}, {"set_cookie_head", transform.Profile3, v.SetHead}} {
		for i, c := range sec.cases {
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				if c.Name == nil {
					// renderSetCookieHeader called directly with a name and "v".
					name := map[string]string{"invalid cookie name": "SES SION", "cookie name containing '='": "SES=SION"}[c.Case]
					if name == "" {
						t.Fatalf("unknown direct case %q", c.Case)
					}
					got, err := RenderSetCookie(name, "v", CookieConfig{}, now, sec.p)
					checkResult(t, "render", got, err, c.SetCookie)
					if c.SetCookie.Error != "" && !errors.Is(err, ErrCookieName) {
						t.Errorf("error %v is not ErrCookieName", err)
					}
					return
				}
				if c.NowMillis != v.Meta.FixedNowMillis {
					t.Fatalf("nowMillis %d", c.NowMillis)
				}
				got, err := RenderSetCookie(*c.Name, *c.Value, c.config(t), now, sec.p)
				checkResult(t, "render", got, err, c.SetCookie)
				if c.Parsed == nil || c.SetCookie.Error != "" {
					return
				}
				sc, err := ParseSetCookie("Set-Cookie: " + c.SetCookie.Str)
				if err != nil {
					t.Fatal(err)
				}
				w := c.Parsed
				if sc.Name != w.Name || string(sc.Encoding) != string(mustEncoding(t, w.Encoding)) {
					t.Errorf("name/encoding %q %q, want %q %q", sc.Name, sc.Encoding, w.Name, w.Encoding)
				}
				if val, err := Decode(sc.Raw, sc.Encoding, sec.p); err != nil || val != w.Value {
					t.Errorf("value %q (%v), want %q", val, err, w.Value)
				}
				if sc.MaxAge == nil || *sc.MaxAge != w.MaxAge {
					t.Errorf("maxAge %v, want %d", sc.MaxAge, w.MaxAge)
				}
				if w.ExpiresTimestamp != nil && (sc.Expires == nil || sc.Expires.UnixMilli() != *w.ExpiresTimestamp) {
					t.Errorf("expires %v, want %d", sc.Expires, *w.ExpiresTimestamp)
				}
				if sc.Path != deref(w.Path) || sc.Domain != deref(w.Domain) || sc.Secure != w.Secure || sc.HTTPOnly != w.HTTPOnly {
					t.Errorf("attributes %+v, want %+v", sc, w)
				}
				if len(sc.Extensions) != len(w.Extensions) {
					t.Fatalf("extensions %v, want %v", sc.Extensions, w.Extensions)
				}
				for j, x := range w.Extensions {
					if sc.Extensions[j].Name != x.Name || deref(sc.Extensions[j].Value) != deref(x.Value) {
						t.Errorf("extension %d: %q=%q, want %q=%q", j, sc.Extensions[j].Name, deref(sc.Extensions[j].Value), x.Name, deref(x.Value))
					}
				}
			})
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestKtorPipelinesCookieLayer(t *testing.T) {
	v := loadVectors(t)
	now := time.UnixMilli(v.Meta.FixedNowMillis)
	cfg := CookieConfig{MaxAge: DefaultSessionMaxAge, Encoding: URI, Path: "/", HTTPOnly: true}
	for _, sec := range []struct {
		name  string
		p     transform.Profile
		cases []pipelineCase
	}{{"pipelines_1_0_0", transform.Profile10, v.Pipes10}, {"pipelines_head", transform.Profile3, v.PipesHead}} {
		for i, c := range sec.cases {
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				enc, err := Encode(c.TransportValue, URI, sec.p)
				checkResult(t, "uriEncodedCookieValue", enc, err, result{Str: c.URIEncodedCookieValue})
				line, err := RenderSetCookie("SESSION", c.TransportValue, cfg, now, sec.p)
				checkResult(t, "setCookie", line, err, result{Str: c.SetCookie})
				want := c.Reverse.CookieValueFromHeader
				if want == nil {
					want = c.Reverse.DecodeCookieValue
				}
				found, err := Extract("Set-Cookie: "+c.SetCookie, []string{"SESSION"})
				if err != nil || len(found) != 1 || found[0].Err != nil {
					t.Fatalf("extract: %v %+v", err, found)
				}
				got, err := Decode(found[0].Raw, found[0].SetCookie.Encoding, sec.p)
				checkResult(t, "reverse", got, err, result{Str: *want})
			})
		}
	}
}
