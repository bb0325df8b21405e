package storage

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzID: every id either is refused with ErrBadID, or maps to a path below
// the root whose pieces are neither "." nor ".." and which maps back to the
// same id.
func FuzzID(f *testing.F) {
	for _, s := range []string{"0123456789abcdef", "abc", ".", "x.y", "..ca", "../x", "a/b", "日本語", "😀ab", "a😀", "\x00", "", "a.", ".a", "..dat"} {
		f.Add(s)
	}
	d := &Directory{root: "/R"}
	f.Fuzz(func(t *testing.T, id string) {
		p, err := d.Path(id)
		if err != nil {
			if !errors.Is(err, ErrBadID) {
				t.Fatalf("Path(%q): error %v is not ErrBadID", id, err)
			}
			var se *badIDError
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "bad session id") {
				t.Fatalf("Path(%q): error %T %v", id, err, err)
			}
			return
		}
		if clean := filepath.Clean(p); clean != p || !strings.HasPrefix(p, "/R/") {
			t.Fatalf("Path(%q) = %q leaves the root or is not clean (%q)", id, p, clean)
		}
		rel := strings.TrimPrefix(p, "/R/")
		for _, piece := range strings.Split(rel, "/") {
			if piece == "" || piece == "." || piece == ".." || strings.ContainsRune(piece, 0) {
				t.Fatalf("Path(%q) = %q has piece %q", id, p, piece)
			}
		}
		back, ok := IDFromPath(rel)
		if !ok || back != id {
			t.Fatalf("IDFromPath(%q) = %q, %v; want %q", rel, back, ok, id)
		}
	})
}

// FuzzIDFromPath: whatever relative path is accepted as a session file maps
// back to itself through Path.
func FuzzIDFromPath(f *testing.F) {
	for _, s := range []string{"01/23/45/67/89/ab/cd/ef.dat", "ab/c.dat", "..dat", "x./y.dat", "abc.dat", "ab/../c.dat", "a.dat.tmp", "日本/語.dat", "/ab.dat"} {
		f.Add(s)
	}
	d := &Directory{root: "/R"}
	f.Fuzz(func(t *testing.T, rel string) {
		id, ok := IDFromPath(rel)
		if !ok {
			return
		}
		p, err := d.Path(id)
		if err != nil {
			t.Fatalf("IDFromPath(%q) = %q, which Path refuses: %v", rel, id, err)
		}
		if p != "/R/"+rel {
			t.Fatalf("IDFromPath(%q) = %q → %q", rel, id, p)
		}
	})
}
