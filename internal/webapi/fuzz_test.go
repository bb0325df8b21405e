package webapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Whatever is pasted (a hostile cookie, a hostile keyring), the page gets a JSON answer: never a
// panic of the library (Handle would answer it as an "internal" error), every token's Result is
// JSON, and its field lines read back into its payload's session.
func FuzzAnalyze(f *testing.F) {
	f.Add(exampleCookie, exampleKeyring, false, "")
	f.Add("Cookie: a=1; LEGACY_SESSION=x%2F00", exampleKeyring, false, "uri")
	f.Add("HTTP/1.1 200 OK\r\nSet-Cookie: S=%ZZ; Expires=never\r\n\r\n", "", true, "base64")
	f.Add("x/0011", "[providers.P]\nktor = \"1.0\"\n[[providers.P.transform]]\ntype = \"digest\"\nsalt = \"\"\n", true, "raw")
	f.Add("S=a%3D%2523cl%2523i1", "[providers.S]\nserializer = \"ktor-text\"\nktor = \"2\"\n", false, "")
	f.Fuzz(func(t *testing.T, input, keys string, bare bool, enc string) {
		req, _ := json.Marshal(AnalyzeRequest{Input: input, Keys: Keys{Keyring: keys}, Bare: bare, Encoding: enc, Now: testNow, Audit: len(input) < 512})
		done := make(chan []byte, 1)
		go func() { done <- Handle("analyze", req) }()
		var out []byte
		select {
		case out = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("still analyzing after 5s: %q keys %q", input, keys)
		}
		var resp AnalyzeResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("not JSON: %v: %s", err, out)
		}
		if resp.Error != nil && resp.Error.Kind == KindInternal {
			t.Fatalf("internal error: %s", resp.Error.Message)
		}
		for _, tok := range resp.Tokens {
			if !json.Valid(tok.Result) {
				t.Fatalf("Result not JSON: %s", tok.Result)
			}
			if e := tok.Edit; e != nil && e.Lines != nil && e.Provider != "" && writes(resp.Providers, e.Provider) == e.Format {
				again := Encode(EncodeRequest{Keys: Keys{Keyring: keys}, Provider: e.Provider, Lines: e.Lines, Now: testNow})
				if again.Error == nil && again.Payload != canonical(t, e.Payload, e.Format, resp.Providers) {
					t.Fatalf("lines %q encode to %q, another session than the token's payload %q", e.Lines, again.Payload, e.Payload)
				}
			}
		}
	})
}

// writes: the serializer format a provider writes (a token read as text by a provider that writes
// JSON is written back as JSON).
// canonical: the session of a payload as its format writes it again (a lenient read such as
// Ktor's "#" for null is written "#n").
func canonical(t *testing.T, payload, format string, ps []ProviderInfo) string {
	var prof transform.Profile
	for _, p := range ps {
		if p.Format == format {
			prof = transform.Profile(p.Ktor)
		}
	}
	_, v, err := serializer.Decode(payload, serializer.Format(format), prof)
	if err != nil {
		t.Fatalf("%q does not decode as %s: %v", payload, format, err)
	}
	out, err := serializer.Encode(v, serializer.Format(format), prof)
	if err != nil {
		t.Fatalf("%q: %v", payload, err)
	}
	return out
}

func writes(ps []ProviderInfo, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Format
		}
	}
	return ""
}
