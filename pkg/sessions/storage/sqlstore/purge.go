package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// PurgeMatching removes the rows that match o's id prefix and ages in the database itself, a
// range of the table at a time, each range in its own transaction: DELETE … WHERE the range and
// the filters, then COMMIT. PostgreSQL 14+: ranges of the table's blocks (a TID range scan, one
// pass over the table, as a plain DELETE … WHERE makes; … RETURNING the id and the updated column
// with r.IDs). MySQL, MariaDB and SQLite: ranges of RangeRows ids in the order of an index that
// starts with the id column (the bound read from the index, then DELETE … WHERE id > lo AND id <=
// hi AND the filters; with r.IDs on MySQL the range's matching rows are first read with SELECT …
// FOR UPDATE under REPEATABLE READ, which locks them and the range's gaps, and the DELETE must
// remove exactly those; SQLite, one writer at a time, has RETURNING). The filters are evaluated
// by the server on each row as it deletes it (on the row's newest version), so a row the
// application rewrites meanwhile is judged as it is then: removal only of what matches at the
// moment it is removed, nothing that was rewritten since. The counts are exact: the rows a range's
// DELETE removed (its row count, or the rows RETURNING names) are Removed once COMMIT succeeds,
// Unknown if the COMMIT's answer is lost; a failed DELETE removed nothing. Without r.IDs the bytes
// are not counted (Purged.Bytes -1). r says what is reported of the rows removed. It returns
// storage.ErrNotSetBased when it cannot do the purge (a limit; PostgreSQL before 14 or a table that
// is not plain; on MySQL and SQLite an id prefix, an id column without an index, or ages on an
// updated column the server would compare otherwise than the walk reads it); nothing is removed
// then.
func (s *Store) PurgeMatching(ctx context.Context, o storage.WalkOptions, r storage.PurgeReport) (storage.Purged, error) {
	var p storage.Purged
	if o.Limit > 0 {
		return p, storage.ErrNotSetBased
	}
	ages := o.OlderThan > 0 || o.NewerThan > 0
	if ages && s.upd == "" {
		return p, s.err("purge", "", fmt.Errorf("%w: an age filter needs the updated column (updated_column=…)", storage.ErrConfig))
	}
	var ranges rangeScan
	var err error
	switch s.d {
	case Postgres:
		ranges, err = s.blockRanges(ctx)
	case MySQL:
		ranges, err = s.keyRanges(ctx, o, ages)
	default:
		ranges, err = s.sqliteRanges(ctx, o, ages)
	}
	if err != nil {
		if errors.Is(err, storage.ErrNotSetBased) {
			return p, err
		}
		return p, s.err("purge", "", err)
	}
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	var conds []string
	var condArgs []any
	add := func(cond string, arg any) {
		condArgs = append(condArgs, arg)
		conds = append(conds, strings.ReplaceAll(cond, "?", s.d.ph(rangeArgs+len(condArgs))))
	}
	if o.IDPrefix != "" { // PostgreSQL only (keyRanges declines a prefix)
		// LIKE for an index, starts_with for the exact test (as the walk's)
		add(s.id+" LIKE ? ESCAPE '!'", escapeLike(o.IDPrefix))
		add("starts_with(CAST("+s.id+" AS text), ?)", o.IDPrefix)
	}
	upd := s.upd
	if s.d == SQLite && ages {
		// SQLite compares any text above any number: only numbers are compared, as the walk
		// reads them (a REAL truncated to its whole part, as the walk's int64 does)
		conds = append(conds, "typeof("+s.upd+") IN ('integer', 'real')")
		upd = "CAST(" + s.upd + " AS INTEGER)"
	}
	if o.OlderThan > 0 {
		add(upd+" < ?", s.exactBound(o.Now.Add(-o.OlderThan), false))
	}
	if o.NewerThan > 0 {
		add(upd+" > ?", s.exactBound(o.Now.Add(-o.NewerThan), true))
	}
	ret := []string{"COALESCE(" + s.d.octets(s.value) + ", 0)", s.id}
	if s.upd != "" {
		ret = append(ret, s.upd)
	}
	if !r.IDs {
		p.Bytes = -1
	}
	var buf []storage.Entry
	for {
		if err := ctx.Err(); err != nil {
			return p, s.err("purge", "", err)
		}
		pred, args, ok, err := ranges.next(ctx)
		if err != nil {
			return p, s.err("purge", "", err)
		}
		if !ok {
			return p, nil
		}
		where := strings.Join(append([]string{pred}, conds...), " AND ")
		args = append(args, condArgs...)
		var rows int
		var bytes int64 = -1
		switch {
		case !r.IDs:
			// no RETURNING: the command tag's row count; RETURNING anything (even into a
			// counting WITH) costs about half a plain DELETE's time again, so the bytes are
			// not counted
			rows, err = s.deleteRangeCounted(ctx, "DELETE FROM "+s.table+" WHERE "+where, args)
		case s.d != MySQL: // PostgreSQL; SQLite 3.35+
			buf, err = s.deleteRange(ctx, "DELETE FROM "+s.table+" WHERE "+where+" RETURNING "+strings.Join(ret, ", "), args, buf[:0])
		default:
			buf, err = s.deleteRangeLocked(ctx, where, strings.Join(ret, ", "), args, buf[:0])
		}
		if r.IDs {
			rows, bytes = len(buf), 0
			for _, e := range buf {
				bytes += e.Size
			}
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
	}
}

// rangeScan yields the ranges of a set-based purge, each as a predicate over the table's rows.
type rangeScan interface {
	// next is the next range's predicate (at most rangeArgs arguments) and its arguments; ok is
	// false when the table is done.
	next(ctx context.Context) (pred string, args []any, ok bool, err error)
}

// rangeArgs is how many arguments a range's predicate takes at most: the filters after it are
// numbered from rangeArgs+1 (PostgreSQL's $n).
const rangeArgs = 2

// rangeRows is RangeRows, or def when it is not set.
func (s *Store) rangeRows(def int) int {
	if s.RangeRows > 0 {
		return s.RangeRows
	}
	return def
}

// blockRanges: PostgreSQL 14+'s TID ranges of RangeBlocks blocks of a plain table.
func (s *Store) blockRanges(ctx context.Context) (rangeScan, error) {
	var version int
	if err := s.db.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return nil, err
	}
	if version < 140000 {
		return nil, storage.ErrNotSetBased // no TID range scans: each range would scan the whole table
	}
	// only a plain table has its rows in its own blocks (a partitioned table's are in its
	// partitions, a view has none): anything else would purge nothing and say so
	var kind string
	if err := s.db.QueryRowContext(ctx, "SELECT relkind::text FROM pg_class WHERE oid = CAST($1 AS regclass)", s.table).Scan(&kind); err != nil {
		return nil, err
	}
	if kind != "r" {
		return nil, storage.ErrNotSetBased
	}
	step := int64(s.RangeBlocks)
	if step <= 0 {
		step = 1024
	}
	return &spans{step: step, pred: "ctid >= $1::tid AND ctid < $2::tid",
		arg: func(n int64) any { return fmt.Sprintf("(%d,0)", n) },
		end: func(ctx context.Context) (int64, error) {
			var n int64
			err := s.db.QueryRowContext(ctx, "SELECT pg_relation_size(CAST($1 AS regclass)) / current_setting('block_size')::int", s.table).Scan(&n)
			return n, err
		}}, nil
}

// spans: ranges [lo, lo+step) of a position the rows are stored in order of (PostgreSQL's block
// numbers, SQLite's rowids), from 0 (the first range from floor) to the end of the table, read
// when the ranges reach it and again then: the table may have grown meanwhile.
type spans struct {
	step, lo, last int64
	floor          int64 // the first range's lower bound
	pred           string
	arg            func(int64) any
	end            func(context.Context) (int64, error) // the position past the last row
}

func (r *spans) next(ctx context.Context) (string, []any, bool, error) {
	if r.lo >= r.last {
		var err error
		if r.last, err = r.end(ctx); err != nil || r.lo >= r.last {
			return "", nil, false, err
		}
	}
	lo := r.lo
	if lo == 0 {
		lo = r.floor
	}
	r.lo += r.step
	return r.pred, []any{r.arg(lo), r.arg(r.lo)}, true, nil
}

// keyRanges: MySQL's and MariaDB's ranges of RangeRows ids in the id column's index order, the
// order and comparisons of the walk's keyset pages (the column's collation). It declines (no
// index starting with the id column: every bound would sort the table) an id prefix (LIKE follows
// the collation, the walk's test does not) and an updated column the server would compare
// otherwise than the walk reads it: for a timestamp unit only DATETIME and TIMESTAMP, for epoch
// units only integers (a text column would compare as text, or as a number from its leading
// digits).
func (s *Store) keyRanges(ctx context.Context, o storage.WalkOptions, ages bool) (rangeScan, error) {
	if o.IDPrefix != "" {
		return nil, storage.ErrNotSetBased
	}
	if ages {
		ok := false
		switch s.updType {
		case "DATETIME", "TIMESTAMP":
			ok = s.m.UpdatedUnit == Timestamp
		case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "UNSIGNED TINYINT", "UNSIGNED SMALLINT",
			"UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
			ok = s.m.UpdatedUnit != Timestamp
		}
		if !ok {
			return nil, storage.ErrNotSetBased
		}
	}
	rows, err := s.db.QueryContext(ctx, "SHOW INDEX FROM "+s.table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	colName, seq := -1, -1
	for i, c := range cols {
		switch strings.ToLower(c) {
		case "column_name":
			colName = i
		case "seq_in_index":
			seq = i
		}
	}
	if colName < 0 || seq < 0 {
		return nil, storage.ErrNotSetBased
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	indexed := false
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		// column names are case-insensitive in MySQL
		indexed = indexed || (string(vals[seq]) == "1" && strings.EqualFold(string(vals[colName]), s.m.IDColumn))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !indexed {
		return nil, storage.ErrNotSetBased
	}
	return &myKeys{s: s, step: s.rangeRows(5000)}, nil
}

// sqliteRanges: SQLite's ranges of RangeRows rowids (of ids, as keyRanges makes them, in a table
// without rowids), for a table with an index that starts with the id column (a TEXT PRIMARY KEY
// has one). It declines an id prefix
// (LIKE ignores ASCII case), ages on a timestamp unit (SQLite keeps timestamps as text, which
// compares as text, in whatever format the application wrote), and ages on an updated column
// holding anything but numbers (text the walk would read as a number would be kept).
func (s *Store) sqliteRanges(ctx context.Context, o storage.WalkOptions, ages bool) (rangeScan, error) {
	if o.IDPrefix != "" || (ages && s.m.UpdatedUnit == Timestamp) {
		return nil, storage.ErrNotSetBased
	}
	schema, table := "main", s.m.Table
	if i := strings.IndexByte(table, '.'); i >= 0 {
		schema, table = table[:i], table[i+1:]
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_index_list(?, ?) AS il, pragma_index_info(il.name, ?) AS ii
		WHERE ii.seqno = 0 AND ii.name = ? COLLATE NOCASE`, table, schema, schema, s.m.IDColumn).Scan(&n)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, storage.ErrNotSetBased
	}
	if ages {
		var other bool
		if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+s.table+" WHERE typeof("+s.upd+") NOT IN ('integer', 'real', 'null'))").Scan(&other); err != nil {
			return nil, err
		}
		if other {
			return nil, storage.ErrNotSetBased
		}
	}
	// a table with rowids keeps its rows in rowid order: ranges of rowids are ranges of the file
	// (ranges of ids would rewrite each page once per range that has a row in it: a
	// 200,000-row purge took 7-11 s against 1.3-2.2 s for the sqlite3 shell's one DELETE, and
	// 4.6-5.0 s by 5,000 rowids, since each range still rewrites most pages of the id's index).
	// The default range is 50,000 rowids (2.6-3.2 s): one writer holds the file for a range.
	// Without rowids (WITHOUT ROWID) the rows are in primary key order: ranges of ids; so too
	// when a column is named _rowid_ (it would stand for the rowid).
	var withoutRowid, shadowed int
	if err := s.db.QueryRowContext(ctx, "SELECT wr FROM pragma_table_list(?) WHERE schema = ? COLLATE NOCASE", table, schema).Scan(&withoutRowid); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info(?, ?) WHERE name = '_rowid_' COLLATE NOCASE", table, schema).Scan(&shadowed); err != nil {
		return nil, err
	}
	if withoutRowid != 0 || shadowed != 0 {
		return &myKeys{s: s, step: s.rangeRows(50000)}, nil
	}
	return &spans{step: int64(s.rangeRows(50000)), floor: math.MinInt64, // rowids may be negative
		pred: "_rowid_ >= ? AND _rowid_ < ?", arg: func(n int64) any { return n },
		end: func(ctx context.Context) (int64, error) {
			// past the largest rowid, and at least past 0: the first range, from the floor, is
			// read even when every rowid is negative
			var top sql.NullInt64
			err := s.db.QueryRowContext(ctx, "SELECT max(_rowid_) FROM "+s.table).Scan(&top)
			return max(top.Int64+1, 1), err
		}}, nil
}

type myKeys struct {
	s    *Store
	step int
	lo   *string // the last range's upper bound; nil before the first
	done bool
}

func (k *myKeys) next(ctx context.Context) (string, []any, bool, error) {
	if k.done {
		return "", nil, false, nil
	}
	q := "SELECT " + k.s.id + " FROM " + k.s.table
	var args []any
	if k.lo != nil {
		q += " WHERE " + k.s.id + " > ?"
		args = append(args, *k.lo)
	}
	var hi string
	err := k.s.db.QueryRowContext(ctx, q+" ORDER BY "+k.s.id+" LIMIT 1 OFFSET "+strconv.Itoa(k.step-1), args...).Scan(&hi)
	var pred []string
	if k.lo != nil {
		pred = append(pred, k.s.id+" > ?")
	}
	switch {
	case errors.Is(err, sql.ErrNoRows): // the last range: everything after lo, up to the end as it is then
		k.done = true
	case err != nil:
		return "", nil, false, err
	default:
		pred = append(pred, k.s.id+" <= ?")
		args = append(args, hi)
		k.lo = &hi
	}
	if len(pred) == 0 {
		pred = append(pred, "1 = 1")
	}
	return strings.Join(pred, " AND "), args, true, nil
}

// deleteRange runs one range's DELETE … RETURNING in a transaction and appends the rows it
// deleted to buf: removed if err is nil, unknown with errCommitUnknown, none with any other error.
func (s *Store) deleteRange(ctx context.Context, q string, args []any, buf []storage.Entry) ([]storage.Entry, error) {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		buf, err = s.scanPurged(rows, buf)
		return err
	}, nil)
	if err != nil && !errors.Is(err, errCommitUnknown) {
		return buf[:0], err
	}
	return buf, err
}

// deleteRangeLocked is deleteRange without RETURNING (MySQL, MariaDB): in one REPEATABLE READ
// transaction, SELECT … FOR UPDATE reads and locks the rows of where (and the gaps of its range,
// so no matching row can be inserted), then DELETE … WHERE removes them; a DELETE that removes
// another number of rows than were locked is rolled back (removed nothing) and an error.
func (s *Store) deleteRangeLocked(ctx context.Context, where, cols string, args []any, buf []storage.Entry) ([]storage.Entry, error) {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+cols+" FROM "+s.table+" WHERE "+where+" FOR UPDATE", args...)
		if err != nil {
			return err
		}
		if buf, err = s.scanPurged(rows, buf); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM "+s.table+" WHERE "+where, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n != int64(len(buf)) {
			err = fmt.Errorf("the DELETE of a range removed %d rows where %d were locked (rolled back)", n, len(buf))
		}
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil && !errors.Is(err, errCommitUnknown) {
		return buf[:0], err
	}
	return buf, err
}

// scanPurged appends the rows of a purge's RETURNING (or locking SELECT) to buf: the value's
// size, the id and, when the store has one, the updated column; it closes rows.
func (s *Store) scanPurged(rows *sql.Rows, buf []storage.Entry) ([]storage.Entry, error) {
	defer rows.Close()
	for rows.Next() {
		e := storage.Entry{TTL: -1}
		var upd any
		dest := []any{&e.Size, &e.ID}
		if s.upd != "" {
			dest = append(dest, &upd)
		}
		if err := rows.Scan(dest...); err != nil {
			return buf, err
		}
		if upd != nil {
			if t, ok, err := parseTime(upd, s.m.UpdatedUnit); ok && err == nil {
				e.Modified = t
			}
		}
		buf = append(buf, e)
	}
	return buf, rows.Err()
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
	}, nil)
	if err != nil && !errors.Is(err, errCommitUnknown) {
		return 0, err
	}
	return int(rows), err
}

// inTx runs body in a transaction (opts: nil = the server's default) under the statement
// context and commits it: body's error rolls it back and is returned as it is; a failed COMMIT
// is classified by commitErr.
func (s *Store) inTx(ctx context.Context, body func(context.Context, *sql.Tx) error, opts *sql.TxOptions) error {
	sctx, done := s.statementContext(ctx)
	defer done()
	tx, err := s.db.BeginTx(sctx, opts)
	if err != nil {
		return err
	}
	if err := body(sctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	return commitErr(tx.Commit())
}

// exactBound is a time bound for the server's exact test: the same answer the walk's exact
// test gives for every value the column can hold. The walk keeps a row when its time is < t
// (older than) or > t (newer than, after true); the column holds whole seconds, milliseconds or
// (timestamps) microseconds, so the bound is t rounded up to the column's unit for "<" (a value
// below t is below t rounded up) and rounded down for ">".
func (s *Store) exactBound(t time.Time, after bool) any {
	unit := time.Microsecond
	switch s.m.UpdatedUnit {
	case Seconds:
		unit = time.Second
	case Millis:
		unit = time.Millisecond
	}
	b := t.Truncate(unit)
	if !after && b.Before(t) {
		b = b.Add(unit)
	}
	return s.timeArg(b, s.m.UpdatedUnit)
}
