package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/sessionctl/sessionctl/internal/testsql"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

func TestMain(m *testing.M) { os.Exit(testsql.Main(m)) }

// backend is one database the tests run on.
type backend struct {
	d   Dialect
	db  *sql.DB
	url string // the store URL of its database, without parameters
}

// types are the column types of a dialect for the test tables.
type types struct{ id, text, bytes, ts, tstz, bigint string }

func (b *backend) types() types {
	switch b.d {
	case Postgres:
		return types{"text", "text", "bytea", "timestamp", "timestamptz", "bigint"}
	case MySQL:
		return types{"VARCHAR(191)", "MEDIUMTEXT", "MEDIUMBLOB", "DATETIME(6)", "TIMESTAMP(6) NULL", "BIGINT"}
	}
	return types{"TEXT", "TEXT", "BLOB", "TEXT", "TEXT", "INTEGER"}
}

var (
	pgOnce, myOnce sync.Once
	pgDB, myDB     string
	tableSeq       atomic.Int64
)

// forEach runs f on SQLite, PostgreSQL and MariaDB (the servers the suite starts), each a subtest.
func forEach(t *testing.T, f func(t *testing.T, b *backend)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "sessions.db")
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		f(t, &backend{d: SQLite, db: db, url: "sqlite:" + path})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s := testsql.Postgres(t)
		pgOnce.Do(func() { pgDB = s.CreateDatabase(t, "sqlstore") })
		db := s.Open(t, pgDB)
		t.Cleanup(func() { db.Close() })
		f(t, &backend{d: Postgres, db: db, url: s.URL(pgDB)})
	})
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		s := testsql.MariaDB(t)
		myOnce.Do(func() { myDB = s.CreateDatabase(t, "sqlstore") })
		db := s.Open(t, myDB)
		t.Cleanup(func() { db.Close() })
		f(t, &backend{d: MySQL, db: db, url: s.URL(myDB)})
	})
}

// table creates a fresh table with the columns ("name TYPE", …), dropped when the test ends.
func (b *backend) table(t *testing.T, cols ...string) string {
	t.Helper()
	name := fmt.Sprintf("sess_%d", tableSeq.Add(1))
	b.exec(t, "CREATE TABLE "+b.d.quote(name)+" ("+strings.Join(cols, ", ")+")")
	t.Cleanup(func() { b.db.Exec("DROP TABLE " + b.d.quote(name)) })
	return name
}

func (b *backend) exec(t *testing.T, q string, args ...any) sql.Result {
	t.Helper()
	r, err := b.db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %s: %v", b.d, q, err)
	}
	return r
}

// ph rewrites "?" placeholders for the dialect.
func (b *backend) ph(q string) string {
	if b.d != Postgres {
		return q
	}
	n := 0
	var out strings.Builder
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&out, "$%d", n)
			continue
		}
		out.WriteRune(c)
	}
	return out.String()
}

func (b *backend) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow("SELECT COUNT(*) FROM " + b.d.quote(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *backend) store(t *testing.T, m Mapping) *Store {
	t.Helper()
	s, err := New(context.Background(), b.db, b.d, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func walkAll(t *testing.T, s *Store, o storage.WalkOptions) []storage.Entry {
	t.Helper()
	var out []storage.Entry
	err := s.Walk(context.Background(), o, func(e storage.Entry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ids(es []storage.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}
