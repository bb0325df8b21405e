package ktor

import (
	"errors"
	"testing"
)

// Parse reads keyring values and flags: it never panics, every failure is a *VersionError, and
// what it accepts is a known release that Parse reads back from its number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"3.0.0", "v2.3.13", "ktor-1.6.6", "3", "1.x", "2.3.x", "head", "3.6.0", "2.3.14", "0.9.5",
		"3.0.0-beta-2", "1.3.2.1", "", "..", "1.2.3.4.5", "99999.1.1", " 3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			var ve *VersionError
			if !errors.As(err, &ve) || !errors.Is(err, ErrUnknown) {
				t.Fatalf("Parse(%q): %T %v", s, err, err)
			}
			for _, r := range ve.Nearest {
				if !Known(r) {
					t.Fatalf("Parse(%q) names %s, not a release", s, r)
				}
			}
			return
		}
		if !Known(v.Release) || !v.Covers(v.Release) {
			t.Fatalf("Parse(%q) = %v", s, v)
		}
		again, err := Parse(v.Release.String())
		if err != nil || again.Release != v.Release || again.Alias() {
			t.Fatalf("Parse(%q) = %v, but its number reads %v, %v", s, v.Release, again, err)
		}
	})
}
