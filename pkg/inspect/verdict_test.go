package inspect

import (
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/keyring"
)

const twoServices = `
[keys.a-key]
hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
[keys.a-old]
hex = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
[keys.b-key]
hex = "0f0e0d0c0b0a090807060504030201000f0e0d0c0b0a09080706050403020100"
[providers.A]
ktor = "2"
[[providers.A.transform]]
type = "mac"
keys = ["a-key", "a-old"]
[providers.B]
ktor = "2"
[[providers.B.transform]]
type = "mac"
keys = ["b-key"]
`

func twoKeyring(t *testing.T) (*keyring.Keyring, func(provider, payload string) string) {
	t.Helper()
	kr, err := keyring.Parse("two.toml", []byte(twoServices), keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return kr, func(provider, payload string) string {
		p, err := kr.Provider(provider)
		if err != nil {
			t.Fatal(err)
		}
		v, err := p.Chain.Write(payload)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestVerdicts(t *testing.T) {
	kr, sign := twoKeyring(t)
	a := &Analyzer{Keyring: kr, Provider: "A", Now: testNow, Encoding: "raw"}
	good := sign("A", "n=%23i1")
	other := sign("B", "n=%23i2")
	for _, tc := range []struct {
		name, in, verdict, code string
		expired                 bool
		expiresIn               *int64
	}{
		{"valid", "A=" + good, VerdictValid, "", false, nil},
		{"valid, Max-Age ahead", "Set-Cookie: A=" + good + "; Max-Age=60", VerdictValid, "", false, ptr(60)},
		{"expired: Expires past", "Set-Cookie: A=" + good + "; Expires=Tue, 14 Nov 2023 22:00:00 GMT", VerdictValidExpired, "", true, ptr(-800)},
		{"expired: Max-Age=0", "Set-Cookie: A=" + good + "; Max-Age=0", VerdictValidExpired, "", true, ptr(0)},
		// curl -i: Max-Age counts from the response's Date:, an hour before the clock
		{"expired: Max-Age from Date:", "HTTP/1.1 200 OK\nDate: Tue, 14 Nov 2023 21:13:20 GMT\nSet-Cookie: A=" + good + "; Max-Age=60\n\n", VerdictValidExpired, "", true, ptr(-3540)},
		{"valid: Max-Age from Date:", "HTTP/1.1 200 OK\nSet-Cookie: A=" + good + "; Max-Age=7200\nDate: Tue, 14 Nov 2023 21:13:20 GMT\n\n", VerdictValid, "", false, ptr(3600)},
		{"invalid", "A=" + other, VerdictInvalid, CodeSignature, false, nil},
		{"invalid, expired line: not expired", "Set-Cookie: A=" + other + "; Max-Age=0", VerdictInvalid, CodeSignature, false, ptr(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := a.Found(tc.in)
			if err != nil || len(found) != 1 {
				t.Fatalf("%v %v", err, found)
			}
			r, err := a.Analyze(found[0])
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.verdict || r.ErrKind != tc.code || r.Expired != tc.expired {
				t.Errorf("verdict %s code %q expired %v, want %s %q %v", r.Verdict, r.ErrKind, r.Expired, tc.verdict, tc.code, tc.expired)
			}
			if (r.ExpiresInSeconds == nil) != (tc.expiresIn == nil) || r.ExpiresInSeconds != nil && *r.ExpiresInSeconds != *tc.expiresIn {
				t.Errorf("expires_in_seconds %v, want %v", deref(r.ExpiresInSeconds), deref(tc.expiresIn))
			}
			b, _ := JSON(r)
			if !strings.Contains(string(b), `"expired":`) || !strings.Contains(string(b), `"verdict":"`+tc.verdict+`"`) {
				t.Errorf("JSON lacks expired or verdict: %s", b)
			}
		})
	}
}

// An invalid MAC'd token still shows its payload (untrusted), names the keys tried, and says
// which other provider of the keyring verifies it.
func TestInvalidExplains(t *testing.T) {
	kr, sign := twoKeyring(t)
	a := &Analyzer{Keyring: kr, Provider: "A", Now: testNow, Encoding: "raw"}
	r, err := a.VerifyOne("A=" + sign("B", "n=%23i2"))
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Verified || r.Payload == nil || *r.Payload != "n=%23i2" {
		t.Fatalf("payload %v verified %v ok %v", r.Payload, r.Verified, r.OK)
	}
	if len(r.Layers) != 1 || strings.Join(r.Layers[0].Tried, ",") != "a-key,a-old" {
		t.Errorf("tried %v", r.Layers)
	}
	if r.VerifiesWith != "B" || !strings.Contains(strings.Join(r.Notes, "\n"), "provider B verifies it (key b-key): --provider B") {
		t.Errorf("verifies_with %q notes %v", r.VerifiesWith, r.Notes)
	}
	// a token no provider verifies: no hint; a verified token tries nothing
	r, _ = a.VerifyOne("A=n=%23i2/" + strings.Repeat("0", 64))
	if r.VerifiesWith != "" || r.OK {
		t.Errorf("forged: %+v", r)
	}
	r, _ = a.VerifyOne("A=" + sign("A", "n=%23i1"))
	if !r.OK || len(r.Layers[0].Tried) != 0 || r.VerifiesWith != "" {
		t.Errorf("good: %+v", r)
	}
	// only the provider tokens were read as counts for unused keys
	sum := NewSummary()
	sum.Add(r)
	if got := a.UnusedKeys(sum); strings.Join(got, ",") != "a-old" {
		t.Errorf("unused keys %v", got)
	}
}

func ptr(n int64) *int64 { return &n }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
