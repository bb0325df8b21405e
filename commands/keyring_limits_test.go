package commands

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A keyring that is /dev/zero, a FIFO or nested TOML, and key files that are, fail at once with
// exit 2 and a message naming the file, under a 2 GB address-space limit and a timeout: before,
// /dev/zero ran out of memory, a FIFO hung, and 40 KB of nested inline tables took the TOML
// decoder minutes and gigabytes. The real binary (built without -race, whose shadow memory no
// address-space limit allows) runs under sh's ulimit -v. The Go runtime alone reserves 600-800 MB
// of address space at start (it fails under 600 MB), so 1 GB left too little room: one run of the
// loaded full suite died of "out of memory" with 3.8 MB of heap in use.
func TestKeyringLimitsUnderMemoryLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ulimit -v and mkfifo as on Linux")
	}
	for _, tool := range []string{"sh", "timeout", "mkfifo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sessionctl")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fifo := filepath.Join(dir, "keys.fifo")
	if out, err := exec.Command("mkfifo", fifo).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v %s", err, out)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	provider := "\n[providers.P]\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\n"
	nested := write("nested.toml", "x = "+strings.Repeat("{b=", 10000)+"1"+strings.Repeat("}", 10000)+"\n")
	dotted := write("dotted.toml", strings.Repeat("a.", 20000)+"b = 1\n")
	zeroKey := write("zero-key.toml", "[keys.k]\nfile = \"/dev/zero\"\n"+provider)
	fifoKey := write("fifo-key.toml", "[keys.k]\nfile = \""+fifo+"\"\n"+provider)
	for _, tc := range []struct {
		name, keys, want string
	}{
		{"keys file /dev/zero", "/dev/zero", "keys file /dev/zero: not a regular file (a character device such as /dev/zero)"},
		{"keys file FIFO", fifo, "keys file " + fifo + ": not a regular file (a FIFO"},
		{"nested inline tables (40 KB)", nested, nested + ": line 1: nested more than 16 levels deep"},
		{"dotted keys (40 KB)", dotted, dotted + ": line 1: nested more than 16 levels deep"},
		{"key file /dev/zero", zeroKey, zeroKey + `: key "k": file /dev/zero: not a regular file`},
		{"key file FIFO", fifoKey, fifoKey + `: key "k": file ` + fifo + ": not a regular file (a FIFO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", `ulimit -v 2000000 && exec timeout 60 "$@"`, "sh",
				bin, "verify", "--keys", tc.keys, "--provider", "P", "a=%23i1/00")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != ExitUsage || !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "fatal error") {
				t.Errorf("exit %v, want %d and %q; stderr:\n%.600s", err, ExitUsage, tc.want, stderr.String())
			}
		})
	}
}
