package storage

import (
	"context"
	"sync"
	"sync/atomic"
)

// InvalidateMany removes many sessions in parallel (purgeWorkers): each file
// is unlinked and its emptied parents pruned, as Invalidate does; anything at a
// session's path that is not a regular file (or a path through a link) is left
// alone and counted in NotSession. Bad ids are not skipped silently: the first
// one stops the purge before anything is removed. On any other failure, or when
// ctx ends, it stops, and the result counts what was done before.
func (d *Directory) InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error) {
	rels := make([]string, len(ids))
	for i, id := range ids {
		if err := ValidateID(id); err != nil {
			return RemoveResult{}, d.err("purge", id, err)
		}
		rels[i] = relPath(id)
	}
	return d.removeMany(ctx, len(ids), func(i int) (string, string, Version) { return ids[i], rels[i], Version{} })
}

// RemoveUnchanged removes the sessions a walk of this storage yielded, each
// only if its file is still the one the walk saw (Entry.Version: the same
// inode, size and modification time). Each file is first renamed aside within
// its directory, so that a writer's new file (ours: renamed into place; Ktor's:
// created at the name once the old one is gone) is never the one removed; the
// file renamed aside is compared, and put back if it changed (Ktor's writer
// rewrites a file in place), unless a newer one was written at its name since.
// Entries without a Version are removed as InvalidateMany would.
func (d *Directory) RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error) {
	rels := make([]string, len(entries))
	for i, e := range entries {
		if err := ValidateID(e.ID); err != nil {
			return RemoveResult{}, d.err("purge", e.ID, err)
		}
		rels[i] = relPath(e.ID)
	}
	return d.removeMany(ctx, len(entries), func(i int) (string, string, Version) {
		return entries[i].ID, rels[i], entries[i].Version
	})
}

// removeMany runs removeAt over n items with purgeWorkers goroutines.
func (d *Directory) removeMany(ctx context.Context, n int, item func(i int) (id, rel string, want Version)) (RemoveResult, error) {
	if n == 0 {
		return RemoveResult{}, nil
	}
	if err := ctx.Err(); err != nil {
		return RemoveResult{}, d.err("purge", "", err)
	}
	rm, done, err := d.remover()
	if err != nil {
		return RemoveResult{}, d.err("purge", "", err)
	}
	defer done()
	var (
		outcomes = make([]Outcome, n) // each written by the one worker that removes it
		next     atomic.Int64
		once     sync.Once
		first    error
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	fail := func(err error) {
		once.Do(func() {
			first = err
			close(stop)
		})
	}
	const chunk = 16
	for range min(purgeWorkers(), (n+chunk-1)/chunk) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					select {
					case <-stop:
						return
					default:
					}
					// a safe point: between two sessions
					if err := ctx.Err(); err != nil {
						fail(d.err("purge", "", err))
						return
					}
					id, rel, want := item(i)
					o, err := rm(rel, want)
					if err != nil {
						outcomes[i] = OutcomeUnknown
						fail(d.err("purge", id, err))
						return
					}
					outcomes[i] = [...]Outcome{gone: OutcomeRemoved, missing: OutcomeMissing, changed: OutcomeChanged, notSession: OutcomeNotSession}[o]
				}
			}
		}()
	}
	wg.Wait()
	return resultOf(outcomes), first
}
