//go:build unix

package commands

import (
	"io/fs"
	"os"
	"syscall"
)

// openKeyFile opens a keys file or a key file for keyring.Options.Open without waiting for a
// FIFO's writer (O_NONBLOCK; no effect on a regular file): the keyring then refuses what is no
// regular file, instead of the command hanging.
func openKeyFile(name string) (fs.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
