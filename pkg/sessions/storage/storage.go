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
	Size     int64         // bytes of the stored text (Redis before 7.2: see Redis)
	Modified time.Time     // directory: file mtime; Redis: now − OBJECT IDLETIME (last access)
	TTL      time.Duration // time left to live; -1 = none (directory, memory, persistent keys)
	Value    string        // the stored text, only with WalkOptions.WithValue
	// Version is the state of the session the walk saw, for RemoveUnchanged:
	// opaque, compared for equality by the storage that made it; zero when unknown.
	Version Version
	// Touched: reading the value reset the session's idle time (Redis before
	// 7.2, which has no CLIENT NO-TOUCH).
	Touched bool
}

// Version identifies the stored state of a session, as a walk saw it. It is
// opaque: each storage packs what changes when a session is written (a
// directory: device, inode, size and modification time of the file; Redis: the
// time of the key's last access; memory: a write counter). The zero Version
// means "unknown".
type Version [32]byte

// Walker is a storage that can enumerate its sessions.
type Walker interface {
	// Walk calls fn once for each stored session that matches o, from one
	// goroutine at a time. fn returning an error stops the walk, and Walk returns
	// that error as it is. Order is unspecified unless o.Sorted.
	Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error
}

// BatchInvalidator is a storage that removes many sessions by id at once. The
// result counts what it did, also when it fails half-way (what was deleted
// stays deleted); ids it did not get to are in none of its counts. Something
// stored under an id that is not a session of the store (a FIFO, a Redis hash)
// is left alone and counted in NotSession.
type BatchInvalidator interface {
	InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error)
}

// ConditionalRemover is a storage that removes the sessions a walk yielded only
// while each is still in the state the walk saw (Entry.Version): a session
// written (Redis: read or written) since is kept and counted in Changed. This
// is what a purge needs: the decision was taken on the walk's view, and a live
// service may rewrite a session between the walk and the removal. The result
// is valid with an error too, as for BatchInvalidator.
type ConditionalRemover interface {
	RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error)
}

// RemoveResult is what a removal did with the sessions it was given: the
// counts, and the outcome of each (Outcomes[i] of the i-th id or entry).
type RemoveResult struct {
	RemoveCounts
	Outcomes []Outcome
}

// RemoveCounts counts the outcomes of a removal.
type RemoveCounts struct {
	Removed    int // removed, confirmed
	Changed    int // changed since the walk saw them: kept (ConditionalRemover)
	NotSession int // not a session of the store (not a regular file, a link on its path, a key of another type): left alone
	Missing    int // not there (removed by someone else, expired)
	Unknown    int // outcome unknown: in a batch whose reply was lost (the server died, a timeout)
}

// Outcome is what a removal did with one session.
type Outcome uint8

const (
	OutcomeNone       Outcome = iota // not reached: the removal stopped before it
	OutcomeRemoved                   // removed, confirmed
	OutcomeChanged                   // changed since the walk saw it: kept
	OutcomeNotSession                // not a session of the store: left alone
	OutcomeMissing                   // not there
	OutcomeUnknown                   // sent in a batch whose reply was lost
)

// count adds one outcome to the counts.
func (c *RemoveCounts) count(o Outcome) {
	switch o {
	case OutcomeRemoved:
		c.Removed++
	case OutcomeChanged:
		c.Changed++
	case OutcomeNotSession:
		c.NotSession++
	case OutcomeMissing:
		c.Missing++
	case OutcomeUnknown:
		c.Unknown++
	}
}

// Add adds o's counts to r (the Outcomes of r stay r's).
func (r *RemoveCounts) Add(o RemoveCounts) {
	r.Removed += o.Removed
	r.Changed += o.Changed
	r.NotSession += o.NotSession
	r.Missing += o.Missing
	r.Unknown += o.Unknown
}

// Done is how many sessions the counts cover.
func (r RemoveCounts) Done() int { return r.Removed + r.Changed + r.NotSession + r.Missing + r.Unknown }

// resultOf counts outcomes into a RemoveResult.
func resultOf(outcomes []Outcome) RemoveResult {
	r := RemoveResult{Outcomes: outcomes}
	for _, o := range outcomes {
		r.count(o)
	}
	return r
}

// Lookuper is a storage that reads one session with the facts a walk gives
// (size, age, TTL, Version), changing nothing a read by the application would
// (Redis before 7.2 cannot read a value without resetting its idle time: the
// Entry says Touched).
type Lookuper interface {
	Lookup(ctx context.Context, id string, withValue bool) (Entry, error)
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
	// NoSize: Entry.Size is not needed where it costs a read of its own per
	// session (Redis: MEMORY USAGE, or STRLEN on 7.2+); such a store leaves it
	// -1 (unknown). Where the size comes with what is read anyway (a file's
	// stat, a SQL row, WithValue) it is filled all the same.
	NoSize bool
	// CountSkipped: fill Stats.Skipped even where it costs more (Redis: a TYPE
	// per key, where SCAN's TYPE option otherwise keeps other keys out of
	// sight). Directories always count.
	CountSkipped bool
	// Sorted yields entries in id order (directory: in path order, which costs a
	// little parallelism; Redis: buffers the ids of one SCAN batch only, so the
	// order is sorted per batch, not overall).
	Sorted bool
	// Workers bounds the directory walk's parallelism; 0 = a default (32 per
	// CPU, 32 to 256: reads of a cold tree wait on the disk).
	Workers int
	// Stats, when not nil, is filled with counters as the walk ends.
	Stats *WalkStats
	// PruneEmpty: directory storage: remove the empty directories the walk
	// finds (an interrupted purge leaves some) that have not been modified for
	// EmptyDirGrace before Now, with their parents left empty. A purge sets it;
	// a listing only counts them (WalkStats.EmptyDirs).
	PruneEmpty bool
}

// EmptyDirGrace: an empty directory younger than this may be one a writer has
// just created for a new session (Ktor: mkdirs, then write): PruneEmpty leaves it.
const EmptyDirGrace = time.Minute

// WalkStats counts what a walk saw.
type WalkStats struct {
	Dirs     int64 // directories read (directory storage)
	Files    int64 // session files or keys seen
	Matched  int64 // entries passed to fn
	Skipped  int64 // files or keys that do not follow the layout (temporary files, stray names)
	Vanished int64 // sessions removed between being listed and being read
	// EmptyDirs: directories without any entry (directory storage), left by an
	// interrupted purge or a crashed writer; Pruned of them were removed (PruneEmpty).
	EmptyDirs, Pruned int64
	// Touched: keys whose value the walk read and thereby reset their idle time
	// (Redis before 7.2, WithValue).
	Touched int64
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
