package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDirectoryPath(t *testing.T) {
	d := &Directory{root: "/R"}
	for _, tc := range []struct{ id, want string }{
		{"0123456789abcdef", "/R/01/23/45/67/89/ab/cd/ef.dat"},
		{"abc", "/R/ab/c.dat"},
		{"ab", "/R/ab.dat"},
		{"a", "/R/a.dat"},
		{".", "/R/..dat"},
		{"x.y", "/R/x./y.dat"},
		{".a", "/R/.a.dat"},
		{"a.", "/R/a..dat"},
		{"Z9", "/R/Z9.dat"},
		{"日本語", "/R/日本/語.dat"},        // cut by UTF-16 units, not bytes
		{"😀", "/R/😀.dat"},             // one character, two UTF-16 units
		{"😀ab", "/R/😀/ab.dat"},        //
		{"ab😀", "/R/ab/😀.dat"},        //
		{"a b:c*", "/R/a /b:/c*.dat"}, // Ktor accepts these
		{"%23s", "/R/%2/3s.dat"},      //
		{"\n\t", "/R/\n\t.dat"},       //
	} {
		t.Run(tc.id, func(t *testing.T) {
			got, err := d.Path(tc.id)
			if err != nil || got != tc.want {
				t.Fatalf("Path(%q) = %q, %v; want %q", tc.id, got, err, tc.want)
			}
			back, ok := IDFromPath(strings.TrimPrefix(got, "/R/"))
			if !ok || back != tc.id {
				t.Fatalf("IDFromPath(%q) = %q, %v", got, back, ok)
			}
		})
	}
}

func TestValidateIDRefuses(t *testing.T) {
	for _, id := range []string{
		"", "..", "...", "a..b", "..ca", "../canary", "a/../../canary", "/etc/passwd", "a/b", "a\\b", "..\\canary",
		"a!b", "a?b", "a<b", "a>b", "x\x00y", "x\x00", "\x00",
		"\xff\xfe", "a\xc3", // not UTF-8
		"a😀", "abc😀", // a 4-byte character would be cut in half
	} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			err := ValidateID(id)
			if !errors.Is(err, ErrBadID) {
				t.Fatalf("ValidateID(%q) = %v, want ErrBadID", id, err)
			}
			d, _ := NewDirectory(t.TempDir())
			ctx := context.Background()
			var se *Error
			if err := d.Write(ctx, id, "v"); !errors.Is(err, ErrBadID) || !errors.As(err, &se) || se.Op != "write" {
				t.Errorf("Write: %v", err)
			}
			if _, err := d.Read(ctx, id); !errors.Is(err, ErrBadID) {
				t.Errorf("Read: %v", err)
			}
			if err := d.Invalidate(ctx, id); !errors.Is(err, ErrBadID) {
				t.Errorf("Invalidate: %v", err)
			}
			if n, err := d.InvalidateMany(ctx, []string{"ok", id}); !errors.Is(err, ErrBadID) || n.Done() != 0 {
				t.Errorf("InvalidateMany: %d, %v", n, err)
			}
			if strings.ContainsRune(err.Error(), 0) {
				t.Errorf("message holds a raw NUL: %q", err.Error())
			}
		})
	}
}

// TestKtorTree reads, walks and invalidates the tree real Ktor 3 wrote.
func TestKtorTree(t *testing.T) {
	root, meta := extractKtorTree(t)
	ctx := context.Background()
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("layout", func(t *testing.T) {
		for id := range meta.Live {
			p, err := d.Path(id)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, p)
			if !slices.Contains(meta.Files, filepath.ToSlash(rel)) {
				t.Errorf("id %q maps to %q, not a file Ktor wrote", id, rel)
			}
		}
		files, _ := treeFiles(t, root)
		sort.Strings(files)
		want := slices.Clone(meta.Files)
		sort.Strings(want)
		if !slices.Equal(files, want) {
			t.Errorf("tree files %v, want %v", files, want)
		}
	})
	t.Run("read", func(t *testing.T) {
		for id, v := range meta.Live {
			got, err := d.Read(ctx, id)
			if err != nil || got != v {
				t.Errorf("Read(%q) = %q, %v; want %q", id, got, err, v)
			}
		}
	})
	t.Run("operations", func(t *testing.T) {
		for _, op := range meta.Operations {
			switch op.Op {
			case "readAfterInvalidate":
				if _, err := d.Read(ctx, op.ID); !errors.Is(err, ErrNotFound) {
					t.Errorf("read of invalidated %q: %v", op.ID, err)
				}
			case "badId":
				for name, res := range map[string][]byte{"write": op.Write, "read": op.Read, "invalidate": op.Invalidate} {
					if !strings.Contains(string(res), "IllegalArgumentException") {
						t.Fatalf("vector %q %s: %s", op.ID, name, res)
					}
				}
				if err := ValidateID(op.ID); !errors.Is(err, ErrBadID) {
					t.Errorf("bad id %q accepted", op.ID)
				}
			}
		}
	})
	t.Run("walk", func(t *testing.T) {
		for _, sorted := range []bool{false, true} {
			got := map[string]string{}
			var st WalkStats
			err := d.Walk(ctx, WalkOptions{WithValue: true, Sorted: sorted, Stats: &st}, func(e Entry) error {
				if _, dup := got[e.ID]; dup {
					t.Errorf("id %q twice", e.ID)
				}
				got[e.ID] = e.Value
				if e.Size != int64(len(meta.Live[e.ID])) || e.TTL != -1 || e.Modified.IsZero() {
					t.Errorf("entry %+v", e)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(meta.Live) || st.Matched != int64(len(meta.Live)) || st.Skipped != 0 {
				t.Errorf("sorted=%v: walked %d, stats %+v; want %d", sorted, len(got), st, len(meta.Live))
			}
			for id, v := range meta.Live {
				if got[id] != v {
					t.Errorf("walk value of %q = %q, want %q", id, got[id], v)
				}
			}
		}
	})
	t.Run("unknown read leaves nothing", func(t *testing.T) {
		_, before := treeFiles(t, root)
		for _, s := range meta.Side {
			if s.ReadUnknownID == "" {
				continue
			}
			if _, err := d.Read(ctx, s.ReadUnknownID); !errors.Is(err, ErrNotFound) {
				t.Errorf("read %q: %v", s.ReadUnknownID, err)
			}
		}
		_, after := treeFiles(t, root)
		if !slices.Equal(before, after) {
			t.Errorf("reading unknown ids changed the directories")
		}
	})
	t.Run("invalidate", func(t *testing.T) {
		for _, id := range []string{"c4cb777eb9cfef3bf5fb8b35385d6bc39c696c4e60878d0b19a0d5be203ab459", "ab", "abcd", ".", "x.y"} {
			if err := d.Invalidate(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Read(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("read after invalidate %q: %v", id, err)
			}
			if err := d.Invalidate(ctx, id); err != nil {
				t.Errorf("second invalidate %q: %v", id, err)
			}
		}
		files, dirs := treeFiles(t, root)
		for _, gone := range []string{"c4", "x.", "ab"} {
			if slices.Contains(dirs, gone) {
				t.Errorf("directory %q left behind", gone)
			}
		}
		if len(files) != len(meta.Files)-5 {
			t.Errorf("%d files left, want %d", len(files), len(meta.Files)-5)
		}
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
			t.Errorf("root gone: %v", err)
		}
	})
}

func TestDirectoryReadWrite(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, value string }{
		{"0123456789abcdef", "a=%23i1"},
		{"abc", "x"},
		{".", "dot"},
		{"日本語", "name=%23s%E6%97%A5"},
		{"big", strings.Repeat("v", 1<<20)},
	} {
		if err := d.Write(ctx, tc.id, tc.value); err != nil {
			t.Fatal(err)
		}
		got, err := d.Read(ctx, tc.id)
		if err != nil || got != tc.value {
			t.Errorf("Read(%q) = %d bytes, %v", tc.id, len(got), err)
		}
		if err := d.Write(ctx, tc.id, "second"); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.Read(ctx, tc.id); got != "second" {
			t.Errorf("overwrite of %q read %q", tc.id, got)
		}
	}
	if _, err := d.Read(ctx, "nothere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	// Ktor: an empty file reads as an error
	if err := d.Write(ctx, "ee", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Read(ctx, "ee"); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty file: %v", err)
	}
	// a directory where the file should be: Java's FileNotFoundException, i.e. not found
	os.MkdirAll(filepath.Join(root, "dd.dat"), 0o755)
	if _, err := d.Read(ctx, "dd"); !errors.Is(err, ErrNotFound) {
		t.Errorf("directory as file: %v", err)
	}
	// a file where a directory should be: not found on read, an error on write
	os.WriteFile(filepath.Join(root, "ff"), []byte("x"), 0o644)
	if _, err := d.Read(ctx, "ffgg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("file as dir read: %v", err)
	}
	if err := d.Write(ctx, "ffgg", "x"); err == nil {
		t.Errorf("write through a file succeeded")
	}
	// no temporary files are left behind
	files, _ := treeFiles(t, root)
	for _, f := range files {
		if strings.HasSuffix(f, ".tmp") {
			t.Errorf("temporary file left: %s", f)
		}
	}
	// cancelled context
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Write(cctx, "cc", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("write with cancelled ctx: %v", err)
	}
	var se *Error
	_, err = d.Read(ctx, "nothere")
	if !errors.As(err, &se) || se.ID != "nothere" || se.Op != "read" || !strings.HasPrefix(err.Error(), "storage: directory ") {
		t.Errorf("error shape: %v", err)
	}
}

func TestNewDirectoryErrors(t *testing.T) {
	if _, err := NewDirectory(""); !errors.Is(err, ErrConfig) {
		t.Errorf("empty root: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := NewDirectory(f); err == nil {
		t.Errorf("root is a file: accepted")
	}
	if _, err := NewDirectory(filepath.Join(f, "sub")); err == nil {
		t.Errorf("root under a file: accepted")
	}
	root := filepath.Join(t.TempDir(), "a", "b")
	if _, err := NewDirectory(root); err != nil {
		t.Errorf("root not created: %v", err)
	}
}

// TestOpenDirectory: OpenDirectory opens an existing root only; a missing one
// is fs.ErrNotExist and is not created.
func TestOpenDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := OpenDirectory(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root was created: %v", err)
	}
	if _, err := OpenDirectory(""); !errors.Is(err, ErrConfig) {
		t.Errorf("empty root: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := OpenDirectory(f); !errors.Is(err, ErrConfig) {
		t.Errorf("root is a file: %v", err)
	}
	root := t.TempDir()
	d, err := OpenDirectory(root + "/.")
	if err != nil || d.Root() != root {
		t.Fatalf("existing root: %v, %v", d, err)
	}
	var v IDValidator = d
	if err := v.ValidateID("../x"); !errors.Is(err, ErrBadID) {
		t.Errorf("ValidateID(../x) = %v", err)
	}
	if err := v.ValidateID("abcd"); err != nil {
		t.Errorf("ValidateID(abcd) = %v", err)
	}
}

// TestInvalidateOutsideRoot: the ids the acceptance check throws at a store
// never touch the files planted next to the root.
func TestInvalidateOutsideRoot(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "gen")
	d, _ := NewDirectory(root)
	canaries := []string{filepath.Join(tmp, "canary.dat"), filepath.Join(tmp, "ca.dat"), filepath.Join(tmp, "canary")}
	for _, c := range canaries {
		os.WriteFile(c, []byte("outside"), 0o644)
	}
	ctx := context.Background()
	for _, bad := range []string{"../canary", "..", "..ca", "a/../../canary", "..\\canary", "x\x00y", "", "/etc/passwd"} {
		if err := d.Invalidate(ctx, bad); !errors.Is(err, ErrBadID) {
			t.Errorf("invalidate %q: %v", bad, err)
		}
		if err := d.Write(ctx, bad, "x"); !errors.Is(err, ErrBadID) {
			t.Errorf("write %q: %v", bad, err)
		}
	}
	for _, c := range canaries {
		if _, err := os.Stat(c); err != nil {
			t.Errorf("canary %s: %v", c, err)
		}
	}
}

func TestDirectoryConcurrent(t *testing.T) {
	ctx := context.Background()
	d, _ := NewDirectory(t.TempDir())
	var wg sync.WaitGroup
	ids := []string{"0011223344", "0011223355", "0011aa", "00", "0011"}
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := ids[(g+i)%len(ids)]
				v := fmt.Sprintf("g=%d&i=%d&pad=%s", g, i, strings.Repeat("x", 4096))
				switch i % 4 {
				case 0, 1:
					if err := d.Write(ctx, id, v); err != nil {
						t.Error(err)
						return
					}
				case 2:
					got, err := d.Read(ctx, id)
					if err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
						return
					}
					// whole values only: never a mix of two writers
					if err == nil && (!strings.HasPrefix(got, "g=") || len(got) < 4096 || !strings.HasSuffix(got, "x")) {
						t.Errorf("torn read: %d bytes", len(got))
						return
					}
				case 3:
					if err := d.Invalidate(ctx, id); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	// a walker running alongside
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			if err := d.Walk(ctx, WalkOptions{WithValue: true}, func(Entry) error { return nil }); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	for _, id := range ids {
		d.Invalidate(ctx, id)
	}
	files, dirs := treeFiles(t, d.Root())
	if len(files) != 0 || len(dirs) != 1 {
		t.Errorf("after invalidating everything: files %v dirs %v", files, dirs)
	}
}

// genTree writes n sessions with 32-hex ids into root; every third is 40 days old.
func genTree(t testing.TB, root string, n int) (ids []string, old map[string]bool) {
	t.Helper()
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	old = map[string]bool{}
	then := time.Now().Add(-40 * 24 * time.Hour)
	for i := range n {
		id := fmt.Sprintf("%016x%016x", uint64(i)*0x9E3779B97F4A7C15, uint64(i)*0xC2B2AE3D27D4EB4F)
		p, _ := d.Path(id)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(fmt.Sprintf("userId=%%23su-%d&n=%%23i%d", i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			os.Chtimes(p, then, then)
			old[id] = true
		}
		ids = append(ids, id)
	}
	return ids, old
}

func TestWalkFilters(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	ids, old := genTree(t, root, 600)
	d, _ := NewDirectory(root)
	// strays: not the layout
	os.WriteFile(filepath.Join(root, "abc.dat"), []byte("x"), 0o644)     // 3-char piece
	os.WriteFile(filepath.Join(root, "README"), []byte("x"), 0o644)      // no .dat
	os.WriteFile(filepath.Join(root, "ab.dat.1234.tmp"), nil, 0o644)     // an interrupted write
	os.MkdirAll(filepath.Join(root, "xyz", "ab"), 0o755)                 // 3-char directory
	os.WriteFile(filepath.Join(root, "xyz", "ab", "cd.dat"), nil, 0o644) //
	os.WriteFile(filepath.Join(root, "a!.dat"), []byte("x"), 0o644)      // a bad id
	os.Symlink("/etc/passwd", filepath.Join(root, "zz.dat"))             // a symlink
	now := time.Now()
	collect := func(o WalkOptions) (map[string]bool, WalkStats, error) {
		got := map[string]bool{}
		var st WalkStats
		o.Stats = &st
		var mu sync.Mutex
		err := d.Walk(ctx, o, func(e Entry) error {
			mu.Lock()
			got[e.ID] = true
			mu.Unlock()
			return nil
		})
		return got, st, err
	}
	prefix := ids[7][:5]
	var withPrefix []string
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			withPrefix = append(withPrefix, id)
		}
	}
	for _, tc := range []struct {
		name string
		o    WalkOptions
		want func(id string) bool
	}{
		{"all", WalkOptions{}, func(string) bool { return true }},
		{"all sorted", WalkOptions{Sorted: true}, func(string) bool { return true }},
		{"one worker", WalkOptions{Workers: 1}, func(string) bool { return true }},
		{"older than 30d", WalkOptions{OlderThan: 30 * 24 * time.Hour, Now: now}, func(id string) bool { return old[id] }},
		{"newer than 30d", WalkOptions{NewerThan: 30 * 24 * time.Hour, Now: now}, func(id string) bool { return !old[id] }},
		{"prefix odd", WalkOptions{IDPrefix: prefix}, func(id string) bool { return strings.HasPrefix(id, prefix) }},
		{"prefix whole id", WalkOptions{IDPrefix: ids[3]}, func(id string) bool { return id == ids[3] }},
		{"prefix none", WalkOptions{IDPrefix: "zz"}, func(string) bool { return false }},
		{"prefix + age sorted", WalkOptions{IDPrefix: ids[9][:1], OlderThan: time.Hour, Sorted: true}, func(id string) bool { return old[id] && id[0] == ids[9][0] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st, err := collect(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, id := range ids {
				if tc.want(id) {
					n++
					if !got[id] {
						t.Errorf("missing %s", id)
					}
				}
			}
			if len(got) != n || st.Matched != int64(n) {
				t.Errorf("got %d (stats %+v), want %d", len(got), st, n)
			}
			if tc.o.IDPrefix == "" && st.Skipped != 6 {
				t.Errorf("skipped %d, want 6 (%+v)", st.Skipped, st)
			}
		})
	}
	_ = withPrefix
	t.Run("sorted order", func(t *testing.T) {
		var got []string
		d.Walk(ctx, WalkOptions{Sorted: true}, func(e Entry) error { got = append(got, e.ID); return nil })
		if !sort.StringsAreSorted(got) || len(got) != len(ids) {
			t.Errorf("not sorted or incomplete: %d", len(got))
		}
	})
	t.Run("limit", func(t *testing.T) {
		for _, sorted := range []bool{false, true} {
			got, st, err := collect(WalkOptions{Limit: 17, Sorted: sorted})
			if err != nil || len(got) != 17 || st.Matched != 17 {
				t.Errorf("sorted=%v: %d entries, %v", sorted, len(got), err)
			}
		}
	})
	t.Run("fn error stops", func(t *testing.T) {
		boom := errors.New("boom")
		for _, sorted := range []bool{false, true} {
			n := 0
			err := d.Walk(ctx, WalkOptions{Sorted: sorted}, func(Entry) error {
				n++
				if n == 5 {
					return boom
				}
				return nil
			})
			if err != boom || n != 5 {
				t.Errorf("sorted=%v: %v after %d", sorted, err, n)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		n := 0
		err := d.Walk(cctx, WalkOptions{}, func(Entry) error {
			n++
			if n == 3 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("walk after cancel: %v (%d entries)", err, n)
		}
	})
	t.Run("root is a symbolic link", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(root, link); err != nil {
			t.Skip(err)
		}
		dl, err := NewDirectory(link)
		if err != nil {
			t.Fatal(err)
		}
		for _, sorted := range []bool{false, true} {
			n := 0
			if err := dl.Walk(ctx, WalkOptions{Sorted: sorted}, func(Entry) error { n++; return nil }); err != nil || n != len(ids) {
				t.Errorf("sorted=%v: %d of %d, %v", sorted, n, len(ids), err)
			}
		}
	})
	t.Run("missing root", func(t *testing.T) {
		d2, _ := NewDirectory(filepath.Join(t.TempDir(), "r"))
		os.Remove(d2.Root())
		if err := d2.Walk(ctx, WalkOptions{}, func(Entry) error { return nil }); err == nil {
			t.Error("walk of a missing root succeeded")
		}
	})
}

func TestInvalidateMany(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	ids, old := genTree(t, root, 500)
	d, _ := NewDirectory(root)
	var victims []string
	for _, id := range ids {
		if old[id] {
			victims = append(victims, id)
		}
	}
	victims = append(victims, "notthere0011")
	n, err := d.InvalidateMany(ctx, victims)
	if err != nil || n.Removed != len(victims)-1 || n.Missing != 1 {
		t.Fatalf("InvalidateMany = %d, %v; want %d", n, err, len(victims)-1)
	}
	files, dirs := treeFiles(t, root)
	if len(files) != len(ids)-len(old) {
		t.Errorf("%d files left, want %d", len(files), len(ids)-len(old))
	}
	// every directory left holds something: no empty directory survives the purge
	for _, dd := range dirs {
		if dd == "" {
			continue
		}
		ents, _ := os.ReadDir(filepath.Join(root, dd))
		if len(ents) == 0 {
			t.Errorf("empty directory left: %s", dd)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.InvalidateMany(cctx, ids); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled purge: %v", err)
	}
}
