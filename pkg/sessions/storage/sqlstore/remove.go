package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// version packs what a walk saw of a row into a storage.Version: the SHA-256
// of whether the store has an updated column, that column as the server
// renders it as text, and the value's digest (the server's MD5; SQLite: the
// value). The zero Version is never made (SHA-256 has no such output in
// practice), so it keeps meaning "unknown".
func (s *Store) version(r *row) storage.Version {
	h := sha256.New()
	if s.upd != "" {
		h.Write([]byte{'u'})
		h.Write([]byte(r.tok))
	} else {
		h.Write([]byte{'n'})
	}
	h.Write([]byte{0})
	h.Write(r.dig)
	var v storage.Version
	h.Sum(v[:0])
	return v
}

// ErrNoVersion: an entry given to RemoveUnchanged has no Version (it did not
// come from a walk).
var ErrNoVersion = errors.New("entry has no version (not from a walk of the store)")

// RemoveUnchanged removes each entry's row only if it is unchanged since the
// walk yielded it: same id, same updated column (as text) and same stored
// value (its MD5; SQLite: the bytes). Each batch of BatchSize entries is one
// transaction that locks the rows of its ids (SELECT … FOR UPDATE; SQLite:
// BEGIN IMMEDIATE, the whole file), compares each row with its entry's
// Version, deletes those that are unchanged and commits: a row rewritten
// after the walk is kept (OutcomeChanged), a row gone is OutcomeMissing, and
// no writer can change a row between the comparison and the DELETE. A batch
// that fails before its COMMIT removed nothing (its entries stay
// OutcomeNone); a COMMIT whose answer is lost leaves the rows it was deleting
// OutcomeUnknown. After ctx is cancelled no new batch starts; the one under
// way runs on for Grace.
func (s *Store) RemoveUnchanged(ctx context.Context, entries []storage.Entry) (storage.RemoveResult, error) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		if e.Version == (storage.Version{}) {
			return storage.RemoveResult{Outcomes: make([]storage.Outcome, len(entries))}, s.err("purge", e.ID, ErrNoVersion)
		}
		if err := s.ValidateID(e.ID); err != nil {
			return storage.RemoveResult{Outcomes: make([]storage.Outcome, len(entries))}, s.err("purge", e.ID, err)
		}
		ids[i] = e.ID
	}
	return s.removeBatches(ctx, ids, func(i int, v storage.Version) bool { return v == entries[i].Version })
}

// InvalidateMany removes the rows of ids (each OutcomeRemoved, or
// OutcomeMissing when there is none), in transactions of BatchSize ids as
// RemoveUnchanged does, so that each id's outcome is known. Bad ids refuse
// the whole call before anything is removed.
func (s *Store) InvalidateMany(ctx context.Context, ids []string) (storage.RemoveResult, error) {
	for _, id := range ids {
		if err := s.ValidateID(id); err != nil {
			return storage.RemoveResult{Outcomes: make([]storage.Outcome, len(ids))}, s.err("invalidate", id, err)
		}
	}
	return s.removeBatches(ctx, ids, nil)
}

// removeBatches removes ids in batches; want, when set, says whether the
// row of ids[i], whose Version is v now, is to go.
func (s *Store) removeBatches(ctx context.Context, ids []string, want func(i int, v storage.Version) bool) (storage.RemoveResult, error) {
	out := make([]storage.Outcome, len(ids))
	result := func() storage.RemoveResult {
		r := storage.RemoveResult{Outcomes: out}
		for _, o := range out {
			switch o {
			case storage.OutcomeRemoved:
				r.Removed++
			case storage.OutcomeChanged:
				r.Changed++
			case storage.OutcomeMissing:
				r.Missing++
			case storage.OutcomeUnknown:
				r.Unknown++
			}
		}
		return r
	}
	op := "invalidate"
	if want != nil {
		op = "purge"
	}
	for lo := 0; lo < len(ids); lo += s.batch() {
		if err := ctx.Err(); err != nil {
			return result(), s.err(op, "", err)
		}
		hi := min(lo+s.batch(), len(ids))
		var w func(int, storage.Version) bool
		if want != nil {
			w = func(i int, v storage.Version) bool { return want(lo+i, v) }
		}
		if err := s.removeBatch(ctx, ids[lo:hi], w, out[lo:hi]); err != nil {
			return result(), s.err(op, "", err)
		}
	}
	return result(), nil
}

// errCommitUnknown: the COMMIT was sent and its answer was lost.
var errCommitUnknown = errors.New("the COMMIT's outcome is unknown (connection lost)")

// commitErr classifies the error of a COMMIT: nil stays nil; an answer of the server (a
// refusal: rolled back) or a transaction already ended is returned as it is; anything else
// (the connection lost before the answer) is errCommitUnknown.
func commitErr(err error) error {
	if err == nil || refused(err) || errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return fmt.Errorf("%w: %v", errCommitUnknown, err)
}

// removeBatch is one batch's transaction; out gets each id's outcome.
func (s *Store) removeBatch(ctx context.Context, ids []string, want func(int, storage.Version) bool, out []storage.Outcome) error {
	sctx, done := s.statementContext(ctx)
	defer done()
	conn, err := s.db.Conn(sctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	begin, lock := "BEGIN", " FOR UPDATE"
	if s.d == SQLite {
		begin, lock = "BEGIN IMMEDIATE", ""
	}
	if _, err := conn.ExecContext(sctx, begin); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			// nothing was committed: a failed ROLLBACK (a lost connection)
			// ends the transaction on the server just the same
			conn.ExecContext(context.WithoutCancel(sctx), "ROLLBACK")
		}
	}()
	q, args := s.selectIDs(ids)
	rows, err := conn.QueryContext(sctx, q+lock, args...)
	if err != nil {
		return err
	}
	now := map[string]storage.Version{}
	for rows.Next() {
		var r row
		dest := []any{&r.id}
		if s.upd != "" {
			dest = append(dest, &r.tok)
		}
		dest = append(dest, &r.dig)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		now[r.id] = s.version(&r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var del []string
	var at []int
	decided := make([]storage.Outcome, len(ids))
	for i, id := range ids {
		v, ok := now[id]
		switch {
		case !ok:
			decided[i] = storage.OutcomeMissing
		case want != nil && !want(i, v):
			decided[i] = storage.OutcomeChanged
		default:
			del, at = append(del, id), append(at, i)
			delete(now, id) // an id given twice is removed once
		}
	}
	if len(del) > 0 {
		q, args := s.deleteIDs(del)
		res, err := conn.ExecContext(sctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(del)) {
			// the rows were locked: anything else means the lock did not hold
			return fmt.Errorf("deleted %d of %d locked rows (rolled back): %v", n, len(del), err)
		}
	}
	_, err = conn.ExecContext(sctx, "COMMIT")
	committed = true
	if err := commitErr(err); err != nil {
		if !errors.Is(err, errCommitUnknown) {
			return err // the server answered: rolled back
		}
		copy(out, decided)
		for _, i := range at {
			out[i] = storage.OutcomeUnknown
		}
		return err
	}
	copy(out, decided)
	for _, i := range at {
		out[i] = storage.OutcomeRemoved
	}
	return nil
}

// selectIDs is the query of the rows of ids with what makes their Version.
func (s *Store) selectIDs(ids []string) (string, []any) {
	cols := []string{s.id}
	if s.upd != "" {
		cols = append(cols, "COALESCE("+s.d.asText(s.upd)+", '')")
	}
	cols = append(cols, s.digest())
	q, args := s.whereIDs(ids)
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + s.table + " WHERE " + q, args
}

func (s *Store) batch() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return 1000
}

func (s *Store) deleteIDs(ids []string) (string, []any) {
	q, args := s.whereIDs(ids)
	return "DELETE FROM " + s.table + " WHERE " + q, args
}

// whereIDs finds the rows of ids exactly (MySQL's usual collations would also
// find an id in another case).
func (s *Store) whereIDs(ids []string) (string, []any) {
	if s.d == Postgres {
		return s.id + " = ANY($1)", []any{ids}
	}
	q := s.id + " IN (" + marks(len(ids)) + ")"
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	if s.d == MySQL {
		q += " AND CAST(" + s.id + " AS BINARY) IN (" + marks(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, []byte(id))
		}
	}
	return q, args
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

var (
	_ storage.Storage            = (*Store)(nil)
	_ storage.Walker             = (*Store)(nil)
	_ storage.BatchInvalidator   = (*Store)(nil)
	_ storage.ConditionalRemover = (*Store)(nil)
	_ storage.Lookuper           = (*Store)(nil)
	_ storage.IDValidator        = (*Store)(nil)
)
