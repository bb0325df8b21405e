package storage

import (
	"context"
	"errors"
)

// MatchPurger is a store that can purge the sessions matching a walk's id
// prefix and ages in the store itself, each session tested and removed in one
// step there, so that what is removed is what matches at the moment it is
// removed (nothing used or rewritten since): PostgreSQL's set-based DELETE per
// range of blocks (sqlstore), a Redis script that reads each key's idle time
// and removes it in the same call (Redis). It is a faster path than a walk and
// RemoveUnchanged, for a purge that needs no session's value (no --match).
type MatchPurger interface {
	// PurgeMatching removes what matches o (IDPrefix, OlderThan, NewerThan, Now)
	// and reports it through r. ErrNotSetBased (nothing removed) means: walk
	// and RemoveUnchanged instead.
	PurgeMatching(ctx context.Context, o WalkOptions, r PurgeReport) (Purged, error)
}

// PurgeReport says what PurgeMatching reports of the sessions it removes.
type PurgeReport struct {
	// Counted, when set, is called after each step the store confirmed (a
	// range's COMMIT, a page's removal calls) with how many sessions it removed
	// and their stored bytes (-1: not counted, see Purged.Bytes).
	Counted func(rows int, bytes int64)
	// Removed, when set with IDs, is called after each confirmed step with the
	// sessions it removed (ID, Size, Modified; TTL -1); the slice is reused
	// after it returns.
	Removed func([]Entry)
	// IDs: report each removed session (SQL: RETURNING id and the updated
	// column, a row to the client per session; without it each range's DELETE
	// answers only its row count).
	IDs bool
}

// Purged is the outcome of PurgeMatching.
type Purged struct {
	Removed int // confirmed removed
	Unknown int // sent for removal in a step whose answer was lost: removed or not
	// Bytes is the stored size of the sessions confirmed removed; -1 where the
	// store does not count it (sqlstore without IDs: a plain DELETE answers
	// only its row count).
	Bytes int64
}

// ErrNotSetBased: PurgeMatching cannot do this purge in the store (a filter it
// cannot test there, a Limit, a server without the means); walk and
// RemoveUnchanged instead.
var ErrNotSetBased = errors.New("this purge cannot run in the store itself")
