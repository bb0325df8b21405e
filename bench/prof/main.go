// Command prof is sessionctl with a CPU profile: it runs the same commands.RunWith as the real
// binary and writes the profile of the whole run to $SESSIONCTL_CPUPROFILE (default cpu.prof).
// Used to find where the time goes when bench/ reports a missed target:
//
//	go build -o /tmp/prof ./bench/prof && /tmp/prof rotate --keys K --provider P --bare - < in > out
//	go tool pprof -top /tmp/prof cpu.prof
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/sessionctl/sessionctl/commands"
)

func main() {
	path := os.Getenv("SESSIONCTL_CPUPROFILE")
	if path == "" {
		path = "cpu.prof"
	}
	f, err := os.Create(path)
	if err != nil {
		os.Stderr.WriteString("prof: " + err.Error() + "\n")
		os.Exit(3)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		os.Stderr.WriteString("prof: " + err.Error() + "\n")
		os.Exit(3)
	}
	code := commands.RunWith(commands.Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExampleKeyring: exampleKeyring()})
	pprof.StopCPUProfile()
	f.Close()
	os.Exit(code)
}

// exampleKeyring is the repository's keys.example.toml, for --example: go:embed cannot reach a
// parent directory, and prof is only ever built from a checkout, so it reads the file beside the
// source it was built from. Nil when that checkout is gone (--example then says so).
func exampleKeyring() []byte {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(src), "..", "..", "keys.example.toml"))
	if err != nil {
		return nil
	}
	return b
}
