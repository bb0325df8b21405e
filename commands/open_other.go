//go:build !unix

package commands

import (
	"io/fs"
	"os"
)

// openKeyFile opens a keys file or a key file for keyring.Options.Open (the keyring asks Stat
// first, so a FIFO is refused before it is opened).
func openKeyFile(name string) (fs.File, error) { return os.Open(name) }
