package storage

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultCacheIdle is Ktor's idle timeout of directorySessionStorage's cache (60000 ms).
const DefaultCacheIdle = 60 * time.Second

// Cache is Ktor's CacheStorage: a read-through cache with idle expiry in
// front of any storage. As in Ktor 3:
//   - a read computes the value once per id, concurrent readers share it;
//     every read touches the entry, which expires idle after its last read;
//   - a failed read is cached too (Ktor caches the failed Deferred): an id
//     not found stays not found until written through this cache,
//     invalidated, or expired. Only ErrNotFound and ErrEmpty are cached by
//     default, transient errors (I/O, cancellation) are not;
//     CacheOptions.RememberAllFailures caches every failure, as Ktor does;
//   - a write of the value already stored is skipped (Ktor 3 reads first and
//     returns when equal; Ktor 1.x always wrote), otherwise the entry is
//     dropped and the write goes to the delegate;
//   - invalidate drops the entry, then invalidates the delegate.
//
// Ktor also holds values by soft reference, so the JVM may drop them early;
// here they stay until they expire.
type Cache struct {
	delegate Storage
	idle     time.Duration
	now      func() time.Time
	all      bool // RememberAllFailures

	mu        sync.Mutex
	entries   map[string]*cacheEntry
	lastSweep time.Time
}

type cacheEntry struct {
	done       chan struct{} // closed when value/err are set
	value      string
	err        error
	lastAccess time.Time
}

// NewCache wraps d; idle <= 0 means DefaultCacheIdle.
func NewCache(d Storage, idle time.Duration) *Cache { return NewCacheWith(d, CacheOptions{Idle: idle}) }

// CacheOptions configure a Cache.
type CacheOptions struct {
	// Idle is how long an entry lives after its last read; <= 0 means
	// DefaultCacheIdle.
	Idle time.Duration
	// RememberAllFailures caches every failed read, as Ktor's CacheStorage
	// does in every release (its cache keeps the failed Deferred, whatever
	// the exception): an I/O failure of the delegate is answered again to
	// every read of that id, without asking the delegate, until the id is
	// written through this cache, invalidated, or left idle for Idle (each
	// read touches the entry, so an id read again and again keeps failing).
	// As in Ktor, where the read runs outside the caller's Job, the
	// delegate's read is not cancelled with the caller's context. The
	// default caches only ErrNotFound and ErrEmpty.
	RememberAllFailures bool
}

// NewCacheWith wraps d with the options o.
func NewCacheWith(d Storage, o CacheOptions) *Cache {
	if o.Idle <= 0 {
		o.Idle = DefaultCacheIdle
	}
	return &Cache{delegate: d, idle: o.Idle, now: time.Now, all: o.RememberAllFailures, entries: map[string]*cacheEntry{}}
}

// Delegate returns the wrapped storage.
func (c *Cache) Delegate() Storage { return c.delegate }

func (c *Cache) Read(ctx context.Context, id string) (string, error) {
	for {
		now := c.now()
		c.mu.Lock()
		c.sweepLocked(now)
		e, ok := c.entries[id]
		if ok && e.isDone() && now.Sub(e.lastAccess) >= c.idle {
			delete(c.entries, id)
			ok = false
		}
		if ok {
			e.lastAccess = now
			c.mu.Unlock()
			select {
			case <-e.done:
			case <-ctx.Done():
				return "", &Error{Store: "cache", Op: "read", ID: id, Err: ctx.Err()}
			}
			if e.err != nil && !c.cacheable(e.err) {
				// the reader that computed it failed transiently: try again ourselves
				c.mu.Lock()
				if c.entries[id] == e {
					delete(c.entries, id)
				}
				c.mu.Unlock()
				if ctx.Err() != nil {
					return "", e.err
				}
				continue
			}
			return e.value, e.err
		}
		e = &cacheEntry{done: make(chan struct{}), lastAccess: now}
		c.entries[id] = e
		c.mu.Unlock()

		rctx := ctx
		if c.all {
			rctx = context.WithoutCancel(ctx)
		}
		e.value, e.err = c.delegate.Read(rctx, id)
		close(e.done)
		if e.err != nil && !c.cacheable(e.err) {
			c.mu.Lock()
			if c.entries[id] == e {
				delete(c.entries, id)
			}
			c.mu.Unlock()
		}
		return e.value, e.err
	}
}

func (e *cacheEntry) isDone() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (c *Cache) cacheable(err error) bool {
	return c.all || errors.Is(err, ErrNotFound) || errors.Is(err, ErrEmpty)
}

// sweepLocked drops expired entries, at most twice per idle period, so ids
// never read again do not pile up.
func (c *Cache) sweepLocked(now time.Time) {
	if now.Sub(c.lastSweep) < c.idle/2 {
		return
	}
	c.lastSweep = now
	for id, e := range c.entries {
		if e.isDone() && now.Sub(e.lastAccess) >= c.idle {
			delete(c.entries, id)
		}
	}
}

func (c *Cache) drop(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

func (c *Cache) Write(ctx context.Context, id, value string) error {
	if cur, err := c.Read(ctx, id); err == nil && cur == value {
		return nil
	}
	c.drop(id)
	return c.delegate.Write(ctx, id, value)
}

func (c *Cache) Invalidate(ctx context.Context, id string) error {
	c.drop(id)
	return c.delegate.Invalidate(ctx, id)
}

// Len returns the number of cached entries (values and cached failures).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Walk walks the delegate, if it can.
func (c *Cache) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	w, ok := c.delegate.(Walker)
	if !ok {
		return &Error{Store: "cache", Op: "walk", Err: errors.New("the wrapped storage cannot enumerate")}
	}
	return w.Walk(ctx, o, fn)
}

// InvalidateMany drops the ids from the cache and invalidates them in the delegate.
// A delegate that cannot remove in batches is invalidated id by id, each
// counted as removed (Storage.Invalidate does not say whether it was there).
func (c *Cache) InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error) {
	c.mu.Lock()
	for _, id := range ids {
		delete(c.entries, id)
	}
	c.mu.Unlock()
	if b, ok := c.delegate.(BatchInvalidator); ok {
		return b.InvalidateMany(ctx, ids)
	}
	out := make([]Outcome, len(ids))
	for i, id := range ids {
		if err := c.delegate.Invalidate(ctx, id); err != nil {
			return resultOf(out), err
		}
		out[i] = OutcomeRemoved
	}
	return resultOf(out), nil
}

// RemoveUnchanged drops the entries from the cache and removes them from the
// delegate, which must be a ConditionalRemover.
func (c *Cache) RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error) {
	cr, ok := c.delegate.(ConditionalRemover)
	if !ok {
		return RemoveResult{}, &Error{Store: "cache", Op: "purge", Err: errors.New("the wrapped storage cannot remove conditionally")}
	}
	c.mu.Lock()
	for _, e := range entries {
		delete(c.entries, e.ID)
	}
	c.mu.Unlock()
	return cr.RemoveUnchanged(ctx, entries)
}

// Lookup reads through to the delegate (not through the cache), if it can.
func (c *Cache) Lookup(ctx context.Context, id string, withValue bool) (Entry, error) {
	l, ok := c.delegate.(Lookuper)
	if !ok {
		return Entry{}, &Error{Store: "cache", Op: "read", ID: id, Err: errors.New("the wrapped storage cannot look sessions up")}
	}
	return l.Lookup(ctx, id, withValue)
}
