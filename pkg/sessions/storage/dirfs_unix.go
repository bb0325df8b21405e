//go:build unix

package storage

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The file-system steps of Directory on Unix. Every path below the root is resolved relative to an
// open directory, one component at a time or with openat2's RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS
// (Linux 5.6+), and never through a symbolic link; files are removed and directories pruned with
// unlinkat on the parent's descriptor. The root itself is opened by the path its links were
// resolved to when the storage was opened, with O_NOFOLLOW: a root replaced by a link since is
// refused.

// sysOpenat is openat without O_NOATIME, retried on EINTR.
func sysOpenat(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_CLOEXEC, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// rootFD opens the root directory.
func (d *Directory) rootFD() (int, error) {
	fd, err := sysOpenat(unix.AT_FDCWD, d.real, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		if err == unix.ELOOP {
			return -1, fmt.Errorf("root %s: %w", d.real, ErrSymlink)
		}
		return -1, &fs.PathError{Op: "open", Path: d.real, Err: err}
	}
	return fd, nil
}

// splitRel cuts a relative path into its directory ("" for the root) and last name.
func splitRel(rel string) (dir, name string) {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i], rel[i+1:]
	}
	return "", rel
}

// openBeneathSlow opens rel below dirfd one component at a time, none of them followed if it is a
// symbolic link (O_NOFOLLOW: ELOOP).
func openBeneathSlow(dirfd int, rel string, flags int) (int, error) {
	fd := dirfd
	for {
		comp, rest, more := strings.Cut(rel, "/")
		f := flags
		if more {
			f = unix.O_RDONLY | unix.O_DIRECTORY
		}
		nfd, err := sysOpenat(fd, comp, f|unix.O_NOFOLLOW, 0)
		if fd != dirfd {
			unix.Close(fd)
		}
		if err != nil {
			return -1, err
		}
		if !more {
			return nfd, nil
		}
		fd, rel = nfd, rest
	}
}

// openBeneath opens rel (a relative path of the layout, "" = dirfd itself) below dirfd without
// following any symbolic link: ELOOP when one is on the way.
func openBeneath(dirfd int, rel string, flags int) (int, error) {
	if rel == "" {
		rel = "."
	}
	if fd, err, ok := openat2Beneath(dirfd, rel, flags); ok {
		return fd, err
	}
	if rel == "." {
		return sysOpenat(dirfd, ".", flags, 0)
	}
	return openBeneathSlow(dirfd, rel, flags)
}

// linkOnPath names the first component of rel below dirfd that is a symbolic link, for messages.
func linkOnPath(dirfd int, rel string) string {
	parts := strings.Split(rel, "/")
	for i := range parts {
		var st unix.Stat_t
		p := strings.Join(parts[:i+1], "/")
		if unix.Fstatat(dirfd, p, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			break
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return p
		}
	}
	return rel
}

// pathErr turns an errno of resolving rel into the package's error for it.
func pathErr(dirfd int, op, rel string, err error) error {
	if err == unix.ELOOP {
		return fmt.Errorf("%s: %w", linkOnPath(dirfd, rel), ErrSymlink)
	}
	return &fs.PathError{Op: op, Path: rel, Err: err}
}

func notFoundErrno(err error) bool { return err == unix.ENOENT || err == unix.ENOTDIR }

func kindName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFDIR:
		return "a directory"
	}
	return "not a regular file"
}

// versionOf is the identity of a file as a purge compares it: device, inode, size and
// modification time (nanoseconds). Ktor's writer (open with O_TRUNC, write in place) changes the
// size or the time, ours (a new file renamed into place) the inode.
func versionOf(st *unix.Stat_t) Version {
	var v Version
	binary.LittleEndian.PutUint64(v[0:], uint64(st.Dev))
	binary.LittleEndian.PutUint64(v[8:], uint64(st.Ino))
	binary.LittleEndian.PutUint64(v[16:], uint64(st.Size))
	sec, nsec := st.Mtim.Unix()
	binary.LittleEndian.PutUint64(v[24:], uint64(sec*1e9+nsec))
	return v
}

func mtimeOf(st *unix.Stat_t) time.Time {
	sec, nsec := st.Mtim.Unix()
	return time.Unix(sec, nsec)
}

// readAt reads the session file rel (below the root): only a regular file, opened without
// following a link and without blocking (a FIFO), of at most MaxSessionSize bytes.
func (d *Directory) readAt(rel string, withValue bool) (Entry, error) {
	rfd, err := d.rootFD()
	if err != nil {
		return Entry{}, err
	}
	defer unix.Close(rfd)
	fd, err := openBeneath(rfd, rel, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW)
	if err != nil {
		if notFoundErrno(err) {
			return Entry{}, ErrNotFound
		}
		return Entry{}, pathErr(rfd, "open", rel, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Entry{}, &fs.PathError{Op: "fstat", Path: rel, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return Entry{}, ErrNotFound // Java: FileNotFoundException (Is a directory)
	default:
		return Entry{}, fmt.Errorf("%s is %s: %w", rel, kindName(uint32(st.Mode)), ErrNotRegular)
	}
	e := Entry{Size: st.Size, Modified: mtimeOf(&st), TTL: -1, Version: versionOf(&st)}
	if st.Size > MaxSessionSize {
		return Entry{}, fmt.Errorf("%s: %d bytes: %w", rel, st.Size, ErrTooLarge)
	}
	if withValue {
		v, err := readCapped(fd, st.Size)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", rel, err)
		}
		e.Value, e.Size = v, int64(len(v))
	}
	return e, nil
}

// readCapped reads fd to its end, at most MaxSessionSize bytes (ErrTooLarge past that); size is
// what fstat said, a hint.
func readCapped(fd int, size int64) (string, error) {
	buf := make([]byte, 0, min(size, MaxSessionSize)+1)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxSessionSize {
				return "", ErrTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n == 0 {
			if len(buf) > MaxSessionSize {
				return "", ErrTooLarge
			}
			return string(buf), nil
		}
		buf = buf[:len(buf)+n]
	}
}

// mkdirBeneath opens the directory rel below dirfd, creating what is missing, never through a
// link.
func mkdirBeneath(dirfd int, rel string) (int, error) {
	if fd, err := openBeneath(dirfd, rel, unix.O_RDONLY|unix.O_DIRECTORY); err != unix.ENOENT {
		return fd, err
	}
	fd := dirfd
	for rel != "" {
		comp, rest, _ := strings.Cut(rel, "/")
		nfd, err := sysOpenat(fd, comp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
		if err == unix.ENOENT {
			if err = unix.Mkdirat(fd, comp, 0o777); err == nil || err == unix.EEXIST {
				nfd, err = sysOpenat(fd, comp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
			}
		}
		if fd != dirfd {
			unix.Close(fd)
		}
		if err != nil {
			return -1, err
		}
		fd, rel = nfd, rest
	}
	if fd == dirfd {
		return unix.Dup(dirfd)
	}
	return fd, nil
}

func randName(name, suffix string) string {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	return name + "." + hex.EncodeToString(rnd[:]) + suffix
}

// writeAt writes value to rel atomically and durably: a temporary file next to it, synced,
// renamed into place, and the directory synced.
func (d *Directory) writeAt(rel, value string) error {
	dir, name := splitRel(rel)
	rfd, err := d.rootFD()
	if err != nil {
		return err
	}
	defer unix.Close(rfd)
	// ends in ".tmp", so a walk never takes it for a session
	tmp := randName(name, ".tmp")
	for attempt := 0; ; attempt++ {
		dfd, err := mkdirBeneath(rfd, dir)
		if err == unix.ENOENT && attempt < 32 {
			continue // a concurrent Invalidate pruned a directory between its creation and the next one's
		}
		if err != nil {
			return pathErr(rfd, "mkdir", dir, err)
		}
		fd, err := sysOpenat(dfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o666)
		if err == unix.ENOENT && attempt < 32 {
			// a concurrent Invalidate pruned the emptied directory after it was opened
			unix.Close(dfd)
			continue
		}
		if err != nil {
			unix.Close(dfd)
			return &fs.PathError{Op: "open", Path: dir + "/" + tmp, Err: err}
		}
		werr := writeAll(fd, value)
		if werr == nil {
			werr = fsync(fd)
		}
		if cerr := unix.Close(fd); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = unix.Renameat(dfd, tmp, dfd, name)
		}
		if werr != nil {
			unix.Unlinkat(dfd, tmp, 0)
			unix.Close(dfd)
			return &fs.PathError{Op: "write", Path: rel, Err: werr}
		}
		// the rename is only durable once the directory holding the new entry is synced
		serr := fsync(dfd)
		unix.Close(dfd)
		if serr != nil {
			return &fs.PathError{Op: "sync", Path: dir, Err: serr}
		}
		return nil
	}
}

func writeAll(fd int, s string) error {
	b := []byte(s)
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func fsync(fd int) error {
	for {
		if err := unix.Fsync(fd); err != unix.EINTR {
			return err
		}
	}
}

type outcome uint8

const (
	gone outcome = iota
	missing
	changed
	notSession
)

// removeAt removes the session file rel below the root descriptor rfd. With want (not the zero
// Version) it removes it only while it is still that file: the file is first renamed aside within
// its directory (from then on a writer's new file at its name is a new file), the renamed file is
// compared with want, and put back if it changed (unless a newer one has been written at its name
// since). Without want it removes any regular file. Anything but a regular file (a FIFO, a device,
// a link), and a path through a link, is left alone. The directories left empty are pruned.
func removeAt(rfd int, rel string, want Version) (outcome, error) {
	dir, name := splitRel(rel)
	dfd, err := openBeneath(rfd, dir, unix.O_RDONLY|unix.O_DIRECTORY)
	switch {
	case err == unix.ELOOP:
		if want != (Version{}) {
			return changed, nil // the walk reached it without a link: something replaced a directory since
		}
		return notSession, nil
	case notFoundErrno(err):
		return missing, nil
	case err != nil:
		return 0, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	aside := randName(name, ".rm.tmp")
	if err := unix.Renameat(dfd, name, dfd, aside); err != nil {
		if notFoundErrno(err) {
			pruneAt(rfd, dir)
			return missing, nil
		}
		return 0, &fs.PathError{Op: "rename", Path: rel, Err: err}
	}
	if testHookRemove != nil {
		testHookRemove(rel)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, aside, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return putBack(dfd, aside, name, rel, changed, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		o := notSession
		if want != (Version{}) {
			o = changed
		}
		return putBack(dfd, aside, name, rel, o, nil)
	}
	if want != (Version{}) && versionOf(&st) != want {
		return putBack(dfd, aside, name, rel, changed, nil)
	}
	// a writer may have put a new file at the name since it was taken: the session lives on
	o := gone
	var now unix.Stat_t
	if unix.Fstatat(dfd, name, &now, unix.AT_SYMLINK_NOFOLLOW) == nil {
		o = changed
	}
	if err := unix.Unlinkat(dfd, aside, 0); err != nil {
		return putBack(dfd, aside, name, rel, changed, err)
	}
	if o == gone {
		pruneAt(rfd, dir)
	}
	return o, nil
}

// remover opens the root once for a batch of removals.
func (d *Directory) remover() (rm func(rel string, want Version) (outcome, error), done func(), err error) {
	rfd, err := d.rootFD()
	if err != nil {
		return nil, nil, err
	}
	return func(rel string, want Version) (outcome, error) { return removeAt(rfd, rel, want) }, func() { unix.Close(rfd) }, nil
}

// testHookRemove, when set by a test, runs in removeAt between taking the file and deciding on
// it: where a concurrent writer is the most harmful.
var testHookRemove func(rel string)

// putBack renames aside back to name, unless a new file was written at name meanwhile: then the
// file aside is an older version, and a regular one is removed.
func putBack(dfd int, aside, name, rel string, o outcome, cause error) (outcome, error) {
	err := renameNoReplace(dfd, aside, name)
	if err == unix.EEXIST {
		var st unix.Stat_t
		if unix.Fstatat(dfd, aside, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			err = unix.Unlinkat(dfd, aside, 0)
		} else {
			err = nil // not a session: left under its temporary name, which stats counts
		}
	}
	if err != nil {
		return 0, fmt.Errorf("%s: could not put the session back from %s: %w", rel, aside, errors.Join(err, cause))
	}
	if cause != nil {
		return 0, &fs.PathError{Op: "remove", Path: rel, Err: cause}
	}
	return o, nil
}

// renameNoReplace renames from to to in dfd, failing with EEXIST when to exists.
func renameNoReplace(dfd int, from, to string) error {
	if err, ok := renameat2NoReplace(dfd, from, to); ok {
		return err
	}
	// no renameat2 here: a hard link cannot replace anything either
	err := unix.Linkat(dfd, from, dfd, to, 0)
	if err == unix.EPERM { // a directory (hard links to directories are refused)
		return unix.Renameat(dfd, from, dfd, to)
	}
	if err != nil {
		return err
	}
	return unix.Unlinkat(dfd, from, 0)
}

// pruneAt removes the directory dir (below rfd) and its parents while they are empty, stopping at
// the root. unlinkat(AT_REMOVEDIR) removes only an empty directory, and not a link: a concurrent
// writer loses nothing (ours creates the directory again and retries; Ktor's own invalidate prunes
// the same way).
func pruneAt(rfd int, dir string) int {
	n := 0
	for dir != "" {
		parent, name := splitRel(dir)
		pfd := rfd
		if parent != "" {
			var err error
			if pfd, err = openBeneath(rfd, parent, unix.O_RDONLY|unix.O_DIRECTORY); err != nil {
				return n
			}
		}
		err := unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR)
		if pfd != rfd {
			unix.Close(pfd)
		}
		if err != nil && err != unix.ENOENT {
			return n // not empty (ENOTEMPTY, EEXIST), not a directory, or not ours to remove
		}
		if err == nil {
			n++
		}
		dir = parent
	}
	return n
}
