package storage

import (
	"context"
	"encoding/binary"
	"sort"
	"sync"
	"time"
)

// Memory is Ktor's SessionStorageMemory: a map, for development and tests.
// Like Ktor's it accepts any id, even the empty one. It is safe for
// concurrent use.
type Memory struct {
	mu       sync.RWMutex
	sessions map[string]memEntry
	now      func() time.Time
	writes   uint64 // the Version of the last write
}

type memEntry struct {
	value    string
	modified time.Time
	version  uint64
}

func memVersion(n uint64) Version {
	var v Version
	binary.LittleEndian.PutUint64(v[:], n)
	return v
}

// NewMemory returns an empty memory storage.
func NewMemory() *Memory { return &Memory{sessions: map[string]memEntry{}, now: time.Now} }

func (m *Memory) Write(ctx context.Context, id, value string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Store: "memory", Op: "write", ID: id, Err: err}
	}
	m.mu.Lock()
	m.writes++
	m.sessions[id] = memEntry{value, m.now(), m.writes}
	m.mu.Unlock()
	return nil
}

func (m *Memory) Read(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &Error{Store: "memory", Op: "read", ID: id, Err: err}
	}
	m.mu.RLock()
	e, ok := m.sessions[id]
	m.mu.RUnlock()
	if !ok {
		return "", &Error{Store: "memory", Op: "read", ID: id, Err: ErrNotFound}
	}
	return e.value, nil
}

func (m *Memory) Invalidate(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Store: "memory", Op: "invalidate", ID: id, Err: err}
	}
	m.mu.Lock()
	delete(m.sessions, id)
	m.mu.Unlock()
	return nil
}

// InvalidateMany removes ids and counts the ones that were there.
func (m *Memory) InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error) {
	return m.remove(ctx, len(ids), func(i int) (string, Version) { return ids[i], Version{} })
}

// RemoveUnchanged removes the entries that were not written since the walk
// that yielded them.
func (m *Memory) RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error) {
	return m.remove(ctx, len(entries), func(i int) (string, Version) { return entries[i].ID, entries[i].Version })
}

func (m *Memory) remove(ctx context.Context, n int, item func(int) (string, Version)) (RemoveResult, error) {
	out := make([]Outcome, n)
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range n {
		if err := ctx.Err(); err != nil {
			return resultOf(out), &Error{Store: "memory", Op: "purge", Err: err}
		}
		id, want := item(i)
		e, ok := m.sessions[id]
		switch {
		case !ok:
			out[i] = OutcomeMissing
		case want != (Version{}) && memVersion(e.version) != want:
			out[i] = OutcomeChanged
		default:
			delete(m.sessions, id)
			out[i] = OutcomeRemoved
		}
	}
	return resultOf(out), nil
}

// Lookup returns the entry of id.
func (m *Memory) Lookup(ctx context.Context, id string, withValue bool) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, &Error{Store: "memory", Op: "read", ID: id, Err: err}
	}
	m.mu.RLock()
	e, ok := m.sessions[id]
	m.mu.RUnlock()
	if !ok {
		return Entry{}, &Error{Store: "memory", Op: "read", ID: id, Err: ErrNotFound}
	}
	en := Entry{ID: id, Size: int64(len(e.value)), Modified: e.modified, TTL: -1, Version: memVersion(e.version)}
	if withValue {
		en.Value = e.value
	}
	return en, nil
}

// Walk yields a snapshot of the sessions; Modified is the time of the last write.
func (m *Memory) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	mt := o.matcher()
	m.mu.RLock()
	entries := make([]Entry, 0, len(m.sessions))
	for id, e := range m.sessions {
		if mt.id(id) && mt.age(e.modified) {
			en := Entry{ID: id, Size: int64(len(e.value)), Modified: e.modified, TTL: -1, Version: memVersion(e.version)}
			if o.WithValue {
				en.Value = e.value
			}
			entries = append(entries, en)
		}
	}
	total := int64(len(m.sessions))
	m.mu.RUnlock()
	if o.Sorted {
		sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	}
	var matched int64
	defer func() {
		if o.Stats != nil {
			*o.Stats = WalkStats{Files: total, Matched: matched}
		}
	}()
	for _, e := range entries {
		if o.Limit > 0 && matched >= int64(o.Limit) {
			break
		}
		if err := ctx.Err(); err != nil {
			return &Error{Store: "memory", Op: "walk", Err: err}
		}
		matched++
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
