//go:build !unix

package keyring

import (
	"errors"
	"io/fs"
	"os"
)

func mkfifo(string) error { return errors.New("no FIFOs") }

func openNonBlocking(name string) (fs.File, error) { return os.Open(name) }
