package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// row is one row of a walk page.
type row struct {
	id   string
	size int64
	raw  []byte // the stored value, with WithValue
	upd  any
	tok  string // the updated column as text ("" for NULL)
	dig  []byte // the digest of the stored value (SQLite: the value itself)
	exp  any
}

// Walk reads the table in pages of PageSize rows in id order (keyset pages:
// WHERE id > the last one, ORDER BY id LIMIT n), so entries come sorted and no
// cursor stays open while fn runs. Ages are those of the updated column:
// without one, OlderThan and NewerThan are an error; a row whose updated
// column is NULL or cannot be read has no age, and a walk with an age filter
// skips it (Stats.Skipped). The id prefix and the age filters are applied in
// the query where the dialect allows (an index can serve them) and again
// exactly on each row. Each Entry carries a Version for RemoveUnchanged (a
// SHA-256 of the updated column as the server renders it and the MD5 of the
// stored value as the server computes it; SQLite, which has no MD5: the value). A walk
// only reads.
func (s *Store) Walk(ctx context.Context, o storage.WalkOptions, fn func(storage.Entry) error) error {
	ages := o.OlderThan > 0 || o.NewerThan > 0
	if ages && s.upd == "" {
		return s.err("walk", "", fmt.Errorf("%w: an age filter needs the updated column (updated_column=…)", storage.ErrConfig))
	}
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	var st storage.WalkStats
	defer func() {
		if o.Stats != nil {
			*o.Stats = st
		}
	}()
	page := s.PageSize
	if page <= 0 {
		page = 5000
	}
	if o.WithValue {
		page = min(page, 1000)
	}
	q, fixed := s.walkQuery(o, page)
	now := s.now()
	var last *string
	buf := make([]row, 0, page)
	for {
		if err := ctx.Err(); err != nil {
			return s.err("walk", "", err)
		}
		args := append([]any(nil), fixed...)
		query := q.first
		if last != nil {
			query = q.next
			args = append([]any{*last}, args...)
		}
		var err error
		buf, err = s.readPage(ctx, query, args, o.WithValue, buf[:0])
		if err != nil {
			return err
		}
		for i := range buf {
			r := &buf[i]
			st.Files++
			e := storage.Entry{ID: r.id, Size: r.size, TTL: -1}
			known := false
			if s.upd != "" {
				t, ok, err := parseTime(r.upd, s.m.UpdatedUnit)
				switch {
				case err != nil && ages:
					st.Skipped++
					continue
				case ok && err == nil:
					e.Modified, known = t, true
				}
			}
			if ages && !known {
				st.Skipped++
				continue
			}
			if s.exp != "" {
				if t, ok, err := parseTime(r.exp, s.m.ExpiresUnit); ok && err == nil {
					e.TTL = max(t.Sub(now), 0)
				}
			}
			if !o.Match(e) {
				continue
			}
			if o.WithValue {
				v, err := s.decode(r.raw)
				if err != nil {
					v = string(r.raw) // a caller decoding it fails and says so
				}
				e.Value = v
			}
			e.Version = s.version(r)
			if o.Limit > 0 && st.Matched >= int64(o.Limit) {
				return nil
			}
			st.Matched++
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(buf) < page {
			return nil
		}
		id := buf[len(buf)-1].id
		last = &id
	}
}

type walkSQL struct{ first, next string }

// rowColumns are the columns of a row readPage reads, in its order: the id, the value (or its
// size), the updated column with its text, the expires column, and the value's digest.
func (s *Store) rowColumns(withValue bool) []string {
	cols := []string{s.id}
	if withValue {
		cols = append(cols, s.value)
	} else {
		cols = append(cols, "COALESCE("+s.d.octets(s.value)+", 0)")
	}
	if s.upd != "" {
		cols = append(cols, s.upd, "COALESCE("+s.d.asText(s.upd)+", '')")
	}
	if s.exp != "" {
		cols = append(cols, s.exp)
	}
	return append(cols, s.digest())
}

// walkQuery builds the page query (and its version after a given id, whose
// argument comes first) with the fixed arguments of the filters.
func (s *Store) walkQuery(o storage.WalkOptions, page int) (walkSQL, []any) {
	cols := s.rowColumns(o.WithValue)
	// conds builds the filters with placeholders numbered from n
	conds := func(n int) (string, []any) {
		var cs []string
		var args []any
		add := func(cond string, arg any) {
			cs = append(cs, strings.ReplaceAll(cond, "?", s.d.ph(n)))
			args = append(args, arg)
			n++
		}
		if o.IDPrefix != "" {
			if s.d == MySQL {
				// compared as bytes: under a PAD SPACE collation (utf8mb4_general_ci…) MySQL's
				// and MariaDB's index range for LIKE 'ev%' starts after 'ev' padded with
				// spaces and misses 'ev' followed by a byte below the space (a newline)
				add("CAST("+s.id+" AS BINARY) LIKE ? ESCAPE '!'", escapeLike(o.IDPrefix))
			} else {
				add(s.id+" LIKE ? ESCAPE '!'", escapeLike(o.IDPrefix))
			}
		}
		// the age filters in the query: a superset of what the exact test on
		// each row keeps (epoch units are whole numbers); SQLite's timestamps
		// are text in whatever format the application chose, so they are left
		// to that test
		if s.upd != "" && !(s.d == SQLite && s.m.UpdatedUnit == Timestamp) {
			if o.OlderThan > 0 {
				add(s.upd+" < ?", s.boundArg(o.Now.Add(-o.OlderThan), +1))
			}
			if o.NewerThan > 0 {
				add(s.upd+" > ?", s.boundArg(o.Now.Add(-o.NewerThan), -1))
			}
		}
		return strings.Join(cs, " AND "), args
	}
	tail := " ORDER BY " + s.id + " LIMIT " + fmt.Sprint(page)
	base := "SELECT " + strings.Join(cols, ", ") + " FROM " + s.table
	w1, args := conds(1)
	w2, _ := conds(2) // after $1, the last id of the previous page
	first, next := base, base+" WHERE "+s.id+" > "+s.d.ph(1)
	if w1 != "" {
		first += " WHERE " + w1
		next += " AND " + w2
	}
	return walkSQL{first + tail, next + tail}, args
}

// boundArg is a time bound for the query, moved by one unit (dir) so that the
// query keeps a superset of the exact test.
func (s *Store) boundArg(t time.Time, dir int) any {
	switch s.m.UpdatedUnit {
	case Seconds:
		return t.Unix() + int64(dir)
	case Millis:
		return t.UnixMilli() + int64(dir)
	}
	return s.timeArg(t.Add(time.Duration(dir)*time.Microsecond), Timestamp)
}

func (s *Store) readPage(ctx context.Context, q string, args []any, withValue bool, buf []row) ([]row, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return buf, s.err("walk", "", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		var size any
		dest := []any{&r.id}
		if withValue {
			dest = append(dest, &r.raw)
		} else {
			dest = append(dest, &size)
		}
		if s.upd != "" {
			dest = append(dest, &r.upd, &r.tok)
		}
		if s.exp != "" {
			dest = append(dest, &r.exp)
		}
		dest = append(dest, &r.dig)
		if err := rows.Scan(dest...); err != nil {
			return buf, s.err("walk", "", err)
		}
		if withValue {
			r.size = int64(len(r.raw))
		} else {
			r.size = toInt(size)
		}
		buf = append(buf, r)
	}
	if err := rows.Err(); err != nil {
		return buf, s.err("walk", "", err)
	}
	return buf, nil
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		var n int64
		fmt.Sscan(string(x), &n)
		return n
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	return 0
}

// digest is the SQL of what stands for the stored value in a Version.
func (s *Store) digest() string {
	switch s.d {
	case Postgres:
		if s.binary {
			return "COALESCE(md5(" + s.value + "), '')"
		}
		return "COALESCE(md5(CAST(" + s.value + " AS text)), '')"
	case MySQL:
		return "COALESCE(MD5(" + s.value + "), '')"
	}
	return "COALESCE(CAST(" + s.value + " AS BLOB), X'')"
}
