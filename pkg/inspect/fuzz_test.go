package inspect

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// FuzzVerifyLine: whatever a line holds, verify makes exactly one row of it, with an error when it
// is not ok, that marshals to JSON; no panic.
func FuzzVerifyLine(f *testing.F) {
	keys, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	exampleCookie, err := os.ReadFile("../../commands/example_cookie.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{strings.TrimSpace(string(exampleCookie)), "Cookie: a=1; USER_SESSION=x", "a=%23i1/00",
		"USER_SESSION=00%2F11%3A22", "Set-Cookie: X=; Max-Age=-1; $x-enc=NOPE", "HTTP/1.1 200 OK", "#cl#cl#s1", "%zz"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, line string, bare bool) {
		kr, err := keyring.Parse("example", keys, keyring.Options{Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		for _, prov := range []string{"", "USER_SESSION", "LEGACY_SESSION"} {
			a := &Analyzer{Keyring: kr, Provider: prov, Bare: bare, Now: time.Unix(1700000000, 0)}
			if bare {
				a.Encoding = codec.Raw
			}
			r, err := a.VerifyOne(line)
			if err != nil {
				t.Fatalf("verifyOne(%q): %v", line, err)
			}
			if !r.OK && r.Error == "" {
				t.Fatalf("verifyOne(%q) with %q: not ok and no error", line, prov)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("row of %q does not marshal: %v", line, err)
			}
		}
	})
}
