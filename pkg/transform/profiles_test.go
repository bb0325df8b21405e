package transform

import "testing"

// The picker offers exactly what ParseProfile returns: each listed profile reads back as itself.
func TestProfiles(t *testing.T) {
	ps := Profiles()
	if len(ps) == 0 {
		t.Fatal("no profiles")
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
	for _, s := range []string{"1.0.0", "1.6.8", "2.3.13", "3.0.0", "head"} {
		p, err := ParseProfile(s)
		if err != nil || !seen[p] {
			t.Errorf("ParseProfile(%q) = %q, %v: not in Profiles()", s, p, err)
		}
	}
}
