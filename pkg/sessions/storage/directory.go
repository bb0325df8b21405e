package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Directory is Ktor's DirectoryStorage: one file per session under a root
// directory, in Ktor's layout (see the package documentation). It is safe for
// concurrent use, also by several processes sharing the root.
//
// Nothing below the root is followed if it is a symbolic link: on Unix every
// path is resolved relative to an open directory without following links, and
// files are removed relative to their directory (see the package
// documentation, "Hostile trees").
type Directory struct {
	root  string // cleaned, as given
	real  string // absolute, with the symbolic links of the root resolved once at open
	store string // "directory ROOT", for errors
}

// MaxSessionSize is the largest session file read or written (1 MiB): a larger
// one is an error wrapping ErrTooLarge, not an allocation.
const MaxSessionSize = 1 << 20

// NewDirectory opens (and creates, as Ktor does) the storage rooted at root.
func NewDirectory(root string) (*Directory, error) {
	if root != "" {
		if err := os.MkdirAll(filepath.Clean(root), 0o777); err != nil {
			return nil, &Error{Store: "directory " + root, Op: "open", Err: err}
		}
	}
	return OpenDirectory(root)
}

// OpenDirectory opens the storage rooted at root, which must exist: for tools
// that only read and remove sessions, where a mistyped path must not become a
// new, empty store. A missing root is an *Error wrapping fs.ErrNotExist. The
// root may be a symbolic link: it is resolved here, once.
func OpenDirectory(root string) (*Directory, error) {
	store := "directory " + root
	if root == "" {
		return nil, &Error{Store: "directory", Op: "open", Err: errors.Join(ErrConfig, errors.New("the root directory is empty"))}
	}
	root = filepath.Clean(root)
	real, err := filepath.EvalSymlinks(root)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, &Error{Store: store, Op: "open", Err: err}
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, &Error{Store: store, Op: "open", Err: err}
	}
	if !fi.IsDir() {
		return nil, &Error{Store: store, Op: "open", Err: errors.Join(ErrConfig, errors.New("path is not a directory"))}
	}
	return &Directory{root: root, real: real, store: store}, nil
}

// NewDirectoryCached is Ktor's directorySessionStorage(root, cached = true): the
// directory storage behind a Cache with Ktor's idle timeout of 60 seconds.
func NewDirectoryCached(root string) (*Cache, error) {
	d, err := NewDirectory(root)
	if err != nil {
		return nil, err
	}
	return NewCache(d, DefaultCacheIdle), nil
}

// Root returns the cleaned root directory.
func (d *Directory) Root() string { return d.root }

// ktorBad are the substrings Ktor's DirectoryStorage.requireId refuses
// (id.indexOfAny(listOf("..", "/", "\\", "!", "?", ">", "<", "\u0000"))).
var ktorBad = [...]string{"..", "/", "\\", "!", "?", ">", "<", "\x00"}

// ValidateID reports why the directory storage refuses id, nil if it accepts it.
// The error wraps ErrBadID. Besides Ktor's rule it refuses ids that are not
// UTF-8 (no Java string maps to them) and ids whose cut into 2-character
// pieces would split a character outside the Basic Multilingual Plane (Ktor
// cuts UTF-16 code units and would write a '?' in its place).
func ValidateID(id string) error {
	if id == "" {
		return &badIDError{"session id is empty"}
	}
	for _, s := range ktorBad {
		if strings.Contains(id, s) {
			return &badIDError{"contains " + quoteID(s)}
		}
	}
	if !utf8.ValidString(id) {
		return &badIDError{"not valid UTF-8"}
	}
	units := 0
	for _, r := range id {
		if r >= 0x10000 {
			if units%2 == 1 {
				return &badIDError{"a character outside the BMP would be cut in half"}
			}
			units += 2
		} else {
			units++
		}
	}
	return nil
}

// ValidateID is the package's ValidateID: the ids this storage refuses.
func (d *Directory) ValidateID(id string) error { return ValidateID(id) }

// Path returns the file that holds the session id: the id cut into pieces of
// two UTF-16 code units, the last one with ".dat". The error wraps ErrBadID.
func (d *Directory) Path(id string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return d.root + string(filepath.Separator) + filepath.FromSlash(relPath(id)), nil
}

// relPath cuts a valid id into Ktor's relative path, '/'-separated.
func relPath(id string) string {
	var b strings.Builder
	b.Grow(len(id) + len(id)/2 + 4)
	units := 0
	for _, r := range id {
		if units == 2 {
			b.WriteByte('/')
			units = 0
		}
		b.WriteRune(r)
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	b.WriteString(".dat")
	return b.String()
}

// pieceUnits counts the UTF-16 code units of a path piece, -1 if it is not UTF-8.
func pieceUnits(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			return -1
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += w
	}
	return n
}

// IDFromPath rebuilds the id from a path relative to the root, the inverse of
// Path; ok is false when the path does not follow the layout.
func IDFromPath(rel string) (id string, ok bool) {
	rel = filepath.ToSlash(rel)
	parts := strings.Split(rel, "/")
	last := parts[len(parts)-1]
	if !strings.HasSuffix(last, ".dat") {
		return "", false
	}
	parts[len(parts)-1] = last[:len(last)-4]
	for i, p := range parts {
		u := pieceUnits(p)
		if u == 2 || (i == len(parts)-1 && u == 1) {
			continue
		}
		return "", false
	}
	id = strings.Join(parts, "")
	if ValidateID(id) != nil {
		return "", false
	}
	return id, true
}

func (d *Directory) err(op, id string, err error) error {
	return &Error{Store: d.store, Op: op, ID: id, Err: err}
}

// Read returns the stored text. A missing file (or a directory where the file
// should be, which Java reports as FileNotFoundException) is ErrNotFound; an
// empty file is ErrEmpty, as in Ktor. Unlike Ktor, it creates no directories,
// and it reads only a regular file of at most MaxSessionSize bytes reached
// without a symbolic link (ErrNotRegular, ErrSymlink, ErrTooLarge otherwise).
func (d *Directory) Read(ctx context.Context, id string) (string, error) {
	e, err := d.Lookup(ctx, id, true)
	if err != nil {
		return "", err
	}
	return e.Value, nil
}

// Lookup returns the entry of one session as a walk gives it (size,
// modification time, Version), with its text if withValue, under Read's rules.
func (d *Directory) Lookup(ctx context.Context, id string, withValue bool) (Entry, error) {
	if err := ValidateID(id); err != nil {
		return Entry{}, d.err("read", id, err)
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, d.err("read", id, err)
	}
	e, err := d.readAt(relPath(id), withValue)
	if err != nil {
		return Entry{}, d.err("read", id, err)
	}
	if withValue && e.Value == "" {
		return Entry{}, d.err("read", id, ErrEmpty)
	}
	e.ID = id
	return e, nil
}

// Write stores value atomically and durably: it writes a temporary file next
// to the session's file, syncs it, renames it into place and syncs the
// directory. Concurrent writers of one id each rename a whole file; the last
// rename wins. A value larger than MaxSessionSize is refused (ErrTooLarge).
func (d *Directory) Write(ctx context.Context, id, value string) error {
	if err := ValidateID(id); err != nil {
		return d.err("write", id, err)
	}
	if err := ctx.Err(); err != nil {
		return d.err("write", id, err)
	}
	if len(value) > MaxSessionSize {
		return d.err("write", id, fmt.Errorf("%d bytes: %w", len(value), ErrTooLarge))
	}
	if err := d.writeAt(relPath(id), value); err != nil {
		return d.err("write", id, err)
	}
	return nil
}

// Invalidate deletes the session's file, then each parent directory that is
// left empty, up to but not including the root. A missing id succeeds, as in
// Ktor (whose File.delete() also hides other failures; this one reports them).
// Anything at the session's path that is not a regular file, or a path through
// a symbolic link, is left alone: ErrNotRegular.
func (d *Directory) Invalidate(ctx context.Context, id string) error {
	if err := ValidateID(id); err != nil {
		return d.err("invalidate", id, err)
	}
	if err := ctx.Err(); err != nil {
		return d.err("invalidate", id, err)
	}
	r, err := d.InvalidateMany(ctx, []string{id})
	if err == nil && r.NotSession > 0 {
		err = d.err("invalidate", id, fmt.Errorf("%s: %w (left alone)", relPath(id), ErrNotRegular))
	}
	return err
}
