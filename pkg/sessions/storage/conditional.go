package storage

import "context"

// Removal is the outcome of a batch removal, true under faults: every entry
// handed over is counted once, in exactly one of its fields.
type Removal struct {
	// Removed: confirmed removed by this call (the server said so).
	Removed int
	// Kept: not removed because it changed since it matched (rewritten by
	// its application) or was gone already.
	Kept int
	// Unknown: sent in a statement whose outcome is unknown (the connection
	// failed before the answer came): each may or may not have been removed.
	Unknown int
}

// Add adds the counts of o to r.
func (r *Removal) Add(o Removal) {
	r.Removed += o.Removed
	r.Kept += o.Kept
	r.Unknown += o.Unknown
}

// ConditionalInvalidator is a storage that removes a session only if it is
// still the one a walk yielded: InvalidateUnchanged removes each entry whose
// stored row still has the entry's Version (and, where the walk read it, its
// value), in one statement per batch, and leaves any other alone. A session
// its application rewrote after the walk matched it is kept. On failure it
// returns the counts so far with the error; entries not yet sent are in no
// field.
type ConditionalInvalidator interface {
	InvalidateUnchanged(ctx context.Context, entries []Entry) (Removal, error)
}
