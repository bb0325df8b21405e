package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Lookup reads the row of id with what a walk gives of it (size, the time of
// the updated column, the time left before the expires column, Version) and,
// withValue, its session text. No row, or one that has expired, is an error
// wrapping ErrNotFound, as for Read. A lookup only reads.
func (s *Store) Lookup(ctx context.Context, id string, withValue bool) (storage.Entry, error) {
	if err := s.ValidateID(id); err != nil {
		return storage.Entry{}, s.err("read", id, err)
	}
	q := "SELECT " + strings.Join(s.rowColumns(withValue), ", ") + " FROM " + s.table + " WHERE " + s.idEquals(1)
	rows, err := s.readPage(ctx, q, s.idArgs(id), withValue, nil)
	if err != nil {
		return storage.Entry{}, err
	}
	if len(rows) == 0 {
		return storage.Entry{}, s.err("read", id, storage.ErrNotFound)
	}
	r := &rows[0]
	e := storage.Entry{ID: r.id, Size: r.size, TTL: -1, Version: s.version(r)}
	if s.upd != "" {
		if t, ok, err := parseTime(r.upd, s.m.UpdatedUnit); ok && err == nil {
			e.Modified = t
		}
	}
	if s.exp != "" {
		t, ok, err := parseTime(r.exp, s.m.ExpiresUnit)
		if err != nil {
			return storage.Entry{}, s.err("read", id, fmt.Errorf("expires column: %v", err))
		}
		if ok {
			if !t.After(s.now()) {
				return storage.Entry{}, s.err("read", id, fmt.Errorf("%w (expired %s)", storage.ErrNotFound, t.UTC().Format(time.RFC3339)))
			}
			e.TTL = t.Sub(s.now())
		}
	}
	if withValue {
		v, err := s.decode(r.raw)
		if err != nil {
			return storage.Entry{}, s.err("read", id, err)
		}
		e.Value = v
	}
	return e, nil
}
