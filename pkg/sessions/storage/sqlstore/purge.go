package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// PurgeMatching removes the rows that match o's id prefix and ages in the database itself, a
// range of the table's blocks at a time (PostgreSQL 14+: a TID range scan, one pass over the
// table, as a plain DELETE … WHERE makes), each range in its own transaction: DELETE … WHERE the
// filters (… RETURNING the id and the updated column with r.IDs), then COMMIT. The filters are
// evaluated by the server on each row as it deletes it (under PostgreSQL's READ COMMITTED, on the
// row's newest version), so a row the application rewrites meanwhile is judged as it is then:
// removal only of what matches at the moment it is removed, nothing that was rewritten since. The
// counts are exact: the rows a range's DELETE removed (its row count, or the rows RETURNING
// names) are Removed once COMMIT succeeds, Unknown if the COMMIT's answer is lost; a failed DELETE
// removed nothing. Without r.IDs the bytes are not counted (Purged.Bytes -1). r says what is
// reported of the rows removed. It returns storage.ErrNotSetBased when it cannot do the purge;
// nothing is removed then.
func (s *Store) PurgeMatching(ctx context.Context, o storage.WalkOptions, r storage.PurgeReport) (storage.Purged, error) {
	var p storage.Purged
	if s.d != Postgres || o.Limit > 0 {
		return p, storage.ErrNotSetBased
	}
	ages := o.OlderThan > 0 || o.NewerThan > 0
	if ages && s.upd == "" {
		return p, s.err("purge", "", fmt.Errorf("%w: an age filter needs the updated column (updated_column=…)", storage.ErrConfig))
	}
	var version int
	if err := s.db.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return p, s.err("purge", "", err)
	}
	if version < 140000 {
		return p, storage.ErrNotSetBased // no TID range scans: each range would scan the whole table
	}
	// only a plain table has its rows in its own blocks (a partitioned table's are in its
	// partitions, a view has none): anything else would purge nothing and say so
	var kind string
	if err := s.db.QueryRowContext(ctx, "SELECT relkind::text FROM pg_class WHERE oid = CAST($1 AS regclass)", s.table).Scan(&kind); err != nil {
		return p, s.err("purge", "", err)
	}
	if kind != "r" {
		return p, storage.ErrNotSetBased
	}
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	var conds []string
	args := []any{nil, nil} // $1, $2: the block range
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if o.IDPrefix != "" {
		// LIKE for an index, starts_with for the exact test (as the walk's)
		args = append(args, escapeLike(o.IDPrefix), o.IDPrefix)
		conds = append(conds, fmt.Sprintf("%s LIKE $%d ESCAPE '!' AND starts_with(CAST(%s AS text), $%d)", s.id, len(args)-1, s.id, len(args)))
	}
	if o.OlderThan > 0 {
		add(s.upd+" < ?", s.exactBound(o.Now.Add(-o.OlderThan)))
	}
	if o.NewerThan > 0 {
		add(s.upd+" > ?", s.exactBound(o.Now.Add(-o.NewerThan)))
	}
	where := "ctid >= $1::tid AND ctid < $2::tid"
	if len(conds) > 0 {
		where += " AND " + strings.Join(conds, " AND ")
	}
	ret := []string{"COALESCE(" + s.d.octets(s.value) + ", 0)"}
	if r.IDs {
		ret = append(ret, s.id)
		if s.upd != "" {
			ret = append(ret, s.upd)
		}
	}
	q := "DELETE FROM " + s.table + " WHERE " + where + " RETURNING " + strings.Join(ret, ", ")
	if !r.IDs {
		// no RETURNING: the command tag's row count; RETURNING anything (even into a counting
		// WITH) costs about half a plain DELETE's time again, so the bytes are not counted
		q = "DELETE FROM " + s.table + " WHERE " + where
		p.Bytes = -1
	}
	blocks := func() (int64, error) {
		var n int64
		err := s.db.QueryRowContext(ctx, "SELECT pg_relation_size(CAST($1 AS regclass)) / current_setting('block_size')::int", s.table).Scan(&n)
		return n, err
	}
	step := int64(s.RangeBlocks)
	if step <= 0 {
		step = 1024
	}
	end, err := blocks()
	if err != nil {
		return p, s.err("purge", "", err)
	}
	var buf []storage.Entry
	for lo := int64(0); lo < end; lo += step {
		if err := ctx.Err(); err != nil {
			return p, s.err("purge", "", err)
		}
		args[0], args[1] = fmt.Sprintf("(%d,0)", lo), fmt.Sprintf("(%d,0)", lo+step)
		var err error
		var rows int
		var bytes int64
		if r.IDs {
			buf, err = s.deleteRange(ctx, q, args, buf[:0])
			rows = len(buf)
			for _, e := range buf {
				bytes += e.Size
			}
		} else {
			rows, err = s.deleteRangeCounted(ctx, q, args)
			bytes = -1
		}
		switch {
		case errors.Is(err, errCommitUnknown):
			p.Unknown += rows
			return p, s.err("purge", "", err)
		case err != nil:
			return p, s.err("purge", "", err)
		}
		p.Removed += rows
		if bytes >= 0 {
			p.Bytes += bytes
		}
		if r.Counted != nil {
			r.Counted(rows, bytes)
		}
		if r.Removed != nil && r.IDs {
			r.Removed(buf)
		}
		if lo+step >= end { // the table may have grown meanwhile: go on to its new end
			if end, err = blocks(); err != nil {
				return p, s.err("purge", "", err)
			}
		}
	}
	return p, nil
}

// deleteRange runs one range's DELETE … RETURNING in a transaction and appends the rows it
// deleted to buf: removed if err is nil, unknown with errCommitUnknown, none with any other error.
func (s *Store) deleteRange(ctx context.Context, q string, args []any, buf []storage.Entry) ([]storage.Entry, error) {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := storage.Entry{TTL: -1}
			var upd any
			dest := []any{&e.Size, &e.ID}
			if s.upd != "" {
				dest = append(dest, &upd)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if upd != nil {
				if t, ok, err := parseTime(upd, s.m.UpdatedUnit); ok && err == nil {
					e.Modified = t
				}
			}
			buf = append(buf, e)
		}
		return rows.Err()
	})
	if err != nil && !errors.Is(err, errCommitUnknown) {
		return buf[:0], err
	}
	return buf, err
}

// deleteRangeCounted runs one range's plain DELETE in a transaction and returns the rows it
// deleted (the command tag's count): removed if err is nil, unknown with errCommitUnknown.
func (s *Store) deleteRangeCounted(ctx context.Context, q string, args []any) (int, error) {
	var rows int64
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		rows, err = res.RowsAffected()
		return err
	})
	if err != nil && !errors.Is(err, errCommitUnknown) {
		return 0, err
	}
	return int(rows), err
}

// inTx runs body in a transaction under the statement context and commits it: body's error
// rolls it back and is returned as it is; a failed COMMIT is classified by commitErr.
func (s *Store) inTx(ctx context.Context, body func(context.Context, *sql.Tx) error) error {
	sctx, done := s.statementContext(ctx)
	defer done()
	tx, err := s.db.BeginTx(sctx, nil)
	if err != nil {
		return err
	}
	if err := body(sctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	return commitErr(tx.Commit())
}

// exactBound is a time bound for the server's exact test: the same instant the walk's exact
// test uses (epoch units: the column's whole numbers compare as the walk's test does).
func (s *Store) exactBound(t time.Time) any {
	switch s.m.UpdatedUnit {
	case Seconds:
		// mod < t  ⇔  secs*1e9 < t  ⇔  secs < ceil(t/1s)
		sec := t.Unix()
		if t.Nanosecond() > 0 {
			sec++
		}
		return sec
	case Millis:
		ms := t.UnixMilli()
		if t.Nanosecond()%int(time.Millisecond) > 0 {
			ms++
		}
		return ms
	}
	return s.timeArg(t, Timestamp)
}
