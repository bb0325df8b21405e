package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// Storage is Ktor's SessionStorage: it writes, reads and invalidates the
// serialized text of a session under its id.
type Storage interface {
	// Write stores value under id, replacing what was there.
	Write(ctx context.Context, id, value string) error
	// Read returns the value stored under id; an *Error wrapping ErrNotFound when
	// there is none.
	Read(ctx context.Context, id string) (string, error)
	// Invalidate removes the session; invalidating a missing id succeeds, as in Ktor.
	Invalidate(ctx context.Context, id string) error
}

// Entry is one stored session as a walk yields it.
type Entry struct {
	ID       string
	Size     int64         // bytes of the stored text
	Modified time.Time     // directory: file mtime; Redis: now − OBJECT IDLETIME (last access)
	TTL      time.Duration // time left to live; -1 = none (directory, memory, persistent keys)
	Value    string        // the stored text, only with WalkOptions.WithValue
}

// Walker is a storage that can enumerate its sessions.
type Walker interface {
	// Walk calls fn once for each stored session that matches o, from one
	// goroutine at a time. fn returning an error stops the walk, and Walk returns
	// that error as it is. Order is unspecified unless o.Sorted.
	Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error
}

// BatchInvalidator is a storage that removes many sessions at once. It returns
// how many sessions it deleted (missing ids are not counted), also when it
// fails half-way: what was deleted stays deleted.
type BatchInvalidator interface {
	InvalidateMany(ctx context.Context, ids []string) (n int, err error)
}

// IDValidator is a storage that refuses some ids: ValidateID says why (an
// error wrapping ErrBadID), nil if id is accepted. A caller taking ids from
// users checks them one at a time, so that one bad id does not make
// InvalidateMany refuse the whole batch.
type IDValidator interface {
	ValidateID(id string) error
}

// WalkOptions filter and shape a walk. The zero value walks everything.
type WalkOptions struct {
	// IDPrefix keeps ids that start with it (in a directory it prunes whole subtrees).
	IDPrefix string
	// OlderThan keeps sessions last modified more than this long before Now; 0 = off.
	OlderThan time.Duration
	// NewerThan keeps sessions last modified less than this long before Now; 0 = off.
	NewerThan time.Duration
	// Now is the time the ages are measured from; zero = time.Now() when the walk starts.
	Now time.Time
	// Limit stops the walk after this many entries; 0 = no limit.
	Limit int
	// WithValue fills Entry.Value with the stored text.
	WithValue bool
	// Sorted yields entries in id order (directory: in path order, which costs a
	// little parallelism; Redis: buffers the ids of one SCAN batch only, so the
	// order is sorted per batch, not overall).
	Sorted bool
	// Workers bounds the directory walk's parallelism; 0 = a default (32 per
	// CPU, 32 to 256: reads of a cold tree wait on the disk).
	Workers int
	// Stats, when not nil, is filled with counters as the walk ends.
	Stats *WalkStats
}

// WalkStats counts what a walk saw.
type WalkStats struct {
	Dirs     int64 // directories read (directory storage)
	Files    int64 // session files or keys seen
	Matched  int64 // entries passed to fn
	Skipped  int64 // files or keys that do not follow the layout (temporary files, stray names)
	Vanished int64 // sessions removed between being listed and being read
}

// matcher is WalkOptions made ready for testing entries.
type matcher struct {
	prefix             string
	olderThan, newerTh time.Duration
	now                time.Time
	ages               bool
}

func (o WalkOptions) matcher() matcher {
	m := matcher{prefix: o.IDPrefix, olderThan: o.OlderThan, newerTh: o.NewerThan, now: o.Now}
	if m.now.IsZero() {
		m.now = time.Now()
	}
	m.ages = o.OlderThan > 0 || o.NewerThan > 0
	return m
}

// age keeps entries by their modification time.
func (m *matcher) age(mod time.Time) bool {
	if !m.ages {
		return true
	}
	age := m.now.Sub(mod)
	if m.olderThan > 0 && age <= m.olderThan {
		return false
	}
	if m.newerTh > 0 && age >= m.newerTh {
		return false
	}
	return true
}

func (m *matcher) id(id string) bool { return strings.HasPrefix(id, m.prefix) }

// Match reports whether e passes the filters of o (id prefix and ages); a
// caller that filters on its own, or a Walker outside this package, can use it.
func (o WalkOptions) Match(e Entry) bool {
	m := o.matcher()
	return m.id(e.ID) && m.age(e.Modified)
}

// DefaultIDGenerator returns the session id generator of p's Ktor release
// (a transform.Profile: an exact release or an alias for the newest of a
// line; one that names no release gets the newest), with crypto/rand in
// place of Ktor's nonce pool: lower-case hex of 16 characters before 1.5.0
// (one generateNonce()), 32 from 1.5.0 (generateSessionId: two 16-character
// nonces) and 64 from 3.5.0 (generateNonceBlocking(64)).
func DefaultIDGenerator[P ~string](p P) func() (string, error) {
	r := ktor.Newest()
	if v, err := ktor.Parse(string(p)); err == nil {
		r = v.Release
	}
	n := 16
	switch {
	case r.Has(ktor.SessionID64):
		n = 64
	case r.Has(ktor.SessionIDTwoNonces):
		n = 32
	}
	return func() (string, error) {
		b := make([]byte, n/2)
		if _, err := rand.Read(b); err != nil {
			return "", &Error{Op: "generate id", Err: err}
		}
		return hex.EncodeToString(b), nil
	}
}
