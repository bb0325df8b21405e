//go:build linux

package storage

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
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

// lister reads one directory at a time with getdents64 and stats its files
// with fstatat relative to the open directory: no path is resolved twice and
// no Go runtime poller is involved. Directories are opened relative to their
// parent (openChild) or below the walk's root (open), never through a link.
type lister struct {
	buf  []byte
	ents []rawEnt
	fd   int
	root int
}

// isLink: the error of opening through a symbolic link.
func isLink(err error) bool { return err == unix.ELOOP || errors.Is(err, ErrSymlink) }

// htreeEOF64 is ext4's end-of-directory position for 64-bit hash cookies.
const htreeEOF64 = 1<<63 - 1

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW

// noatimeDenied is set once an open with O_NOATIME was refused. A walk only
// reads, and O_NOATIME keeps it from writing: under relatime, reading a
// directory or file whose atime is not newer than its mtime (every one written
// since it was last read) or is a day old updates the atime, one metadata write
// per directory. The first walk of a freshly written 200,000-session tree spent
// 630 s on those (2.8 million directories) against 12 s for the next one. Only
// the owner, or a process with CAP_FOWNER (root), may ask for it: on EPERM the
// walk goes on without it.
var noatimeDenied atomic.Bool

// openat opens name relative to dirfd (unix.AT_FDCWD: a path), with
// O_NOATIME while the kernel allows it.
func openat(dirfd int, name string, flags int) (int, error) {
	for {
		var fd int
		var err error
		if noatimeDenied.Load() {
			fd, err = unix.Openat(dirfd, name, flags, 0)
		} else if fd, err = unix.Openat(dirfd, name, flags|unix.O_NOATIME, 0); err == unix.EPERM {
			noatimeDenied.Store(true)
			continue
		}
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

func newLister(r walkRoot) *lister { return &lister{buf: make([]byte, 32<<10), fd: -1, root: r.fd} }

// openChild opens a subdirectory of the open directory relative to it,
// without resolving the whole path again; -1 if that fails.
func (l *lister) openChild(name string) int {
	fd, err := openat(l.fd, name, dirFlags)
	if err != nil {
		return -1
	}
	return fd
}

func (l *lister) adopt(fd int) { l.fd = fd }

func closeFD(fd int) { unix.Close(fd) }

// open opens the directory rel below the walk's root ("" = the root), with
// O_NOATIME while the kernel allows it; ELOOP at a symbolic link on the way.
func (l *lister) open(rel string) error {
	for {
		flags := dirFlags
		if !noatimeDenied.Load() {
			flags |= unix.O_NOATIME
		}
		fd, err := openBeneath(l.root, rel, flags)
		if err == unix.EPERM && flags&unix.O_NOATIME != 0 {
			noatimeDenied.Store(true)
			continue
		}
		if err != nil {
			return err
		}
		l.fd = fd
		return nil
	}
}

// modTime is the open directory's modification time.
func (l *lister) modTime() (time.Time, error) {
	var st unix.Stat_t
	if err := unix.Fstat(l.fd, &st); err != nil {
		return time.Time{}, err
	}
	return mtimeOf(&st), nil
}

// prune removes the empty directory rel and its parents left empty.
func (l *lister) prune(rel string) int { return pruneAt(l.root, rel) }

func (l *lister) close() {
	if l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
	}
}

// read lists the open directory into l.ents, without "." and "..".
func (l *lister) read() error {
	l.ents = l.ents[:0]
	for {
		n, err := unix.Getdents(l.fd, l.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		b := l.buf[:n]
		var lastOff uint64
		for len(b) >= 19 {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				break
			}
			lastOff = binary.NativeEndian.Uint64(b[8:16])
			typ := b[18]
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			b = b[reclen:]
			if len(name) == 0 || (name[0] == '.' && (len(name) == 1 || (len(name) == 2 && name[1] == '.'))) {
				continue
			}
			k := kindOther
			switch typ {
			case unix.DT_DIR:
				k = kindDir
			case unix.DT_REG:
				k = kindReg
			case unix.DT_UNKNOWN:
				k = kindUnknown
			}
			l.ents = append(l.ents, rawEnt{name: string(name), kind: k})
		}
		// A short reply is not the end: ext4 returns short replies before
		// the end of a directory now and then (walks lost sessions when one
		// was taken for the end), so a reply of 0 ends the listing — or the
		// kernel saying so: the d_off of a reply's last entry is the position
		// after it, and ext4's hashed directories (every directory on a file
		// system with dir_index, the default) put it at EXT4_HTREE_EOF_64BIT
		// (2^63-1) once the directory is read to its end. That saves one
		// getdents per directory, a quarter of a walk's system calls.
		if lastOff == htreeEOF64 {
			return nil
		}
	}
}

func (l *lister) fstatat(name string, st *unix.Stat_t) error {
	for {
		err := unix.Fstatat(l.fd, name, st, unix.AT_SYMLINK_NOFOLLOW)
		if err != unix.EINTR {
			return err
		}
	}
}

func kindOf(st *unix.Stat_t) uint8 {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return kindDir
	case unix.S_IFREG:
		return kindReg
	}
	return kindOther
}

// kind is the type of name in the open directory, a link not followed.
func (l *lister) kind(name string) (uint8, error) {
	var st unix.Stat_t
	if err := l.fstatat(name, &st); err != nil {
		return 0, err
	}
	return kindOf(&st), nil
}

// stat gives the size, modification time and Version of name, a link not followed.
func (l *lister) stat(name string) (Entry, uint8, error) {
	var st unix.Stat_t
	if err := l.fstatat(name, &st); err != nil {
		return Entry{}, 0, err
	}
	return Entry{Size: st.Size, Modified: mtimeOf(&st), Version: versionOf(&st)}, kindOf(&st), nil
}

// readFile reads name: opened without following a link and without blocking (a
// FIFO swapped in), fstat-ed, read only if it is a regular file, up to
// MaxSessionSize.
func (l *lister) readFile(name string) (Entry, uint8, error) {
	fd, err := openat(l.fd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK)
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
