package ktor

import (
	"errors"
	"strconv"
	"strings"
)

// Release is one Ktor release, e.g. 3.0.0. Releases compare with Compare;
// the zero Release is no release.
type Release struct{ Major, Minor, Patch int }

// String is the release number, e.g. "3.0.0".
func (r Release) String() string {
	return strconv.Itoa(r.Major) + "." + strconv.Itoa(r.Minor) + "." + strconv.Itoa(r.Patch)
}

// Compare returns -1, 0 or +1 as r is before, the same as or after s.
func (r Release) Compare(s Release) int {
	switch {
	case r.Major != s.Major:
		return sign(r.Major - s.Major)
	case r.Minor != s.Minor:
		return sign(r.Minor - s.Minor)
	}
	return sign(r.Patch - s.Patch)
}

// Before reports whether r is an earlier release than s.
func (r Release) Before(s Release) bool { return r.Compare(s) < 0 }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// releases is every stable Ktor release from 1.0.0 on, in order: the tags
// X.Y.Z of github.com/ktorio/ktor. Pre-releases (-beta, -rc, -eap) and the
// four-part 1.3.2.1/1.3.2.2 builds are not in it.
var releases = func() []Release {
	lines := []struct{ major, minor, last int }{
		{1, 0, 1}, {1, 1, 5}, {1, 2, 6}, {1, 3, 2}, {1, 4, 3}, {1, 5, 4}, {1, 6, 8},
		{2, 0, 3}, {2, 1, 3}, {2, 2, 4}, {2, 3, 13},
		{3, 0, 3}, {3, 1, 3}, {3, 2, 3}, {3, 3, 3}, {3, 4, 3}, {3, 5, 2},
	}
	var out []Release
	for _, l := range lines {
		for p := 0; p <= l.last; p++ {
			out = append(out, Release{l.major, l.minor, p})
		}
	}
	return out
}()

// Releases lists every known release, oldest first.
func Releases() []Release { return append([]Release(nil), releases...) }

// Oldest is the first release this package knows: 1.0.0.
func Oldest() Release { return releases[0] }

// Newest is the newest release this package knows.
func Newest() Release { return releases[len(releases)-1] }

// Known reports whether r is a Ktor release.
func Known(r Release) bool {
	i := search(r)
	return i < len(releases) && releases[i] == r
}

// search is the index of the first known release not before r.
func search(r Release) int {
	lo, hi := 0, len(releases)
	for lo < hi {
		m := (lo + hi) / 2
		if releases[m].Before(r) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// nearest is the known release just before r and the one just after it
// (either may be the zero Release).
func nearest(r Release) (before, after Release) {
	i := search(r)
	if i > 0 {
		before = releases[i-1]
	}
	if i < len(releases) && releases[i] == r {
		i++
	}
	if i < len(releases) {
		after = releases[i]
	}
	return before, after
}

// Version is what a version name resolved to.
type Version struct {
	Release Release // the exact release
	Name    string  // the name as given, trimmed
	// Line is set when Name was an alias: the line it names ("3.x", "2.3.x",
	// "Ktor" for all of them) and whose newest release Release is.
	Line string

	major, minor int // the line: -1 = any
}

// Covers reports whether r belongs to what the name named: the release
// itself, or any release of the alias's line.
func (v Version) Covers(r Release) bool {
	if !v.Alias() {
		return r == v.Release
	}
	return (v.major < 0 || r.Major == v.major) && (v.minor < 0 || r.Minor == v.minor)
}

// Alias reports whether the name was an alias for the newest release of a
// line (1.6, 2, 3.x, head…) rather than an exact release.
func (v Version) Alias() bool { return v.Line != "" }

// Any is the Version of no name at all: the newest known release, standing
// for every release (Covers is true for all of them).
func Any() Version { return Version{Release: Newest(), Line: "Ktor", major: -1, minor: -1} }

// String is the release, and for an alias what it stands for:
// "3.5.2" or "3.5.2 (3 = the newest 3.x release)".
func (v Version) String() string {
	if !v.Alias() {
		return v.Release.String()
	}
	return v.Release.String() + " (" + v.Name + " = the newest " + v.Line + " release)"
}

// ErrUnknown is what every failed Parse unwraps to.
var ErrUnknown = errors.New("unknown Ktor release")

// VersionError says why a name is not a known release and which known
// releases are nearest to it.
type VersionError struct {
	Input   string
	Reason  string    // e.g. "newer than the newest known release 3.5.2"
	Nearest []Release // the known releases just before and just after it, when there are any
}

func (e *VersionError) Error() string {
	s := ErrUnknown.Error() + " " + strconv.Quote(e.Input)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if len(e.Nearest) > 0 {
		names := make([]string, len(e.Nearest))
		for i, r := range e.Nearest {
			names[i] = r.String()
		}
		s += "; nearest known: " + strings.Join(names, ", ")
	}
	return s + " (known: " + Oldest().String() + " to " + Newest().String() + ", or an alias such as 1.6, 2, 3.x, head)"
}

func (e *VersionError) Unwrap() error { return ErrUnknown }

// Parse reads a Ktor version: an exact release ("3.0.0", also "v3.0.0" or
// "ktor-3.0.0") or an alias for the newest release of a line: a major line
// ("1", "2.x", "3"), a minor line ("1.6", "2.3.x") or the newest release
// of all ("head", "main", "latest"). An unknown release — a patch that does
// not exist, a future one, a pre-release, one before 1.0.0 — is a
// *VersionError naming the nearest known releases.
func Parse(s string) (Version, error) {
	name := strings.TrimSpace(s)
	t := strings.ToLower(name)
	t = strings.TrimPrefix(t, "ktor-")
	t = strings.TrimPrefix(t, "ktor ")
	t = strings.TrimPrefix(t, "v")
	fail := func(reason string, near ...Release) (Version, error) {
		var ns []Release
		for _, r := range near {
			if r != (Release{}) {
				ns = append(ns, r)
			}
		}
		return Version{}, &VersionError{Input: name, Reason: reason, Nearest: ns}
	}
	switch t {
	case "":
		return fail("empty version")
	case "head", "main", "latest", "newest", "master":
		return Version{Release: Newest(), Name: name, Line: "Ktor", major: -1, minor: -1}, nil
	}
	if i := strings.IndexAny(t, "-+_ "); i >= 0 {
		base, ok := parseNumbers(t[:i])
		if ok && len(base) == 3 {
			r := Release{base[0], base[1], base[2]}
			b, a := nearest(r)
			if Known(r) { // a pre-release of r comes before r
				a = r
			}
			return fail("pre-releases and builds ("+t[i:]+") are not supported, only stable releases", b, a)
		}
		return fail("not a version number")
	}
	wild := strings.HasSuffix(t, ".x") || strings.HasSuffix(t, ".*")
	if wild {
		t = t[:len(t)-2]
	}
	n, ok := parseNumbers(t)
	if !ok {
		return fail("not a version number")
	}
	switch {
	case len(n) == 1:
		r, ok := newestOf(n[0], -1)
		if !ok {
			b, a := nearest(Release{n[0], 0, 0})
			if n[0] > Newest().Major {
				return fail("no Ktor "+strconv.Itoa(n[0])+".x release is known (newest known: "+Newest().String()+")", b)
			}
			return fail("no Ktor "+strconv.Itoa(n[0])+".x release is known", b, a)
		}
		return Version{Release: r, Name: name, Line: strconv.Itoa(n[0]) + ".x", major: n[0], minor: -1}, nil
	case len(n) == 2:
		r, ok := newestOf(n[0], n[1])
		if !ok {
			b, a := nearest(Release{n[0], n[1], 0})
			line := strconv.Itoa(n[0]) + "." + strconv.Itoa(n[1])
			if Newest().Before(Release{n[0], n[1], 0}) {
				return fail("no Ktor "+line+".x release is known: newer than the newest known release "+Newest().String(), b)
			}
			return fail("no Ktor "+line+".x release exists", b, a)
		}
		return Version{Release: r, Name: name, Line: strconv.Itoa(n[0]) + "." + strconv.Itoa(n[1]) + ".x", major: n[0], minor: n[1]}, nil
	case len(n) == 3 && !wild:
		r := Release{n[0], n[1], n[2]}
		if Known(r) {
			return Version{Release: r, Name: name}, nil
		}
		b, a := nearest(r)
		switch {
		case Newest().Before(r):
			return fail("newer than the newest known release "+Newest().String(), b)
		case r.Before(Oldest()):
			return fail("Ktor before "+Oldest().String()+" is not supported", a)
		}
		if last, ok := newestOf(r.Major, r.Minor); ok {
			return fail("the "+strconv.Itoa(r.Major)+"."+strconv.Itoa(r.Minor)+" line ends at "+last.String(), b, a)
		}
		return fail("no such release", b, a)
	case len(n) == 4 && !wild:
		r := Release{n[0], n[1], n[2]}
		b, a := nearest(r)
		if Known(r) {
			b = r
		}
		return fail("four-part builds are not supported, only X.Y.Z releases", b, a)
	}
	return fail("not a version number")
}

// parseNumbers reads dot-separated decimal numbers (at most 4, each at most
// 4 digits).
func parseNumbers(s string) ([]int, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, false
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 4 {
			return nil, false
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return nil, false
			}
		}
		out[i], _ = strconv.Atoi(p)
	}
	return out, true
}

// newestOf is the newest known release of a major line (minor < 0) or a
// minor line.
func newestOf(major, minor int) (Release, bool) {
	for i := len(releases) - 1; i >= 0; i-- {
		r := releases[i]
		if r.Major == major && (minor < 0 || r.Minor == minor) {
			return r, true
		}
	}
	return Release{}, false
}

// MustParse is Parse for names known to be good (constants, tests); it
// panics on an error.
func MustParse(s string) Release {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v.Release
}
