//go:build !unix

package storage

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// walkRoot is the root a walk opened once (os.Root: every path stays inside it).
type walkRoot struct{ r *os.Root }

func (d *Directory) openWalkRoot() (walkRoot, error) {
	r, err := d.openRoot()
	return walkRoot{r}, err
}

func (r walkRoot) close() { r.r.Close() }

// lister is the reader of systems without openat: os.Root, File.ReadDir, Lstat.
type lister struct {
	root *os.Root
	rel  string
	f    *os.File
	ents []rawEnt
}

func isLink(err error) bool { return errors.Is(err, ErrSymlink) }

func newLister(r walkRoot) *lister { return &lister{root: r.r} }

func (l *lister) openChild(string) int { return -1 }
func (l *lister) adopt(int)            {}
func closeFD(int)                      {}

func (l *lister) open(rel string) error {
	name := rel
	if name == "" {
		name = "."
	} else if fi, err := l.root.Lstat(rel); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return ErrSymlink
	}
	f, err := l.root.Open(name)
	if err != nil {
		return err
	}
	l.f, l.rel = f, rel
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

func (l *lister) modTime() (time.Time, error) {
	fi, err := l.f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

func (l *lister) prune(rel string) int { return pruneRoot(l.root, rel) }

func infoKind(fi fs.FileInfo) uint8 {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return kindOther
	case fi.IsDir():
		return kindDir
	case fi.Mode().IsRegular():
		return kindReg
	}
	return kindOther
}

func (l *lister) kind(name string) (uint8, error) {
	fi, err := l.root.Lstat(childRel(l.rel, name))
	if err != nil {
		return 0, err
	}
	return infoKind(fi), nil
}

func (l *lister) stat(name string) (Entry, uint8, error) {
	fi, err := l.root.Lstat(childRel(l.rel, name))
	if err != nil {
		return Entry{}, 0, err
	}
	return Entry{Size: fi.Size(), Modified: fi.ModTime(), Version: infoVersion(fi)}, infoKind(fi), nil
}

func (l *lister) readFile(name string) (Entry, uint8, error) {
	e, k, err := l.stat(name)
	if err != nil || k != kindReg {
		return e, k, err
	}
	if e.Size > MaxSessionSize {
		return Entry{}, 0, ErrTooLarge
	}
	f, err := l.root.Open(childRel(l.rel, name))
	if err != nil {
		return Entry{}, 0, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSessionSize+1))
	if err != nil {
		return Entry{}, 0, err
	}
	if len(b) > MaxSessionSize {
		return Entry{}, 0, ErrTooLarge
	}
	e.Value, e.Size = string(b), int64(len(b))
	return e, kindReg, nil
}
