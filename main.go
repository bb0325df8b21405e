// Command sessionctl inspects, verifies, rotates and purges the session tokens of Ktor services.
package main

import (
	"os"

	"github.com/sessionctl/sessionctl/commands"
)

func main() {
	os.Exit(commands.Run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
