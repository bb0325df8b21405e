package keyring

import (
	"errors"
	"strings"
)

// Sentinel errors, usable with errors.Is on every error of this package.
var (
	// ErrNotFound: the keys file does not exist.
	ErrNotFound = errors.New("keyring: keys file does not exist")
	// ErrRead: the keys file exists but cannot be read (permissions; a directory, a FIFO, a device:
	// not a regular file); Cause says why.
	ErrRead = errors.New("keyring: cannot read the keys file")
	// ErrLimit: a keys file, a key file or an env value over its size limit, or TOML nested too
	// deep (MaxKeyringSize, MaxKeyFileSize, MaxNesting).
	ErrLimit = errors.New("keyring: over a limit")
	// ErrUnavailable: the keyring needs a file and Options has no Open (a browser page).
	ErrUnavailable = errors.New("keyring: reading files is not available here")
	// ErrSyntax: the text is not TOML, or not of the keyring's shape (a string where a table goes).
	ErrSyntax = errors.New("keyring: invalid TOML")
	// ErrUnknownKey: a key the format does not have (strict: a misspelling is never ignored).
	ErrUnknownKey = errors.New("keyring: unknown key")
	// ErrKey: a [keys.ID] entry is wrong (not exactly one source), undefined, or its material cannot
	// be had (bad hex or base64, an unset variable, an unreadable file, empty).
	ErrKey = errors.New("keyring: bad key")
	// ErrNoProvider: no provider of that name.
	ErrNoProvider = errors.New("keyring: no such provider")
	// ErrProvider: a provider's configuration is refused (transport, tracker, serializer, a
	// transformer, the cookie); Cause says why and may be a *transform.ConfigError or a key's *Error.
	ErrProvider = errors.New("keyring: invalid provider")
)

// Error is every error of this package. Its message names the file (Path) and what is wrong in
// it, as the CLI prints it; never any key material.
type Error struct {
	Path     string // the keyring's name: its file, "flags", "keys.example.toml (embedded)"
	Provider string // the provider concerned, "" when none
	KeyID    string // the key concerned, "" when none
	Line     int    // ErrSyntax: the TOML line, 0 when unknown
	Column   int    // ErrSyntax: the column (in characters) on that line, 0 when unknown
	Err      error  // one of the sentinels
	Cause    error  // the underlying error (TOML, file system, transform, another *Error), may be nil
	// Excerpt: ErrSyntax: the lines around the error with a caret under it (key material
	// masked), each an element; Error() ends with them after a blank line.
	Excerpt []string
	msg     string
}

func (e *Error) Error() string {
	if len(e.Excerpt) == 0 {
		return e.msg
	}
	return e.msg + "\n\n" + strings.Join(e.Excerpt, "\n")
}

// Head is the message without the Excerpt.
func (e *Error) Head() string { return e.msg }

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}
