package transform

import (
	"testing"

	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// The picker offers exactly what ParseProfile returns: each listed release reads back as itself,
// and each alias names one of them.
func TestProfiles(t *testing.T) {
	ps := Profiles()
	if len(ps) < 4 {
		t.Fatalf("%d profiles", len(ps))
	}
	seen := map[Profile]bool{}
	for _, p := range ps {
		got, err := ParseProfile(string(p))
		if err != nil || got != p {
			t.Errorf("ParseProfile(%q) = %q, %v", p, got, err)
		}
		if seen[p] {
			t.Errorf("%q listed twice", p)
		}
		seen[p] = true
	}
	for _, a := range append(Aliases(), "1.0.0", "2.3.13", "3.0.0", "head") {
		p, err := ParseProfile(string(a))
		if err != nil || !seen[p] {
			t.Errorf("ParseProfile(%q) = %q, %v: not in Profiles()", a, p, err)
		}
	}
	if ps[0] != "1.0.0" || ps[len(ps)-1] != ProfileOf(ktor.Newest()) {
		t.Errorf("Profiles() from %s to %s", ps[0], ps[len(ps)-1])
	}
}
