//go:build linux

package storage

// Hostile trees: symbolic links, FIFOs, devices and huge files planted below the root, links
// swapped in while a purge runs, and live writers of both kinds rewriting the sessions a purge
// matched. Every test here fails on the path-based storage this package had before issue 13.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func plant(t *testing.T, p, v string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// TestDirectorySymlinkBelowRoot: a directory link planted inside the root (root/ab ->
// ../outside) and a link at a session's path are never followed by Read, Lookup, Write,
// Invalidate, InvalidateMany, RemoveUnchanged, Walk or the prune of emptied directories.
func TestDirectorySymlinkBelowRoot(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	plant(t, filepath.Join(outside, "cd.dat"), "OUTSIDE")
	plant(t, filepath.Join(outside, "x.dat"), "OUTSIDE")
	os.MkdirAll(filepath.Join(outside, "su"), 0o755) // empty: a prune through a link would remove it
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	os.Symlink("../outside", filepath.Join(root, "ab"))             // a directory link
	os.Symlink("../outside/x.dat", filepath.Join(root, "zz.dat"))   // a file link
	os.Symlink("../outside", filepath.Join(root, "ef"))             //
	plant(t, filepath.Join(root, "01", "23.dat"), "userId=%23su-1") // a real session
	for _, id := range []string{"abcd", "zz"} {
		if _, err := d.Read(ctx, id); !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), ".dat") && id == "zz" {
			t.Errorf("Read(%s) = %v, want ErrSymlink", id, err)
		}
		if _, err := d.Lookup(ctx, id, false); !errors.Is(err, ErrSymlink) {
			t.Errorf("Lookup(%s) = %v, want ErrSymlink", id, err)
		}
		if err := d.Invalidate(ctx, id); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Invalidate(%s) = %v, want ErrNotRegular", id, err)
		}
	}
	if err := d.Write(ctx, "abqq", "v"); !errors.Is(err, ErrSymlink) {
		t.Errorf("Write through a link: %v", err)
	}
	r, err := d.InvalidateMany(ctx, []string{"abcd", "zz", "efsuxy", "0123"})
	if err != nil || r.Removed != 1 || r.NotSession != 3 {
		t.Errorf("InvalidateMany = %+v, %v; want 1 removed, 3 not sessions (links: not followed)", r, err)
	}
	plant(t, filepath.Join(root, "01", "23.dat"), "userId=%23su-1")
	var st WalkStats
	var got []string
	if err := d.Walk(ctx, WalkOptions{WithValue: true, Stats: &st}, func(e Entry) error { got = append(got, e.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "0123" || st.Skipped != 3 {
		t.Errorf("walk: %v, stats %+v; want only 0123, the 3 links skipped", got, st)
	}
	for _, p := range []string{filepath.Join(outside, "cd.dat"), filepath.Join(outside, "x.dat"), filepath.Join(outside, "su"),
		filepath.Join(root, "ab"), filepath.Join(root, "zz.dat"), filepath.Join(root, "ef")} {
		if !exists(p) {
			t.Errorf("%s removed", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "cd.dat")); string(b) != "OUTSIDE" {
		t.Errorf("outside file changed: %q", b)
	}
}

// TestDirectoryRootLinkResolvedOnce: the root may be a symbolic link, resolved when the storage
// is opened; pointing the link elsewhere later does not move the storage.
func TestDirectoryRootLinkResolvedOnce(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	real, other, link := filepath.Join(base, "real"), filepath.Join(base, "other"), filepath.Join(base, "link")
	plant(t, filepath.Join(real, "ab.dat"), "real")
	plant(t, filepath.Join(other, "ab.dat"), "other")
	os.Symlink(real, link)
	d, err := OpenDirectory(link)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(link)
	os.Symlink(other, link)
	if v, err := d.Read(ctx, "ab"); v != "real" || err != nil {
		t.Errorf("Read = %q, %v; want the root resolved at open", v, err)
	}
	if err := d.Invalidate(ctx, "ab"); err != nil || exists(filepath.Join(real, "ab.dat")) || !exists(filepath.Join(other, "ab.dat")) {
		t.Errorf("Invalidate: %v", err)
	}
}

// TestDirectoryNotRegularFiles: a FIFO at a session's path, a device, a link to /dev/zero and a
// file larger than MaxSessionSize give clear errors at once (no hang, no allocation), are skipped
// by walks with values, and are left alone by removals.
func TestDirectoryNotRegularFiles(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, _ := NewDirectory(root)
	os.MkdirAll(filepath.Join(root, "ab"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(root, "ab", "cd.dat"), 0o644); err != nil {
		t.Skip(err)
	}
	os.Symlink("/dev/zero", filepath.Join(root, "ze.dat"))
	dev := syscall.Mknod(filepath.Join(root, "nu.dat"), syscall.S_IFCHR|0o644, 1<<8|3) == nil // /dev/null's numbers, as root
	big, _ := os.Create(filepath.Join(root, "bi.dat"))
	big.Truncate(10 << 30) // sparse: 10 GiB that are not there
	big.Close()
	plant(t, filepath.Join(root, "ok.dat"), "userId=%23su-1")
	cases := map[string]error{"abcd": ErrNotRegular, "ze": ErrSymlink, "bi": ErrTooLarge}
	if dev {
		cases["nu"] = ErrNotRegular
	}
	for id, want := range cases {
		done := make(chan error, 1)
		go func() { _, err := d.Read(ctx, id); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, want) || !strings.Contains(err.Error(), ".dat") {
				t.Errorf("Read(%s) = %v, want %v naming the file", id, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Read(%s) hangs", id)
		}
	}
	if err := d.Write(ctx, "xx", strings.Repeat("v", MaxSessionSize+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Write of MaxSessionSize+1 bytes: %v", err)
	}
	var st WalkStats
	n := 0
	if err := d.Walk(ctx, WalkOptions{WithValue: true, Stats: &st}, func(Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 || st.Skipped != int64(len(cases)) {
		t.Errorf("walk with values: %d sessions, %+v; want 1 and %d skipped", n, st, len(cases))
	}
	r, err := d.InvalidateMany(ctx, []string{"abcd", "ze", "nu"})
	if err != nil || r.Removed != 0 {
		t.Errorf("InvalidateMany = %+v, %v", r, err)
	}
	for _, p := range []string{"ab/cd.dat", "ze.dat"} {
		if !exists(filepath.Join(root, p)) {
			t.Errorf("%s removed", p)
		}
	}
}

// treeOfOld writes n sessions 40 days old with random 32-hex ids under root, and the same
// relative files under mirror (when not "") with other content.
func treeOfOld(t testing.TB, root, mirror string, n int, seed uint64) []string {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, 1))
	old := time.Now().Add(-40 * 24 * time.Hour)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64())
		for _, r := range []string{root, mirror} {
			if r == "" {
				continue
			}
			p := filepath.Join(r, relPath(ids[i]))
			os.MkdirAll(filepath.Dir(p), 0o755)
			v := "userId=%23su-1"
			if r == mirror {
				v = "OUTSIDE"
			}
			if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, old, old)
		}
	}
	return ids
}

func countRegular(root string) int {
	n := 0
	filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// TestPurgeSymlinkRace: while a purge walks and removes (Walk + RemoveUnchanged, and Walk +
// InvalidateMany), an attacker keeps swapping the top-level directories for links to a copy of
// the tree outside the root. Nothing outside is removed, and nothing outside is yielded.
func TestPurgeSymlinkRace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds trees of 400 sessions")
	}
	ctx := context.Background()
	for _, conditional := range []bool{true, false} {
		t.Run(fmt.Sprintf("conditional=%v", conditional), func(t *testing.T) {
			base := t.TempDir()
			root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
			ids := treeOfOld(t, root, outside, 400, 11)
			tops := map[string]bool{}
			for _, id := range ids {
				tops[id[:2]] = true
			}
			d, _ := OpenDirectory(root)
			actx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for actx.Err() == nil {
					for top := range tops {
						dir, hold := filepath.Join(root, top), filepath.Join(root, "."+top)
						if os.Rename(dir, hold) == nil {
							os.Symlink(filepath.Join(outside, top), dir)
							time.Sleep(50 * time.Microsecond)
							os.Remove(dir)
							os.Rename(hold, dir)
						}
					}
				}
			}()
			var total RemoveCounts
			yieldedOutside := 0
			for range 2 {
				var batch []Entry
				err := d.Walk(ctx, WalkOptions{OlderThan: 30 * 24 * time.Hour, WithValue: true}, func(e Entry) error {
					if e.Value == "OUTSIDE" {
						yieldedOutside++
					}
					batch = append(batch, e)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				var r RemoveResult
				if conditional {
					r, err = d.RemoveUnchanged(ctx, batch)
				} else {
					ids := make([]string, len(batch))
					for i, e := range batch {
						ids[i] = e.ID
					}
					r, err = d.InvalidateMany(ctx, ids)
				}
				if err != nil {
					t.Fatal(err)
				}
				total.Add(r.RemoveCounts)
			}
			stop()
			wg.Wait()
			gone := len(ids) - countRegular(outside)
			t.Logf("removed %+v; %d outside files removed, %d yielded", total, gone, yieldedOutside)
			if gone > 0 || yieldedOutside > 0 {
				t.Errorf("%d files outside the root removed, %d outside files yielded as sessions", gone, yieldedOutside)
			}
			if total.Removed == 0 {
				t.Errorf("nothing removed: the test did not purge")
			}
		})
	}
}

// TestRemoveUnchangedLiveWriters: while RemoveUnchanged removes the sessions a walk matched,
// writers rewrite a third of them, both kinds: Ktor's File.writeText (open with O_TRUNC, write
// in place) and ours (Directory.Write: a temporary file renamed into place). No rewritten session
// is lost, and the counts add up: removed + changed = matched.
func TestRemoveUnchangedLiveWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tree of 1,000 sessions")
	}
	ctx := context.Background()
	root := t.TempDir()
	ids := treeOfOld(t, root, "", 1000, 12)
	d, _ := OpenDirectory(root)
	var matched []Entry
	if err := d.Walk(ctx, WalkOptions{OlderThan: 30 * 24 * time.Hour}, func(e Entry) error { matched = append(matched, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var (
		last    sync.Map
		failed  atomic.Int64
		wg      sync.WaitGroup
		removed = make(chan struct{})
	)
	const writers, rewritten = 6, 350
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rewritten; i += writers {
				id := ids[i*3%len(ids)]
				v := fmt.Sprintf("userId=%%23su-new-%d", i)
				var err error
				if w%2 == 0 { // Ktor: mkdirs, then File.writeText
					p := filepath.Join(root, relPath(id))
					if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
						err = os.WriteFile(p, []byte(v), 0o644)
					}
				} else {
					err = d.Write(ctx, id, v)
				}
				if err != nil {
					failed.Add(1)
					continue
				}
				last.Store(id, v)
				select {
				case <-removed:
				default:
					time.Sleep(time.Duration(rand.IntN(400)) * time.Microsecond)
				}
			}
		}()
	}
	var res RemoveCounts
	for lo := 0; lo < len(matched); lo += 100 {
		r, err := d.RemoveUnchanged(ctx, matched[lo:min(lo+100, len(matched))])
		if err != nil {
			t.Fatal(err)
		}
		res.Add(r.RemoveCounts)
	}
	close(removed)
	wg.Wait()
	lost := 0
	last.Range(func(k, v any) bool {
		if got, err := d.Read(ctx, k.(string)); err != nil || got != v.(string) {
			lost++
		}
		return true
	})
	t.Logf("matched %d: %+v; %d writes failed", len(matched), res, failed.Load())
	if lost > 0 {
		t.Errorf("%d rewritten sessions lost", lost)
	}
	if res.Removed+res.Changed != len(matched) || res.Missing+res.NotSession+res.Unknown != 0 {
		t.Errorf("counts %+v do not add up to the %d matched", res, len(matched))
	}
	// what is left of the tree: the rewritten sessions only, and no file renamed aside
	left := 0
	filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			left++
			if strings.HasSuffix(p, ".tmp") {
				t.Errorf("left behind: %s", p)
			}
		}
		return nil
	})
	n := 0
	last.Range(func(any, any) bool { n++; return true })
	if left != n {
		t.Errorf("%d files left, %d sessions rewritten", left, n)
	}
}

// TestRemoveUnchangedInPlaceRewrite: the exact interleavings, one at a time: a session rewritten
// in place (same inode, new size or time) or replaced by rename after the walk is kept; one
// untouched is removed; one replaced by a FIFO is left alone.
func TestRemoveUnchangedInPlaceRewrite(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, _ := NewDirectory(root)
	for _, id := range []string{"aa01", "aa02", "aa03", "aa04", "aa05"} {
		d.Write(ctx, id, "userId=%23su-1")
	}
	var es []Entry
	d.Walk(ctx, WalkOptions{Sorted: true}, func(e Entry) error { es = append(es, e); return nil })
	if len(es) != 5 || es[0].Version == (Version{}) {
		t.Fatalf("walk: %+v", es)
	}
	p := func(id string) string { return filepath.Join(root, relPath(id)) }
	os.WriteFile(p("aa01"), []byte("userId=%23su-2"), 0o644) // in place, same size: a new mtime
	later := time.Now().Add(time.Hour)
	os.Chtimes(p("aa01"), later, later)
	os.WriteFile(p("aa02"), []byte("userId=%23su-22"), 0o644) // in place, a new size
	d.Write(ctx, "aa03", "userId=%23su-1")                    // a new file renamed into place, same content
	os.Remove(p("aa05"))
	syscall.Mkfifo(p("aa05"), 0o644)
	r, err := d.RemoveUnchanged(ctx, es)
	if err != nil || r.Removed != 1 || r.Changed != 4 {
		t.Errorf("RemoveUnchanged = %+v, %v; want aa04 removed, 4 changed and kept", r, err)
	}
	for _, id := range []string{"aa01", "aa02", "aa03"} {
		if _, err := d.Read(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if exists(p("aa04")) || !exists(p("aa05")) {
		t.Errorf("aa04 should be gone, the FIFO kept")
	}
}

// TestEmptyDirectories: walks count empty directories (an interrupted purge leaves them);
// PruneEmpty removes those older than EmptyDirGrace with their parents left empty, and leaves a
// young one (a writer may just have made it).
func TestEmptyDirectories(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, _ := NewDirectory(root)
	d.Write(ctx, "ab12", "v")
	for _, dir := range []string{"cd/ef/gh", "cd/xy", "ij/kl"} {
		os.MkdirAll(filepath.Join(root, dir), 0o755)
	}
	hourAgo := time.Now().Add(-time.Hour)
	for _, dir := range []string{"cd/ef/gh", "cd/xy"} {
		os.Chtimes(filepath.Join(root, dir), hourAgo, hourAgo)
	}
	var st WalkStats
	d.Walk(ctx, WalkOptions{Stats: &st}, func(Entry) error { return nil })
	if st.EmptyDirs != 3 || st.Pruned != 0 {
		t.Errorf("walk: %+v, want 3 empty directories counted, none pruned", st)
	}
	for _, sorted := range []bool{false, true} {
		st = WalkStats{}
		d.Walk(ctx, WalkOptions{Stats: &st, PruneEmpty: true, Sorted: sorted}, func(Entry) error { return nil })
		if sorted {
			continue
		}
		if st.Pruned != 4 { // cd/ef/gh, cd/ef, cd/xy, cd
			t.Errorf("prune walk: %+v, want 4 pruned", st)
		}
	}
	_, dirs := treeFiles(t, root)
	want := map[string]bool{"": true, "ab": true, "ij": true, "ij/kl": true}
	if len(dirs) != len(want) {
		t.Errorf("directories left: %v", dirs)
	}
	for _, dd := range dirs {
		if !want[filepath.ToSlash(dd)] {
			t.Errorf("left: %q", dd)
		}
	}
}

// TestRemoveUnchangedWriterInTheWindow: a writer lands exactly between a removal's decision and
// its act (testHookRemove): ours renames a new file into place, Ktor's writes in place through a
// descriptor it opened before, or creates the file anew. Each rewritten session survives.
func TestRemoveUnchangedWriterInTheWindow(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, _ := NewDirectory(root)
	ids := []string{"bb01", "bb02", "bb03"}
	for _, id := range ids {
		d.Write(ctx, id, "userId=%23su-1")
	}
	var es []Entry
	d.Walk(ctx, WalkOptions{Sorted: true}, func(e Entry) error { es = append(es, e); return nil })
	p := func(id string) string { return filepath.Join(root, relPath(id)) }
	held, err := os.OpenFile(p("bb02"), os.O_WRONLY, 0) // Ktor's FileOutputStream, opened before
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	testHookRemove = func(rel string) {
		switch rel {
		case relPath("bb01"): // ours: a new file renamed into place
			tmp := p("bb01") + ".x.tmp"
			os.WriteFile(tmp, []byte("userId=%23su-new1"), 0o644)
			os.Rename(tmp, p("bb01"))
		case relPath("bb02"): // Ktor, in place, through the descriptor it holds
			held.Truncate(0)
			held.WriteAt([]byte("userId=%23su-new2"), 0)
		case relPath("bb03"): // Ktor, opening the path after the file was taken: a new file
			os.WriteFile(p("bb03"), []byte("userId=%23su-new3"), 0o644)
		}
	}
	defer func() { testHookRemove = nil }()
	r, err := d.RemoveUnchanged(ctx, es)
	for i, id := range ids {
		if got, err := d.Read(ctx, id); err != nil || got != fmt.Sprintf("userId=%%23su-new%d", i+1) {
			t.Errorf("%s: %q, %v: the rewrite was lost", id, got, err)
		}
	}
	if err != nil || r.Changed != 3 {
		t.Errorf("RemoveUnchanged = %+v, %v; want all 3 counted as changed (kept)", r, err)
	}
}

// TestRemoveOutcomes: each entry's outcome is reported at its index, by every remover.
func TestRemoveOutcomes(t *testing.T) {
	ctx := context.Background()
	d, _ := NewDirectory(t.TempDir())
	m := NewMemory()
	for _, s := range []interface {
		Storage
		Walker
		ConditionalRemover
	}{d, m} {
		for _, id := range []string{"cc01", "cc02", "cc03"} {
			s.Write(ctx, id, "v")
		}
		var es []Entry
		s.Walk(ctx, WalkOptions{Sorted: true}, func(e Entry) error { es = append(es, e); return nil })
		time.Sleep(10 * time.Millisecond)
		s.Write(ctx, "cc02", "v2") // changed
		s.Invalidate(ctx, "cc03")  // gone
		r, err := s.RemoveUnchanged(ctx, es)
		want := []Outcome{OutcomeRemoved, OutcomeChanged, OutcomeMissing}
		if err != nil || fmt.Sprint(r.Outcomes) != fmt.Sprint(want) || r.RemoveCounts != (RemoveCounts{Removed: 1, Changed: 1, Missing: 1}) {
			t.Errorf("%T: %+v, %v; want outcomes %v", s, r, err, want)
		}
	}
}
