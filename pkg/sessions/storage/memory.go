package storage

import (
	"context"
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
}

type memEntry struct {
	value    string
	modified time.Time
}

// NewMemory returns an empty memory storage.
func NewMemory() *Memory { return &Memory{sessions: map[string]memEntry{}, now: time.Now} }

func (m *Memory) Write(ctx context.Context, id, value string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Store: "memory", Op: "write", ID: id, Err: err}
	}
	m.mu.Lock()
	m.sessions[id] = memEntry{value, m.now()}
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
func (m *Memory) InvalidateMany(ctx context.Context, ids []string) (int, error) {
	n := 0
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, &Error{Store: "memory", Op: "purge", Err: err}
		}
		if _, ok := m.sessions[id]; ok {
			delete(m.sessions, id)
			n++
		}
	}
	return n, nil
}

// Walk yields a snapshot of the sessions; Modified is the time of the last write.
func (m *Memory) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	mt := o.matcher()
	m.mu.RLock()
	entries := make([]Entry, 0, len(m.sessions))
	for id, e := range m.sessions {
		if mt.id(id) && mt.age(e.modified) {
			en := Entry{ID: id, Size: int64(len(e.value)), Modified: e.modified, TTL: -1}
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
