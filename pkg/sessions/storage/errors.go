package storage

import (
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrNotFound: no session is stored under the id (Ktor: NoSuchElementException).
	ErrNotFound = errors.New("session not found")
	// ErrBadID: the id is refused before any path or key is built
	// (Ktor: IllegalArgumentException "Bad session id" / "Session id is empty").
	ErrBadID = errors.New("bad session id")
	// ErrEmpty: the stored session is empty, which Ktor's DirectoryStorage reads as
	// an error (IllegalStateException "Failed to read stored session from FILE").
	ErrEmpty = errors.New("stored session is empty")
	// ErrWrongType: a Redis key under the prefix does not hold a string (WRONGTYPE).
	ErrWrongType = errors.New("key holds a value of the wrong type (not a string)")
	// ErrConfig: a storage cannot be built from its configuration (a bad URL, root, option).
	ErrConfig = errors.New("bad storage configuration")
	// ErrNotRegular: a directory storage found something else than a regular file
	// at a session's path (a FIFO, a device, a socket, a symbolic link); it is
	// neither read nor removed.
	ErrNotRegular = errors.New("not a regular file")
	// ErrSymlink: a symbolic link below the root of a directory storage, which is
	// never followed.
	ErrSymlink = errors.New("a symbolic link (not followed)")
	// ErrTooLarge: a session file larger than MaxSessionSize.
	ErrTooLarge = errors.New("larger than the session size limit (MaxSessionSize)")
	// ErrNoPrefix: a Redis storage without a key prefix, whose database may hold
	// other keys than sessions, refuses to remove keys in bulk (set
	// Redis.SessionsOnly when the database holds nothing else).
	ErrNoPrefix = errors.New("no key prefix: the database may hold keys that are not sessions")
)

// Error is the error of every failed storage operation.
type Error struct {
	Store string // "directory /srv/sessions", "memory", "redis 127.0.0.1:6379"
	Op    string // "read", "write", "invalidate", "walk", "scan", "purge", ...
	ID    string // the session id, "" when the operation has none
	Err   error  // a sentinel of this package or the underlying error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("storage: ")
	if e.Store != "" {
		b.WriteString(e.Store)
		b.WriteString(": ")
	}
	b.WriteString(e.Op)
	if e.ID != "" || e.Op == "read" || e.Op == "write" || e.Op == "invalidate" {
		b.WriteString(" ")
		b.WriteString(quoteID(e.ID))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// quoteID quotes an id for messages, so hostile ids (NUL, newlines, very long)
// cannot forge output; long ids are cut.
func quoteID(id string) string {
	const max = 200
	if len(id) > max {
		return strconv.Quote(id[:max]) + "…"
	}
	return strconv.Quote(id)
}

// badID builds the ErrBadID error with the reason, Ktor's wording first.
type badIDError struct{ reason string }

func (e *badIDError) Error() string        { return "bad session id: " + e.reason }
func (e *badIDError) Is(target error) bool { return target == ErrBadID }
