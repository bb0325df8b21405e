//go:build unix

package keyring

import (
	"io/fs"
	"os"
	"syscall"
)

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }

// openNonBlocking opens without waiting for a FIFO's writer, as the CLI does.
func openNonBlocking(name string) (fs.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
