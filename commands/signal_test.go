//go:build unix

package commands

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startBin starts the sessionctl binary; stdin may be nil.
func startBin(t *testing.T, stdin io.Reader, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := cliCommand(t, context.Background(), args...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errb
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPurgeSignals: SIGINT or SIGTERM in the middle of a purge stops it between two sessions;
// it prints how many it removed, exactly (the files counted before and after), says
// "interrupted", and exits 130 or 143.
func TestPurgeSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds trees of 1,000 sessions")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			root := t.TempDir()
			rnd := rand.New(rand.NewPCG(uint64(sig), 1))
			const n = 1000
			for range n {
				writeSessionFile(t, root, fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64()), "userId=%23su-1", attackOld)
			}
			cmd, out, errb := startBin(t, nil, "storage", "purge", "--store", "dir:"+root, "--older-than", "30d", "--yes", "--json")
			waitFor(t, "the first removals", func() bool { return n-countFiles(t, root) >= 50 })
			cmd.Process.Signal(sig)
			cmd.Wait()
			actual := n - countFiles(t, root)
			var res purgeResult // the summary: the last line (before it, one object per session removed)
			if err := json.Unmarshal([]byte(lastLine(out.String())), &res); err != nil {
				t.Fatalf("summary %q: %v", out, err)
			}
			t.Logf("exit %d, %s; %d removed", cmd.ProcessState.ExitCode(), strings.TrimSpace(errb.String()), actual)
			if want := 128 + int(sig); cmd.ProcessState.ExitCode() != want {
				t.Errorf("exit %d, want %d", cmd.ProcessState.ExitCode(), want)
			}
			if !res.Interrupted || res.Removed != actual || actual == n {
				t.Errorf("summary %+v: want interrupted, removed = %d (and not all %d)", res, actual, n)
			}
			want := fmt.Sprintf("interrupted by %s: removed %d of %d matched", map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[sig], actual, res.Matched)
			if !strings.Contains(errb.String(), want) {
				t.Errorf("stderr %q, want %q", errb, want)
			}
		})
	}
}

// TestInvalidateSignal: invalidate reading ids from a pipe that stays open is stopped by SIGTERM
// while it waits for more: it says how many it invalidated (exactly) and exits 143.
func TestInvalidateSignal(t *testing.T) {
	root := t.TempDir()
	var ids []string
	for i := range 300 {
		id := fmt.Sprintf("%032x", i)
		writeSessionFile(t, root, id, "userId=%23su-1", time.Time{})
		ids = append(ids, id)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	cmd, out, errb := startBin(t, pr, "storage", "invalidate", "--store", "dir:"+root, "--json", "-")
	pr.Close()
	io.WriteString(pw, strings.Join(ids[:200], "\n")+"\n")
	waitFor(t, "200 sessions invalidated", func() bool { return countFiles(t, root) == 100 })
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	var res invalidateResult
	json.Unmarshal(out.Bytes(), &res)
	if cmd.ProcessState.ExitCode() != 143 || !res.Interrupted || res.Invalidated != 200 {
		t.Errorf("exit %d, %+v (stdout %q, stderr %q); want 143, interrupted, 200 invalidated", cmd.ProcessState.ExitCode(), res, out, errb)
	}
	if !strings.Contains(errb.String(), "interrupted by SIGTERM: invalidated 200 session(s)") {
		t.Errorf("stderr %q", errb)
	}
}

// macTokens writes n Ktor MAC tokens (HmacSHA256 under key) to w until it fails.
func macTokens(w io.Writer, key []byte, n int) error {
	var b []byte
	for i := 0; n < 0 || i < n; i++ {
		v := fmt.Sprintf("userId=%%23su-%d&n=%%23i%d", i, i)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(v))
		b = append(append(append(b, v...), '/'), hex.EncodeToString(m.Sum(nil))...)
		b = append(b, '\n')
		if len(b) > 64<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

const rotateKeys = `[keys.new]
hex = "a102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
[keys.old]
hex = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
[providers.S]
ktor = "2"
serializer = "ktor-text"
[[providers.S.transform]]
type = "mac"
keys = ["new", "old"]
`

// TestRotateOutputSignal: rotate -o stopped by SIGTERM removes its temporary file, writes no
// output file, says so and exits 143; with an input that has stalled (a pipe open and silent), it
// removes the temporary file and ends by the signal.
func TestRotateOutputSignal(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.toml")
	os.WriteFile(keys, []byte(rotateKeys), 0o600)
	oldKey, _ := hex.DecodeString("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")
	temps := func() []string { m, _ := filepath.Glob(filepath.Join(dir, ".out.txt.tmp-*")); return m }
	for _, stalled := range []bool{false, true} {
		t.Run(fmt.Sprintf("stalled=%v", stalled), func(t *testing.T) {
			out := filepath.Join(dir, "out.txt")
			pr, pw, _ := os.Pipe()
			cmd, _, errb := startBin(t, pr, "rotate", "--keys", keys, "--provider", "S", "--bare", "--encoding", "raw", "-o", out, "-")
			pr.Close()
			fed := make(chan error, 1)
			go func() {
				n := -1 // an endless input
				if stalled {
					n = 20000
				}
				fed <- macTokens(pw, oldKey, n)
			}()
			if stalled {
				<-fed
			}
			waitFor(t, "the temporary file", func() bool { return len(temps()) == 1 })
			time.Sleep(300 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGTERM)
			err := cmd.Wait()
			pw.Close()
			var ee *exec.ExitError
			errors.As(err, &ee)
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			t.Logf("exit %d (signaled %v), stderr %q", cmd.ProcessState.ExitCode(), ws.Signaled(), lastLine(errb.String()))
			if left := temps(); len(left) > 0 {
				t.Errorf("temporary file left: %v", left)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written", out)
			}
			switch {
			case stalled && !(ws.Signaled() && ws.Signal() == syscall.SIGTERM) && cmd.ProcessState.ExitCode() != 143:
				t.Errorf("stalled input: want the process ended by SIGTERM or exit 143")
			case !stalled && (cmd.ProcessState.ExitCode() != 143 || !strings.Contains(errb.String(), "interrupted by SIGTERM: "+out+" not written")):
				t.Errorf("want exit 143 and the summary")
			}
		})
	}
}

// TestPurgeProgressLine: on a terminal (a pty from script(1)), purge's progress line says how
// many sessions it has removed of those it matched, never more than it removes in the end.
func TestPurgeProgressLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tree of 1,500 sessions")
	}
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed")
	}
	root := t.TempDir()
	rnd := rand.New(rand.NewPCG(9, 1))
	for range 1500 {
		writeSessionFile(t, root, fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64()), "userId=%23su-1", attackOld)
	}
	bin, _ := exec.LookPath("sessionctl")
	cmd := cliCommand(t, context.Background())
	cmd.Path = scriptBin
	cmd.Args = []string{"script", "-qec", bin + " storage purge --store dir:" + root + " --older-than 30d --yes --json", "/dev/null"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	var res purgeResult
	if m := regexp.MustCompile(`\{"store"[^\n]*\}`).Find(out); m != nil {
		json.Unmarshal(m, &res)
	}
	lines := regexp.MustCompile(`sessionctl: removed ([0-9]+) of ([0-9]+) matched`).FindAllSubmatch(out, -1)
	if len(lines) == 0 || res.Removed != 1500 {
		t.Fatalf("no progress line, or not all removed (%+v): %q", res, out)
	}
	last := 0
	for _, l := range lines {
		n, m := atoi(l[1]), atoi(l[2])
		if n > m || n < last || n > res.Removed {
			t.Errorf("progress %q after %d, final removed %d", l[0], last, res.Removed)
		}
		last = n
	}
	t.Logf("%d progress lines, the last %q", len(lines), lines[len(lines)-1][0])
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}
