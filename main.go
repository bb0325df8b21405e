// Command sessionctl inspects, verifies, rotates and purges the session tokens of Ktor services.
package main

import (
	_ "embed"
	"os"

	"github.com/sessionctl/sessionctl/commands"
)

// exampleKeyring is the default keyring of --example.
//
//go:embed keys.example.toml
var exampleKeyring []byte

func main() {
	os.Exit(commands.RunWith(commands.Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExampleKeyring: exampleKeyring}))
}
