//go:build linux

package storage

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// noOpenat2 is set once the kernel (before 5.6) or a seccomp filter refused openat2.
var noOpenat2 atomic.Bool

// openat2Beneath opens rel below dirfd with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS: the kernel
// resolves the whole path in one call and fails with ELOOP at any symbolic link, EXDEV on a way
// out. ok is false when openat2 is not available.
func openat2Beneath(dirfd int, rel string, flags int) (fd int, err error, ok bool) {
	if noOpenat2.Load() {
		return -1, nil, false
	}
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err = unix.Openat2(dirfd, rel, &how)
		switch err {
		case unix.EINTR, unix.EAGAIN: // EAGAIN: a concurrent rename or mount; try again
			continue
		case unix.EPERM:
			if flags&unix.O_NOATIME != 0 {
				return fd, err, true // O_NOATIME refused: the caller tries without it
			}
			noOpenat2.Store(true)
			return -1, nil, false
		case unix.ENOSYS, unix.E2BIG:
			noOpenat2.Store(true)
			return -1, nil, false
		}
		return fd, err, true
	}
}

// renameat2NoReplace is renameat2(RENAME_NOREPLACE); ok is false where the file system or the
// kernel does not have it.
func renameat2NoReplace(dfd int, from, to string) (error, bool) {
	err := unix.Renameat2(dfd, from, dfd, to, unix.RENAME_NOREPLACE)
	if err == unix.EINVAL || err == unix.ENOSYS {
		return nil, false
	}
	return err, true
}
