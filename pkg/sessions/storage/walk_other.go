//go:build !linux

package storage

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lister is the portable directory reader: os.File.ReadDir and Lstat.
type lister struct {
	path string
	f    *os.File
	ents []rawEnt
}

func newLister() *lister { return &lister{} }

func (l *lister) openChild(string) int { return -1 }
func (l *lister) adopt(int)            {}
func closeFD(int)                      {}

func (l *lister) open(path string, _ bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	l.f, l.path = f, path
	return nil
}

func (l *lister) close() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

func (l *lister) read() error {
	l.ents = l.ents[:0]
	des, err := l.f.ReadDir(-1)
	for _, de := range des {
		k := kindOther
		switch t := de.Type(); {
		case t.IsDir():
			k = kindDir
		case t.IsRegular():
			k = kindReg
		}
		l.ents = append(l.ents, rawEnt{name: de.Name(), kind: k})
	}
	return err
}

func (l *lister) stat(name string) (int64, time.Time, uint8, error) {
	fi, err := os.Lstat(filepath.Join(l.path, name))
	if err != nil {
		return 0, time.Time{}, 0, err
	}
	k := kindOther
	switch {
	case fi.Mode().IsDir():
		k = kindDir
	case fi.Mode().IsRegular():
		k = kindReg
	case fi.Mode()&fs.ModeSymlink != 0:
		k = kindOther
	}
	return fi.Size(), fi.ModTime(), k, nil
}

func (l *lister) readFile(name string, _ int64) (string, error) {
	b, err := os.ReadFile(filepath.Join(l.path, name))
	return string(b), err
}
