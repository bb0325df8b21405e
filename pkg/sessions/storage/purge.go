package storage

import (
	"context"
	"sync"
	"sync/atomic"
)

// InvalidateMany removes many sessions in parallel (purgeWorkers): each file
// is unlinked and its emptied parents pruned, as Invalidate does. It returns
// how many files it removed; ids that were not there are not counted. Bad ids
// are not skipped silently: the first one stops the purge before anything is
// removed. On any other failure the purge stops, and n says how many were
// removed before it.
func (d *Directory) InvalidateMany(ctx context.Context, ids []string) (int, error) {
	paths := make([]string, len(ids))
	for i, id := range ids {
		p, err := d.Path(id)
		if err != nil {
			return 0, d.err("purge", id, err)
		}
		paths[i] = p
	}
	var (
		n     atomic.Int64
		next  atomic.Int64
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	fail := func(err error) {
		once.Do(func() {
			first = err
			close(stop)
		})
	}
	const chunk = 64
	for range purgeWorkers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := ctx.Err(); err != nil {
					fail(d.err("purge", "", err))
					return
				}
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(paths) {
					return
				}
				hi := min(lo+chunk, len(paths))
				for i := lo; i < hi; i++ {
					removed, err := d.remove(paths[i])
					if err != nil {
						fail(d.err("purge", ids[i], err))
						return
					}
					if removed {
						n.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	return int(n.Load()), first
}
