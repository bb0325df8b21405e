package commands

import (
	"strings"
	"testing"
)

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
		err := readIDs(strings.NewReader(in), sep, func(id string, _ int, tooLong error) error {
			if tooLong != nil {
				long = true
				if id != "" {
					t.Fatalf("a long record passed: %d bytes", len(id))
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
