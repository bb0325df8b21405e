//go:build linux

package storage

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func atime(t *testing.T, p string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec)
}

// staleAtime sets p's atime an hour before its mtime: under relatime the next
// plain read updates it.
func staleAtime(t *testing.T, p string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	mod := time.Unix(st.Mtim.Sec, st.Mtim.Nsec)
	old := mod.Add(-time.Hour)
	if err := os.Chtimes(p, old, mod); err != nil {
		t.Fatal(err)
	}
	return atime(t, p)
}

// TestWalkLeavesAtimes: a walk (with values, so the files are read too) does
// not write the access times of the directories and files it reads.
func TestWalkLeavesAtimes(t *testing.T) {
	base := t.TempDir()
	// the control: does this file system update atimes on a plain read at all?
	ctl := filepath.Join(base, "control")
	if err := os.MkdirAll(filepath.Join(ctl, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := staleAtime(t, ctl)
	if _, err := os.ReadDir(ctl); err != nil {
		t.Fatal(err)
	}
	if atime(t, ctl).Equal(before) {
		t.Skip("this file system does not update access times (noatime): nothing to check")
	}

	root := filepath.Join(base, "store")
	const id = "0123456789abcdef"
	p := filepath.Join(root, relPath(id))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("n=%23i1"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{root, filepath.Join(root, "01"), filepath.Dir(p), p}
	want := map[string]time.Time{}
	for _, q := range paths {
		want[q] = staleAtime(t, q)
	}
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, sorted := range []bool{false, true} {
		n := 0
		err := d.Walk(context.Background(), WalkOptions{WithValue: true, Sorted: sorted}, func(e Entry) error {
			if e.ID != id || e.Value != "n=%23i1" {
				t.Errorf("walk: %+v", e)
			}
			n++
			return nil
		})
		if err != nil || n != 1 {
			t.Fatalf("walk (sorted %v): %d sessions, %v", sorted, n, err)
		}
	}
	for _, q := range paths {
		if got := atime(t, q); !got.Equal(want[q]) {
			t.Errorf("%s: atime changed from %v to %v", q, want[q], got)
		}
	}
}
