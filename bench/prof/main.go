// Command prof is sessionctl with a CPU profile: it runs the same commands.RunWith as the real
// binary and writes the profile of the whole run to $SESSIONCTL_CPUPROFILE (default cpu.prof).
// Used to find where the time goes when bench/ reports a missed target:
//
//	go build -o /tmp/prof ./bench/prof && /tmp/prof rotate --keys K --provider P --bare - < in > out
//	go tool pprof -top /tmp/prof cpu.prof
package main

import (
	"os"
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
	code := commands.RunWith(commands.Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	pprof.StopCPUProfile()
	f.Close()
	os.Exit(code)
}
