//go:build unix

package commands

// Attacks on the storage commands, run against the real binary (the test binary as "sessionctl",
// see TestMain) with real files, concurrent goroutines and a real redis-server. Each test logs its
// figure on a line starting with "ATTACK" (go test -v -run Attack ./commands | grep ATTACK): the
// figures of issue 13 before and after the fix.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// runBin runs the sessionctl binary with args (stdin may be nil) and returns its exit status and output.
func runBin(t testing.TB, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := cliCommand(t, context.Background(), args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func cliCommand(t testing.TB, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("sessionctl")
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("..")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "SESSIONCTL_REPO="+repo, "NO_COLOR=1")
	return cmd
}

// ktorPath is Ktor's path of a session id made of ASCII characters.
func ktorPath(root, id string) string {
	var parts []string
	for len(id) > 2 {
		parts = append(parts, id[:2])
		id = id[2:]
	}
	return filepath.Join(append(append([]string{root}, parts...), id+".dat")...)
}

func writeSessionFile(t testing.TB, root, id, value string, mod time.Time) string {
	t.Helper()
	p := ktorPath(root, id)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mod.IsZero() {
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// countFiles counts the regular files under dir.
func countFiles(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

var attackOld = time.Now().Add(-40 * 24 * time.Hour)

// TestAttackSymlinkBelowRoot: a directory symbolic link planted inside the root (root/ab ->
// ../outside) must not let show read, invalidate delete, or the empty-directory prune remove
// anything outside the root.
func TestAttackSymlinkBelowRoot(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	writeSessionFile(t, root, "0123", "userId=%23su-1", time.Time{})
	os.MkdirAll(filepath.Join(outside, "su"), 0o755)
	os.WriteFile(filepath.Join(outside, "cd.dat"), []byte("SECRET OUTSIDE"), 0o644)
	if err := os.Symlink("../outside", filepath.Join(root, "ab")); err != nil {
		t.Fatal(err)
	}
	// a link whose target holds an empty directory: a prune through it would remove outside/su
	if err := os.Symlink("../outside", filepath.Join(root, "ef")); err != nil {
		t.Fatal(err)
	}
	read, removed := 0, 0
	_, out, _ := runBin(t, nil, "storage", "show", "--store", "dir:"+root, "abcd")
	if strings.Contains(out, "SECRET OUTSIDE") {
		read++
	}
	runBin(t, nil, "storage", "invalidate", "--store", "dir:"+root, "abcd")
	if _, err := os.Stat(filepath.Join(outside, "cd.dat")); err != nil {
		removed++
	}
	runBin(t, nil, "storage", "invalidate", "--store", "dir:"+root, "efsuxy")
	if _, err := os.Stat(filepath.Join(outside, "su")); err != nil {
		removed++
	}
	code, _, _ := runBin(t, nil, "storage", "purge", "--store", "dir:"+root, "--id-prefix", "ab", "--yes")
	t.Logf("ATTACK symlink below root: outside files read by show %d, outside files/dirs removed by invalidate %d (purge exit %d)", read, removed, code)
	if read+removed > 0 {
		t.Errorf("show read %d outside file(s), invalidate removed %d outside file(s)/dir(s)", read, removed)
	}
	if _, err := os.Lstat(filepath.Join(root, "ab")); err != nil {
		t.Errorf("the planted link was removed: %v", err)
	}
}

// TestAttackPurgeSymlinkRace: while purge --older-than 30d --yes runs, an attacker keeps swapping
// the tree's top-level directories for symbolic links to a copy of the tree outside the root.
// Nothing outside the root may be removed, and nothing outside may be counted as a session.
func TestAttackPurgeSymlinkRace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds trees of 600 sessions")
	}
	const trials, n = 2, 600
	totalRemoved, totalRuns := 0, 0
	for trial := range trials {
		base := t.TempDir()
		root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
		rnd := rand.New(rand.NewPCG(uint64(trial), 13))
		tops := map[string]bool{}
		for range n {
			id := fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64())
			writeSessionFile(t, root, id, "userId=%23su-1", attackOld)
			writeSessionFile(t, outside, id, "OUTSIDE THE ROOT", attackOld)
			tops[id[:2]] = true
		}
		before := countFiles(t, outside)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // the attacker
			defer wg.Done()
			for ctx.Err() == nil {
				for top := range tops {
					dir, hold := filepath.Join(root, top), filepath.Join(root, "."+top)
					if os.Rename(dir, hold) != nil {
						continue
					}
					os.Symlink(filepath.Join(outside, top), dir)
					time.Sleep(200 * time.Microsecond)
					os.Remove(dir)
					os.Rename(hold, dir)
					if ctx.Err() != nil {
						break
					}
				}
			}
		}()
		code, _, errOut := runBin(t, nil, "storage", "purge", "--store", "dir:"+root, "--older-than", "30d", "--yes", "--json")
		cancel()
		wg.Wait()
		removed := before - countFiles(t, outside)
		totalRemoved += removed
		totalRuns++
		t.Logf("trial %d: purge exit %d, %d files outside the root removed %s", trial, code, removed, strings.TrimSpace(lastLine(errOut)))
	}
	t.Logf("ATTACK purge symlink race: %d files outside the root removed in %d trials", totalRemoved, totalRuns)
	if totalRemoved > 0 {
		t.Errorf("%d files outside the root removed", totalRemoved)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// TestAttackNotRegularFiles: a FIFO at a session's path, and a link to /dev/zero, must give a
// clear error, not a hang or a read until the process dies.
func TestAttackNotRegularFiles(t *testing.T) {
	root := t.TempDir()
	p := ktorPath(root, "abcd")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	z := ktorPath(root, "zero")
	os.MkdirAll(filepath.Dir(z), 0o755)
	if err := os.Symlink("/dev/zero", z); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, id := range []string{"abcd", "zero"} {
		for _, args := range [][]string{
			{"storage", "show", "--store", "dir:" + root, id},
			{"storage", "list", "--store", "dir:" + root, "--fields"},
			{"storage", "list", "--store", "dir:" + root, "--match", "userId=u-1"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			// the address space is capped: a read of /dev/zero must not take the machine with it
			sh := cliCommand(t, ctx, args...)
			sh.Args = append([]string{"bash", "-c", `ulimit -v 4000000; exec "$0" "$@"`, sh.Path}, args...)
			sh.Path, _ = exec.LookPath("bash")
			var errb bytes.Buffer
			sh.Stderr = &errb
			start := time.Now()
			err := sh.Run()
			timedOut := ctx.Err() != nil
			cancel()
			took := time.Since(start)
			switch {
			case timedOut:
				bad++
				t.Logf("%s %v: hung (killed after %v)", id, args[:2], took.Round(time.Millisecond))
			case strings.Contains(errb.String(), "out of memory") || strings.Contains(errb.String(), "fatal error"):
				bad++
				t.Logf("%s %v: died: %s", id, args[:2], lastLine(errb.String()))
			case args[1] == "show" && (err == nil || !regexp.MustCompile(`(ab/cd|ze/ro)\.dat.*(not a regular file|a FIFO|symbolic link)`).MatchString(errb.String())):
				bad++
				t.Logf("%s show: %v, stderr %q (want an error naming the file)", id, err, lastLine(errb.String()))
			}
		}
	}
	t.Logf("ATTACK FIFO and /dev/zero: %d of 6 commands hung, died or gave no clear error", bad)
	if bad > 0 {
		t.Errorf("%d commands hung, died or gave no clear error", bad)
	}
}

// TestAttackPurgeRewritten: a live server rewrites old sessions while purge --older-than 30d
// --yes runs, with both kinds of writer: Ktor's File.writeText (open with O_TRUNC, write in
// place) and ours (a temporary file renamed into place). Every session written during the purge
// must be there afterwards with its last content.
func TestAttackPurgeRewritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tree of 1,500 sessions")
	}
	const n, rewritten = 1500, 600
	root := t.TempDir()
	rnd := rand.New(rand.NewPCG(3, 13))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64())
		writeSessionFile(t, root, ids[i], "userId=%23su-old", attackOld)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := cliCommand(t, ctx, "storage", "purge", "--store", "dir:"+root, "--older-than", "30d", "--yes", "--json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		last      sync.Map // id -> the last content written
		failed    atomic.Int64
		wg        sync.WaitGroup
		purgeDone = make(chan struct{})
	)
	const writers = 8
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < rewritten; i += writers {
				id := ids[i]
				v := fmt.Sprintf("userId=%%23su-new-%d", i)
				p := ktorPath(root, id)
				var err error
				if w%2 == 0 { // Ktor: mkdirs, then File.writeText
					if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
						err = os.WriteFile(p, []byte(v), 0o644)
					}
				} else { // ours: temp file + rename
					err = writeRename(p, v)
				}
				if err != nil {
					failed.Add(1)
					continue
				}
				last.Store(id, v)
				select {
				case <-purgeDone:
				default:
					time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
				}
			}
		}()
	}
	err := cmd.Wait()
	close(purgeDone)
	wg.Wait()
	lost, kept := 0, 0
	last.Range(func(k, v any) bool {
		b, err := os.ReadFile(ktorPath(root, k.(string)))
		if err != nil || string(b) != v.(string) {
			lost++
		} else {
			kept++
		}
		return true
	})
	summary := lastLine(out.String())
	t.Logf("purge: %v; %s", err, summary)
	// --json prints one object per session removed: exactly those the store confirmed
	printed := strings.Count(out.String(), `{"id":`)
	if want := regexp.MustCompile(`"removed":([0-9]+)`).FindStringSubmatch(summary); want == nil || fmt.Sprint(printed) != want[1] {
		t.Errorf("%d sessions printed as removed, summary %s", printed, summary)
	}
	t.Logf("ATTACK purge with live writers: %d of %d rewritten sessions lost (%d writes failed)", lost, lost+kept, failed.Load())
	if lost > 0 {
		t.Errorf("%d rewritten sessions lost", lost)
	}
}

// writeRename writes v to p as our Directory.Write does: a temporary file in the same directory,
// renamed into place; the directory is created first, and again if a purge pruned it meanwhile.
func writeRename(p, v string) error {
	for attempt := 0; ; attempt++ {
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil {
			tmp := fmt.Sprintf("%s.%x.tmp", p, rand.Uint64())
			if err = os.WriteFile(tmp, []byte(v), 0o644); err == nil {
				if err = os.Rename(tmp, p); err != nil {
					os.Remove(tmp)
				}
			}
		}
		if err != nil && errors.Is(err, fs.ErrNotExist) && attempt < 32 {
			continue
		}
		return err
	}
}

// emptyDirs lists the empty directories under root (root itself excluded).
func emptyDirs(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != root {
			if ents, _ := os.ReadDir(p); len(ents) == 0 {
				out = append(out, p)
			}
		}
		return nil
	})
	return out
}

// TestAttackKilledPurgeEmptyDirs: a purge killed with SIGKILL between removing a session and
// removing its emptied directories leaves empty directories; stats must count them and a later
// purge must remove them.
func TestAttackKilledPurgeEmptyDirs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tree of 2,000 sessions")
	}
	root := t.TempDir()
	rnd := rand.New(rand.NewPCG(5, 13))
	var paths []string
	for range 2000 {
		paths = append(paths, writeSessionFile(t, root, fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64()), "userId=%23su-1", attackOld))
	}
	var left []string
	for trial := 0; trial < 3 && len(left) == 0; trial++ {
		cmd := cliCommand(t, context.Background(), "storage", "purge", "--store", "dir:"+root, "--older-than", "30d", "--yes")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// once the removals have begun (a session of a sample is gone), a moment later, a
		// different one each time
		sample := paths[trial*200 : trial*200+200]
		started := func() bool {
			for _, p := range sample {
				if _, err := os.Lstat(p); err != nil {
					return true
				}
			}
			return false
		}
		for deadline := time.Now().Add(20 * time.Second); !started() && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		}
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		left = emptyDirs(t, root)
	}
	fromKills := len(left)
	// a kill lands between a removal and its prune now and then (the removals wait on the disk);
	// what it leaves is made sure of: sessions removed and their directories left, as a kill there
	// leaves them
	for _, p := range paths[1900:1905] {
		os.Remove(p)
	}
	left = emptyDirs(t, root)
	// an hour later: the next purge
	hourAgo := time.Now().Add(-time.Hour)
	for _, d := range left {
		os.Chtimes(d, hourAgo, hourAgo)
	}
	_, stats, _ := runBin(t, nil, "storage", "stats", "--store", "dir:"+root, "--json")
	reported := regexp.MustCompile(`"empty_dirs":([0-9]+)`).FindStringSubmatch(stats)
	runBin(t, nil, "storage", "purge", "--store", "dir:"+root, "--older-than", "30d", "--yes")
	after := emptyDirs(t, root)
	t.Logf("ATTACK killed purge: %d empty directories left (%d by kills), stats reported %v, %d left after the next purge", len(left), fromKills, reported, len(after))
	if reported == nil || reported[1] != fmt.Sprint(len(left)) || len(after) > 0 {
		t.Errorf("%d empty directories: stats reported %v, the next purge left %d", len(left), reported, len(after))
	}
}
