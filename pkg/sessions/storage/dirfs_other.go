//go:build !unix

package storage

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// The file-system steps of Directory where there is no openat (Windows): through
// os.Root, which keeps every path inside the root; a symbolic link at a
// session's path is refused (Lstat), but a link swapped in for a directory in
// the middle of an operation may be followed inside the root.

func (d *Directory) openRoot() (*os.Root, error) { return os.OpenRoot(d.real) }

func infoVersion(fi fs.FileInfo) Version {
	var v Version
	binary.LittleEndian.PutUint64(v[16:], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(v[24:], uint64(fi.ModTime().UnixNano()))
	return v
}

func splitRel(rel string) (dir, name string) {
	for i := len(rel) - 1; i >= 0; i-- {
		if rel[i] == '/' {
			return rel[:i], rel[i+1:]
		}
	}
	return "", rel
}

func (d *Directory) readAt(rel string, withValue bool) (Entry, error) {
	r, err := d.openRoot()
	if err != nil {
		return Entry{}, err
	}
	defer r.Close()
	fi, err := r.Lstat(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Entry{}, ErrNotFound
		}
		return Entry{}, err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return Entry{}, fmt.Errorf("%s: %w", rel, ErrSymlink)
	case fi.IsDir():
		return Entry{}, ErrNotFound
	case !fi.Mode().IsRegular():
		return Entry{}, fmt.Errorf("%s: %w", rel, ErrNotRegular)
	case fi.Size() > MaxSessionSize:
		return Entry{}, fmt.Errorf("%s: %d bytes: %w", rel, fi.Size(), ErrTooLarge)
	}
	e := Entry{Size: fi.Size(), Modified: fi.ModTime(), TTL: -1, Version: infoVersion(fi)}
	if withValue {
		f, err := r.Open(rel)
		if err != nil {
			return Entry{}, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, MaxSessionSize+1))
		if err != nil {
			return Entry{}, err
		}
		if len(b) > MaxSessionSize {
			return Entry{}, fmt.Errorf("%s: %w", rel, ErrTooLarge)
		}
		e.Value, e.Size = string(b), int64(len(b))
	}
	return e, nil
}

func (d *Directory) writeAt(rel, value string) error {
	r, err := d.openRoot()
	if err != nil {
		return err
	}
	defer r.Close()
	dir, name := splitRel(rel)
	tmp := dir + "/" + randName(name, ".tmp")
	if dir == "" {
		tmp = randName(name, ".tmp")
	}
	var f *os.File
	for attempt := 0; ; attempt++ {
		if dir != "" {
			err = r.MkdirAll(dir, 0o777)
		}
		if err == nil {
			f, err = r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		}
		if err != nil && errors.Is(err, fs.ErrNotExist) && attempt < 32 {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	_, werr := f.WriteString(value)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = r.Rename(tmp, rel)
	}
	if werr != nil {
		r.Remove(tmp)
	}
	return werr
}

func randName(name, suffix string) string {
	var b [8]byte
	_, _ = cryptoRand(b[:])
	return fmt.Sprintf("%s.%x%s", name, b, suffix)
}

type outcome uint8

const (
	gone outcome = iota
	missing
	changed
	notSession
)

func (d *Directory) remover() (func(rel string, want Version) (outcome, error), func(), error) {
	r, err := d.openRoot()
	if err != nil {
		return nil, nil, err
	}
	rm := func(rel string, want Version) (outcome, error) {
		fi, err := r.Lstat(rel)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return missing, nil
		case err != nil:
			return 0, err
		case !fi.Mode().IsRegular():
			if want != (Version{}) {
				return changed, nil
			}
			return notSession, nil
		case want != (Version{}) && infoVersion(fi) != want:
			return changed, nil
		}
		if err := r.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
		dir, _ := splitRel(rel)
		pruneRoot(r, dir)
		return gone, nil
	}
	return rm, func() { r.Close() }, nil
}

func pruneRoot(r *os.Root, dir string) int {
	n := 0
	for dir != "" {
		if err := r.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n
		}
		n++
		dir, _ = splitRel(dir)
	}
	return n
}

func cryptoRand(b []byte) (int, error) { return rand.Read(b) }
