package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Store keeps sessions in a SQL table: one row per session, the id in
// IDColumn, the session text in ValueColumn (through the Mapping's Codec),
// and optionally the time of the last write and of expiry. It implements
// storage.Storage, Walker, BatchInvalidator, ConditionalRemover, Lookuper
// and IDValidator.
type Store struct {
	db      *sql.DB
	d       Dialect
	m       Mapping
	table   string // quoted
	id      string
	value   string
	upd     string // "" = no updated column
	exp     string // "" = no expires column
	binary  bool   // the value column holds bytes (bytea, BLOB, VARBINARY)
	updType string // the updated column's type as the driver names it ("DATETIME", "BIGINT")
	name    string
	ttl     time.Duration
	now     func() time.Time
	owned   bool // Close closes db

	// PageSize is how many rows one walk query reads (keyset pages in id
	// order, so no cursor stays open while the caller works); default 5000.
	PageSize int
	// BatchSize is how many sessions one DELETE removes; default 1000.
	BatchSize int
	// RangeBlocks is how many table blocks one set-based DELETE of PurgeMatching
	// covers (PostgreSQL's 8 KB pages: about 50,000 rows of 150 bytes); default 1024.
	RangeBlocks int
	// RangeRows is how many rows one set-based DELETE of PurgeMatching covers on
	// MySQL and MariaDB (a range of the id column's index; default 5000) and
	// SQLite (a range of rowids, or of ids in a WITHOUT ROWID table; default
	// 50000).
	RangeRows int
	// Grace is how long a DELETE under way is waited for after the caller's
	// context is cancelled, so that an interrupted purge knows what it
	// removed; past it the statement is cancelled and its outcome unknown.
	// Default 10 s.
	Grace time.Duration
}

// Options are the optional settings of New and Open.
type Options struct {
	// TTL sets the expires column to now + TTL on every write (0: the column is
	// not written).
	TTL time.Duration
	// Where names the server in messages ("127.0.0.1:5432/app"); Open sets it.
	Where string
	// Now is the clock of writes and reads (expiry); nil = time.Now.
	Now func() time.Time
	// Password is used by Open when the URL has none (so that it need not be on
	// a command line); PostgreSQL's driver also reads PGPASSWORD and ~/.pgpass.
	Password string
}

// New returns the store on db, whose dialect is d. It checks that the table
// and its columns exist (a query that reads no row), and whether the value
// column holds bytes.
func New(ctx context.Context, db *sql.DB, d Dialect, m Mapping, o Options) (*Store, error) {
	switch d {
	case Postgres, MySQL, SQLite:
	default:
		return nil, &storage.Error{Store: "sql", Op: "open", Err: fmt.Errorf("%w: dialect %q", storage.ErrConfig, string(d))}
	}
	if err := m.check(); err != nil {
		return nil, &storage.Error{Store: string(d), Op: "open", Err: err}
	}
	s := &Store{db: db, d: d, m: m, table: d.quote(m.Table), id: d.quote(m.IDColumn), value: d.quote(m.ValueColumn),
		ttl: o.TTL, now: o.Now, PageSize: 5000, BatchSize: 1000, Grace: 10 * time.Second}
	if m.UpdatedColumn != "" {
		s.upd = d.quote(m.UpdatedColumn)
	}
	if m.ExpiresColumn != "" {
		s.exp = d.quote(m.ExpiresColumn)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.name = string(d) + " "
	if o.Where != "" {
		s.name += o.Where + " "
	}
	s.name += "table " + m.Table
	cols := []string{s.id, s.value}
	for _, c := range []string{s.upd, s.exp} {
		if c != "" {
			cols = append(cols, c)
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+s.table+" WHERE 1 = 0")
	if err != nil {
		return nil, s.err("open", "", fmt.Errorf("columns %s: %w", strings.Join(cols, ", "), err))
	}
	types, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		return nil, s.err("open", "", err)
	}
	switch strings.ToUpper(types[1].DatabaseTypeName()) {
	case "BYTEA", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "VARBINARY", "BINARY":
		s.binary = true
	}
	if s.upd != "" {
		s.updType = strings.ToUpper(types[2].DatabaseTypeName())
	}
	return s, nil
}

// Open parses a store URL (see ParseURL), opens it with its database/sql
// driver, which the program must have registered (import _
// "github.com/jackc/pgx/v5/stdlib", _ "github.com/go-sql-driver/mysql" or _
// "modernc.org/sqlite"), and returns the store; Close closes the pool. A
// sqlite: file must exist (it is never created).
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	c, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	where := string(c.Dialect) + " " + c.Where
	found := false
	for _, d := range sql.Drivers() {
		found = found || d == c.Driver
	}
	if !found {
		return nil, &storage.Error{Store: where, Op: "open", Err: fmt.Errorf("%w: the database/sql driver %q is not in this program", storage.ErrConfig, c.Driver)}
	}
	if c.Dialect == SQLite {
		st, err := os.Stat(c.Where)
		if err != nil {
			return nil, &storage.Error{Store: where, Op: "open", Err: fmt.Errorf("%w (nothing was created)", err)}
		}
		if !st.Mode().IsRegular() {
			return nil, &storage.Error{Store: where, Op: "open", Err: fmt.Errorf("%w: not a regular file", storage.ErrConfig)}
		}
	}
	if o.Password != "" {
		if err := c.setPassword(o.Password); err != nil {
			return nil, &storage.Error{Store: where, Op: "open", Err: fmt.Errorf("%w: %v", storage.ErrConfig, err)}
		}
	}
	db, err := sql.Open(c.Driver, c.DSN)
	if err != nil {
		return nil, &storage.Error{Store: where, Op: "open", Err: fmt.Errorf("%w: %v", storage.ErrConfig, err)}
	}
	if c.Dialect == SQLite {
		db.SetMaxOpenConns(1) // one writer per file; walks read in pages, so one connection serves all
	}
	if o.Where == "" {
		o.Where = c.Where
	}
	s, err := New(ctx, db, c.Dialect, c.Mapping, o)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close closes the connection pool if Open opened it.
func (s *Store) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// Name names the store in messages: "postgres 127.0.0.1:5432/app table sessions".
func (s *Store) Name() string { return s.name }

// Mapping returns the table mapping.
func (s *Store) Mapping() Mapping { return s.m }

func (s *Store) err(op, id string, err error) error {
	if err == nil {
		return nil
	}
	return &storage.Error{Store: s.name, Op: op, ID: id, Err: err}
}

// ValidateID refuses the empty id, NUL and bytes that are not UTF-8 (no
// PostgreSQL text can hold them, and Ktor's ids are hex).
func (s *Store) ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: session id is empty", storage.ErrBadID)
	case strings.IndexByte(id, 0) >= 0:
		return fmt.Errorf("%w: session id holds NUL", storage.ErrBadID)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: session id is not UTF-8", storage.ErrBadID)
	}
	return nil
}

// encode makes the session text into what the value column holds.
func (s *Store) encode(v string) any {
	switch s.m.Value {
	case Hex:
		v = hex.EncodeToString([]byte(v))
	case Base64:
		v = base64.StdEncoding.EncodeToString([]byte(v))
	}
	if s.binary {
		return []byte(v)
	}
	return v
}

// decode makes what the value column holds into the session text.
func (s *Store) decode(raw []byte) (string, error) {
	switch s.m.Value {
	case Hex:
		b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil {
			return "", fmt.Errorf("value is not hex (value=hex): %v", err)
		}
		return string(b), nil
	case Base64:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil {
			return "", fmt.Errorf("value is not base64 (value=base64): %v", err)
		}
		return string(b), nil
	}
	return string(raw), nil
}

// timeArg is a time as an argument for a column of unit u.
func (s *Store) timeArg(t time.Time, u Unit) any {
	switch u {
	case Seconds:
		return t.Unix()
	case Millis:
		return t.UnixMilli()
	}
	switch s.d {
	case Postgres:
		return t.UTC()
	case MySQL:
		return t.UTC().Format("2006-01-02 15:04:05.000000")
	}
	return t.UTC().Format("2006-01-02 15:04:05.000")
}

// Write stores value under id (an upsert on the id column, which must be the
// primary key or unique), with the updated column set to now and the
// expires column to now + TTL when a TTL is set.
func (s *Store) Write(ctx context.Context, id, value string) error {
	if err := s.ValidateID(id); err != nil {
		return s.err("write", id, err)
	}
	now := s.now()
	cols := []string{s.id, s.value}
	args := []any{id, s.encode(value)}
	if s.upd != "" {
		cols, args = append(cols, s.upd), append(args, s.timeArg(now, s.m.UpdatedUnit))
	}
	if s.exp != "" && s.ttl > 0 {
		cols, args = append(cols, s.exp), append(args, s.timeArg(now.Add(s.ttl), s.m.ExpiresUnit))
	}
	phs := make([]string, len(cols))
	sets := make([]string, 0, len(cols)-1)
	for i, c := range cols {
		phs[i] = s.d.ph(i + 1)
		if i == 0 {
			continue
		}
		switch s.d {
		case MySQL:
			sets = append(sets, c+" = VALUES("+c+")")
		default:
			sets = append(sets, c+" = excluded."+c)
		}
	}
	q := "INSERT INTO " + s.table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(phs, ", ") + ") "
	if s.d == MySQL {
		q += "ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	} else {
		q += "ON CONFLICT (" + s.id + ") DO UPDATE SET " + strings.Join(sets, ", ")
	}
	_, err := s.db.ExecContext(ctx, q, args...)
	return s.err("write", id, err)
}

// idEquals is the SQL that finds the row of one id exactly (MySQL's usual
// collations would also find the id in another case).
func (s *Store) idEquals(n int) string {
	if s.d == MySQL {
		return s.id + " = ? AND CAST(" + s.id + " AS BINARY) = ?"
	}
	return s.id + " = " + s.d.ph(n)
}

func (s *Store) idArgs(id string) []any {
	if s.d == MySQL {
		return []any{id, []byte(id)}
	}
	return []any{id}
}

// Read returns the session text of id: ErrNotFound when there is no row or it
// has expired (expires column), ErrEmpty when its value is empty or NULL.
// A read changes nothing in the table.
func (s *Store) Read(ctx context.Context, id string) (string, error) {
	if err := s.ValidateID(id); err != nil {
		return "", s.err("read", id, err)
	}
	cols := s.value
	if s.exp != "" {
		cols += ", " + s.exp
	}
	var raw []byte
	var exp any
	dest := []any{&raw}
	if s.exp != "" {
		dest = append(dest, &exp)
	}
	err := s.db.QueryRowContext(ctx, "SELECT "+cols+" FROM "+s.table+" WHERE "+s.idEquals(1), s.idArgs(id)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return "", s.err("read", id, storage.ErrNotFound)
	}
	if err != nil {
		return "", s.err("read", id, err)
	}
	if s.exp != "" {
		t, ok, err := parseTime(exp, s.m.ExpiresUnit)
		if err != nil {
			return "", s.err("read", id, fmt.Errorf("expires column: %v", err))
		}
		if ok && !t.After(s.now()) {
			return "", s.err("read", id, fmt.Errorf("%w (expired %s)", storage.ErrNotFound, t.UTC().Format(time.RFC3339)))
		}
	}
	if len(raw) == 0 {
		return "", s.err("read", id, storage.ErrEmpty)
	}
	v, err := s.decode(raw)
	if err != nil {
		return "", s.err("read", id, err)
	}
	if v == "" {
		return "", s.err("read", id, storage.ErrEmpty)
	}
	return v, nil
}

// Invalidate deletes the row of id; a missing id succeeds.
func (s *Store) Invalidate(ctx context.Context, id string) error {
	if err := s.ValidateID(id); err != nil {
		return s.err("invalidate", id, err)
	}
	_, err := s.exec(ctx, "DELETE FROM "+s.table+" WHERE "+s.idEquals(1), s.idArgs(id)...)
	return s.err("invalidate", id, err)
}

// refused: the server answered the statement with an error, so it did nothing
// (a statement outside a transaction is atomic). Any other failure (the
// connection lost, a timeout, the server going down: PostgreSQL's FATAL and
// PANIC, MySQL's killed connection or shutdown) leaves its outcome unknown.
func refused(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Severity == "ERROR"
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1053, 1077, 1078, 1079, 1080, 1152, 1153, 1158, 1159, 1160, 1161, 1927, 2006, 2013:
			return false // server shutdown, aborted or killed connection, packet errors
		}
		return true
	}
	var se interface{ Code() int } // modernc.org/sqlite's *Error
	return errors.As(err, &se)
}

// exec runs a statement that changes the table. Once sent, it is not cut
// short when ctx is cancelled (Grace), so that the caller learns what it did.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sctx, done := s.statementContext(ctx)
	defer done()
	return s.db.ExecContext(sctx, q, args...)
}

// statementContext is the context of a statement that changes the table: it
// is cancelled Grace after ctx is, not at once.
func (s *Store) statementContext(ctx context.Context) (context.Context, func()) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	grace := s.Grace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return sctx, func() { stop(); cancel() }
}

// parseTime reads a time column of unit u as the driver gave it; ok is false
// for NULL.
func parseTime(v any, u Unit) (t time.Time, ok bool, err error) {
	var text string
	switch x := v.(type) {
	case nil:
		return t, false, nil
	case time.Time:
		if u != Timestamp {
			return t, false, fmt.Errorf("a timestamp where epoch %s were said (updated_unit)", unitName(u))
		}
		return x, true, nil
	case int64:
		return epoch(x, u)
	case float64:
		return epoch(int64(x), u)
	case []byte:
		text = string(x)
	case string:
		text = x
	default:
		return t, false, fmt.Errorf("unexpected %T", v)
	}
	if u != Timestamp {
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if ferr != nil {
				return t, false, fmt.Errorf("%q is not epoch %s", text, unitName(u))
			}
			n = int64(f)
		}
		return epoch(n, u)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, text); err == nil {
			return t, true, nil
		}
	}
	if _, err := strconv.ParseInt(text, 10, 64); err == nil {
		return t, false, fmt.Errorf("%q is a number, not a timestamp: give updated_unit=s or ms", text)
	}
	return t, false, fmt.Errorf("%q is not a timestamp", text)
}

var layouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func epoch(n int64, u Unit) (time.Time, bool, error) {
	switch u {
	case Seconds:
		return time.Unix(n, 0).UTC(), true, nil
	case Millis:
		return time.UnixMilli(n).UTC(), true, nil
	}
	return time.Time{}, false, fmt.Errorf("the number %d where a timestamp was said: give updated_unit=s or ms", n)
}

func unitName(u Unit) string {
	if u == Millis {
		return "milliseconds"
	}
	return "seconds"
}
