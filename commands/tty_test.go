package commands

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// oscBackgroundQuery is what termenv writes to ask a terminal for its background colour; a
// terminal that never answers makes it wait 5 s.
const oscBackgroundQuery = "\x1b]11;?"

// runOnPty runs the real binary (this test binary under the name sessionctl) with stdout and
// stderr on a pseudo-terminal, stdin on the terminal too or on /dev/null, and returns what the
// terminal received. With answer, a background query gets a reply (a dark background); else the
// terminal never answers, as a multiplexer or serial console may not.
func runOnPty(t *testing.T, stdinTTY, answer bool, env []string, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sessionctl")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	repo, _ := filepath.Abs("..")
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"SESSIONCTL_REPO=" + repo, "TERM=xterm-256color", "PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	cmd.Stdout, cmd.Stderr = tty, tty
	cmd.Stdin = tty
	ctty := 0
	if !stdinTTY {
		null, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer null.Close()
		cmd.Stdin, ctty = null, 1
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var mu sync.Mutex
	var got bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := master.Read(buf)
			mu.Lock()
			got.Write(buf[:n])
			ask := answer && !answered && strings.Contains(got.String(), oscBackgroundQuery)
			mu.Unlock()
			if ask {
				answered = true
				master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x07\x1b[1;1R"))
			}
			if err != nil {
				return
			}
		}
	}()
	werr := cmd.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) {
		t.Fatalf("%v: %v\n%q", args, werr, got.String())
	}
	mu.Lock()
	defer mu.Unlock()
	return got.String()
}

// TestNoTerminalQueryWithoutColour: with colour off (NO_COLOR, CLICOLOR=0, --color never) or
// stdin not a terminal, no command asks the terminal anything, so a terminal that never answers
// costs nothing (it stalled every command 5 s). The control case shows the query is seen when
// colour is on and both ends are terminals.
func TestNoTerminalQueryWithoutColour(t *testing.T) {
	cases := []struct {
		name     string
		stdinTTY bool
		env      []string
		args     []string
		query    bool
	}{
		{"NO_COLOR", true, []string{"NO_COLOR=1"}, []string{"inspect", "--example"}, false},
		{"CLICOLOR=0", true, []string{"CLICOLOR=0"}, []string{"keys", "check", "--example"}, false},
		{"--color never", true, nil, []string{"inspect", "--example", "--color", "never"}, false},
		{"stdin not a terminal", false, nil, []string{"inspect", "--example"}, false},
		{"an error, NO_COLOR", true, []string{"NO_COLOR=1"}, []string{"verify", "--example", "--provider", "USER_SESSION", "x"}, false},
		{"colour on a terminal (control)", true, nil, []string{"inspect", "--example"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := runOnPty(t, tc.stdinTTY, tc.query, tc.env, tc.args...)
			if got := strings.Contains(out, oscBackgroundQuery); got != tc.query {
				t.Errorf("background colour query sent: %v, want %v\n%q", got, tc.query, out)
			}
			if len(out) == 0 {
				t.Errorf("no output seen")
			}
		})
	}
}
