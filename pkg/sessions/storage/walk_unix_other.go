//go:build unix && !linux

package storage

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// walkRoot is the root directory a walk opened once; every directory of the walk
// is opened below it without following links.
type walkRoot struct{ fd int }

func (d *Directory) openWalkRoot() (walkRoot, error) {
	fd, err := d.rootFD()
	return walkRoot{fd}, err
}

func (r walkRoot) close() { unix.Close(r.fd) }

// lister is the portable reader of Unix systems other than Linux: directories
// opened below the root without following links (openBeneath), listed with
// os.File.ReadDir, files stat-ed and read relative to the open directory.
type lister struct {
	root int
	fd   int
	f    *os.File
	ents []rawEnt
}

func isLink(err error) bool { return err == unix.ELOOP || errors.Is(err, ErrSymlink) }

func newLister(r walkRoot) *lister { return &lister{root: r.fd, fd: -1} }

func (l *lister) openChild(string) int { return -1 }
func (l *lister) adopt(int)            {}
func closeFD(int)                      {}

func (l *lister) open(rel string) error {
	fd, err := openBeneath(l.root, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	l.fd, l.f = fd, os.NewFile(uintptr(fd), rel)
	return nil
}

func (l *lister) close() {
	if l.f != nil {
		l.f.Close()
		l.f, l.fd = nil, -1
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
	var st unix.Stat_t
	if err := unix.Fstat(l.fd, &st); err != nil {
		return time.Time{}, err
	}
	return mtimeOf(&st), nil
}

func (l *lister) prune(rel string) int { return pruneAt(l.root, rel) }

func kindOf(st *unix.Stat_t) uint8 {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return kindDir
	case unix.S_IFREG:
		return kindReg
	}
	return kindOther
}

func (l *lister) kind(name string) (uint8, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(l.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	return kindOf(&st), nil
}

func (l *lister) stat(name string) (Entry, uint8, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(l.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return Entry{}, 0, err
	}
	return Entry{Size: st.Size, Modified: mtimeOf(&st), Version: versionOf(&st)}, kindOf(&st), nil
}

func (l *lister) readFile(name string) (Entry, uint8, error) {
	fd, err := sysOpenat(l.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return Entry{}, 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Entry{}, 0, err
	}
	if k := kindOf(&st); k != kindReg {
		return Entry{}, k, nil
	}
	if st.Size > MaxSessionSize {
		return Entry{}, 0, ErrTooLarge
	}
	v, err := readCapped(fd, st.Size)
	if err != nil {
		return Entry{}, 0, err
	}
	return Entry{Size: int64(len(v)), Modified: mtimeOf(&st), Version: versionOf(&st), Value: v}, kindReg, nil
}
