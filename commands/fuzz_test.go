package commands

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// FuzzVerifyLine: whatever a line holds, verify makes exactly one row of it, with an error when it
// is not ok, that marshals to JSON; no panic.
func FuzzVerifyLine(f *testing.F) {
	keys, err := os.ReadFile("../keys.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{strings.TrimSpace(exampleCookie), "Cookie: a=1; USER_SESSION=x", "a=%23i1/00",
		"USER_SESSION=00%2F11%3A22", "Set-Cookie: X=; Max-Age=-1; $x-enc=NOPE", "HTTP/1.1 200 OK", "#cl#cl#s1", "%zz"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, line string, bare bool) {
		kr, err := parseKeyring("example", keys, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		for _, prov := range []string{"", "USER_SESSION", "LEGACY_SESSION"} {
			a := &analyzer{kr: kr, provider: prov, bare: bare, now: time.Unix(1700000000, 0)}
			if bare {
				a.encoding = codec.Raw
			}
			r, err := a.verifyOne(line)
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

// FuzzReadIDs: invalidate's stdin reader gives back the input exactly: the records joined with
// the separator are the input without its empty records, no record holds the separator, and a
// record longer than maxIDRecord is flagged, never passed whole.
func FuzzReadIDs(f *testing.F) {
	for _, s := range []string{"abcd\n", " abcd\r\n\nx\ty", "a\x00b\x00\x00", "no end", "\n\n\n", strings.Repeat("x", maxIDRecord+3) + "\nab"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, nul bool) {
		sep := byte('\n')
		if nul {
			sep = 0
		}
		var got []string
		long := false
		err := readIDs(strings.NewReader(in), sep, func(id string, l bool) error {
			if l {
				long = true
				if len(id) > maxIDRecord {
					t.Fatalf("a long record passed whole: %d bytes", len(id))
				}
				return nil
			}
			if strings.IndexByte(id, sep) >= 0 || id == "" {
				t.Fatalf("record %q", id)
			}
			got = append(got, id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range strings.Split(in, string(sep)) {
			if r != "" {
				want = append(want, r)
			}
		}
		if !long && strings.Join(got, string(sep)) != strings.Join(want, string(sep)) {
			t.Fatalf("records %q, want %q", got, want)
		}
	})
}
