package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/internal/testsql"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// TestPurgeMatchingAgreesWithWalk: the set-based purge removes exactly what a walk with the same
// options yields (the dry run), for each unit and timestamp type, with ages at the bounds (a clock
// with nanoseconds: each unit's rounding both ways) and an id prefix with LIKE's special
// characters; its counts and bytes are exact. MySQL, MariaDB and SQLite: the same by ranges of the
// id index (a range of 7 ids, so that ranges end inside the rows), declining an id prefix (and on
// SQLite ages on text timestamps).
func TestPurgeMatchingAgreesWithWalk(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 500_000_123, time.UTC)
	day := 24 * time.Hour
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		type column struct {
			unit Unit
			typ  string
		}
		columns := []column{{Timestamp, ty.tstz}, {Seconds, ty.bigint}, {Millis, ty.bigint}}
		if b.d == MySQL {
			columns = append(columns, column{Timestamp, ty.ts}) // DATETIME(6) beside TIMESTAMP(6)
		}
		for ci, c := range columns {
			for oi, o := range []storage.WalkOptions{
				{OlderThan: 30 * day}, {NewerThan: 30 * day}, {OlderThan: day, NewerThan: 31 * day},
				{IDPrefix: "a%"}, {IDPrefix: "a_", OlderThan: time.Hour}, {},
			} {
				o.Now = now
				table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "updated "+c.typ)
				s := b.store(t, Mapping{Table: table, UpdatedColumn: "updated", UpdatedUnit: c.unit})
				s.RangeRows = 7
				ages := []time.Duration{0, 29 * day, 30 * day, 30*day + time.Millisecond, 30*day - time.Millisecond,
					30*day + time.Microsecond, 30*day - time.Microsecond, 30*day + 500*time.Millisecond,
					30*day - 500*time.Millisecond, 30*day + time.Second, 30*day - time.Second, 31 * day, 90 * day}
				i := 0
				for _, id := range []string{"a%b", "a_b", "axb", "a!b", "b"} {
					for _, age := range ages {
						s.now = func() time.Time { return now.Add(-age) }
						if err := s.Write(ctx, fmt.Sprintf("%s-%d", id, i), fmt.Sprintf("v%d", i)); err != nil {
							t.Fatal(err)
						}
						i++
					}
				}
				want := walkAll(t, s, o)
				var bytes int64
				for _, e := range want {
					bytes += e.Size
				}
				// every other case without ids: the plain DELETE's row count, the bytes not counted
				ids := (ci+oi)%2 == 0
				told := map[string]bool{} // the rows the purge said it removed
				counted := 0
				p, err := s.PurgeMatching(ctx, o, storage.PurgeReport{IDs: ids, Removed: func(es []storage.Entry) {
					for _, e := range es {
						told[e.ID] = true
					}
				}, Counted: func(n int, _ int64) { counted += n }})
				aged := o.OlderThan > 0 || o.NewerThan > 0
				if (b.d != Postgres && o.IDPrefix != "") || (b.d == SQLite && c.unit == Timestamp && aged) {
					if !errors.Is(err, storage.ErrNotSetBased) {
						t.Fatalf("%s %+v: %v, want ErrNotSetBased (a prefix on MySQL or SQLite, a text timestamp on SQLite)", c.unit, o, err)
					}
					if n := len(walkAll(t, s, storage.WalkOptions{})); n != i {
						t.Fatalf("declined, but %d of %d rows left", n, i)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if filtered := o.OlderThan > 0 || o.NewerThan > 0 || o.IDPrefix != ""; len(want) == 0 || (filtered && len(want) == i) {
					t.Fatalf("%s %+v: the walk matched %d of %d: not a test of the bounds", c.unit, o, len(want), i)
				}
				for _, e := range want {
					if ids && !told[e.ID] {
						t.Fatalf("%s %+v: %s purged but not reported", c.unit, o, e.ID)
					}
				}
				if ids && len(told) != len(want) {
					t.Fatalf("%s %+v: %d reported removed, the walk matched %d", c.unit, o, len(told), len(want))
				}
				if !ids {
					bytes = -1
				}
				if counted != len(want) {
					t.Fatalf("%s %s %+v ids=%v: counted %d, want %d", c.unit, c.typ, o, ids, counted, len(want))
				}
				left := map[string]bool{}
				for _, e := range walkAll(t, s, storage.WalkOptions{}) {
					left[e.ID] = true
				}
				for _, e := range want {
					if left[e.ID] {
						t.Fatalf("%s %s %+v: %s was matched by the walk but not purged", c.unit, c.typ, o, e.ID)
					}
				}
				if p.Removed != len(want) || p.Unknown != 0 || p.Bytes != bytes || len(left) != i-len(want) {
					t.Fatalf("%s %s %+v: purged %+v, the walk matched %d (%d bytes); %d of %d left", c.unit, c.typ, o, p, len(want), bytes, len(left), i)
				}
			}
		}
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		s := b.store(t, Mapping{Table: table})
		if _, err := s.PurgeMatching(ctx, storage.WalkOptions{OlderThan: time.Hour}, storage.PurgeReport{}); !errors.Is(err, storage.ErrConfig) {
			t.Fatalf("age without an updated column: %v", err)
		}
		if _, err := s.PurgeMatching(ctx, storage.WalkOptions{Limit: 3}, storage.PurgeReport{}); !errors.Is(err, storage.ErrNotSetBased) {
			t.Fatalf("limit: %v", err)
		}
	})
}

// setBasedServers are the servers whose stores purge set-based: a subtest on each, with the table
// s (id, value, updated_at bigint) made anew in db and filled with n sessions 40 days old at
// updated_at 1000 (fillOn), and the store of it; open opens db again (after a restart).
func setBasedServers(t *testing.T, private bool, n int, f func(t *testing.T, srv *testsql.Server, db *sql.DB, s *Store, n int, open func() *sql.DB)) {
	kinds := []string{"postgres", "mariadb"}
	if !private {
		kinds = append(kinds, "sqlite") // no server to kill
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			d, id := Postgres, "text"
			var srv *testsql.Server
			var open func() *sql.DB
			switch kind {
			case "sqlite":
				d, id = SQLite, "TEXT"
				path := filepath.Join(t.TempDir(), "sessions.db")
				open = func() *sql.DB {
					db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(20000)")
					if err != nil {
						t.Fatal(err)
					}
					db.SetMaxOpenConns(1)
					return db
				}
			case "mariadb":
				d, id = MySQL, "varchar(191)"
				fallthrough
			default:
				switch {
				case private:
					srv = testsql.Start(t, kind)
				case kind == "postgres":
					srv = testsql.Postgres(t)
				default:
					srv = testsql.MariaDB(t)
				}
				name := ""
				if d == MySQL {
					name = srv.CreateDatabase(t, "purge_"+t.Name())
				}
				open = func() *sql.DB { return srv.Open(t, name) }
			}
			db := open()
			defer db.Close()
			if private && d == MySQL {
				// the suite's servers commit lazily (a second's commits lost to a kill): one
				// that is killed must keep what it committed, as a production server does
				if _, err := db.Exec("SET GLOBAL innodb_flush_log_at_trx_commit = 1"); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range []string{"DROP TABLE IF EXISTS s", "CREATE TABLE s (id " + id + " PRIMARY KEY, value text, updated_at bigint)"} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			n := n
			if d == SQLite {
				n /= 10 // modernc's SQLite is Go: under -race a tenth of the rows takes as long
			}
			fillOn(t, db, d, "s", n)
			st, err := New(ctx, db, d, Mapping{Table: "s", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f(t, srv, db, st, n, open)
		})
	}
}

// TestPurgeMatchingLiveWriters: while the set-based purge of 200,000 old sessions runs, the
// application rewrites old sessions (which makes them new): not one is lost.
func TestPurgeMatchingLiveWriters(t *testing.T) {
	setBasedServers(t, false, 200000, func(t *testing.T, srv *testsql.Server, db *sql.DB, s *Store, n int, open func() *sql.DB) {
		d := s.d
		appDB := open() // the application's own connections (SQLite: another writer of the file)
		defer appDB.Close()
		if d == SQLite {
			s.RangeRows = 1000 // one writer at a time: the application's writes come between ranges
		}
		app, _ := New(ctx, appDB, d, s.m, Options{Now: func() time.Time { return time.Unix(1000+40*86400, 0) }})
		var rewritten sync.Map
		var writes atomic.Int64
		stop, done := make(chan struct{}), make(chan struct{})
		started := make(chan struct{})
		go func() {
			defer close(done)
			r := rand.New(rand.NewPCG(3, 4))
			for i := 0; ; i++ {
				if i == 50 {
					close(started)
				}
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("s%07d", 1+r.IntN(n))
				if err := app.Write(ctx, id, "new"); err != nil {
					t.Error(err)
					return
				}
				rewritten.Store(id, true)
				writes.Add(1)
			}
		}()
		<-started
		// MySQL: with the ids, so that the locking SELECT and the DELETE it must agree with are
		// under attack too
		// after each range the application gets in at least 30 writes (or 5 s), however slow
		// the machine: the writes and the ranges interleave on every run
		wait := func(int, int64) {
			until, deadline := writes.Load()+30, time.Now().Add(5*time.Second)
			for writes.Load() < until && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
		p, err := s.PurgeMatching(ctx, storage.WalkOptions{Now: time.Unix(1000+40*86400, 0), OlderThan: 30 * 24 * time.Hour},
			storage.PurgeReport{IDs: d == MySQL, Counted: wait})
		close(stop)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		lost, count := 0, 0
		rewritten.Range(func(k, _ any) bool {
			count++
			if v, err := s.Read(ctx, k.(string)); err != nil || v != "new" {
				lost++
			}
			return true
		})
		var left int
		db.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
		t.Logf("%d sessions rewritten during the purge; removed %d; %d left", count, p.Removed, left)
		if lost > 0 || count < 100 {
			t.Fatalf("%d of %d rewritten sessions lost", lost, count)
		}
		var old int
		db.QueryRow(`SELECT count(*) FROM s WHERE updated_at = 1000`).Scan(&old)
		// the rows left are all rewritten ones (some rewritten after their row went: inserted anew)
		if old != 0 || p.Removed > n || p.Removed+count < n {
			t.Fatalf("removed %d, %d left (%d still old) of %d", p.Removed, left, old, n)
		}
	})
}

// TestPurgeMatchingFaults: the server killed mid-purge: removed <= gone <= removed + unknown;
// interrupted: stops after the range under way, exact.
func TestPurgeMatchingFaults(t *testing.T) {
	setBasedServers(t, true, 300000, func(t *testing.T, srv *testsql.Server, db *sql.DB, s *Store, n int, open func() *sql.DB) {
		d := s.d
		s.RangeBlocks, s.RangeRows = 64, 4000
		c, cancel := context.WithCancel(ctx)
		p, err := s.PurgeMatching(c, storage.WalkOptions{}, storage.PurgeReport{Counted: func(int, int64) { cancel() }})
		var left int
		db.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
		if err == nil || p.Unknown != 0 || p.Removed == 0 || n-left != p.Removed {
			t.Fatalf("interrupted: %v %+v, %d gone", err, p, n-left)
		}
		gone0 := n - left
		for _, ids := range []bool{false, true} {
			killed := make(chan struct{})
			removed := 0
			p, err = s.PurgeMatching(ctx, storage.WalkOptions{}, storage.PurgeReport{IDs: ids, Counted: func(rows int, _ int64) {
				if removed += rows; removed > 30000 {
					select {
					case <-killed:
					default:
						close(killed)
						time.AfterFunc(5*time.Millisecond, srv.Kill)
					}
				}
			}})
			if err == nil {
				t.Fatalf("finished %+v before the kill", p)
			}
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			db2 := open()
			db2.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
			if d == MySQL { // a restart forgets SET GLOBAL
				if _, err := db2.Exec("SET GLOBAL innodb_flush_log_at_trx_commit = 1"); err != nil {
					t.Fatal(err)
				}
			}
			db2.Close()
			gone := n - left - gone0
			t.Logf("killed (ids %v): %v; %+v; %d gone", ids, err, p, gone)
			if gone < p.Removed || gone > p.Removed+p.Unknown {
				t.Fatalf("reported %+v but %d gone", p, gone)
			}
			gone0 += gone
		}
	})
}

// TestPurgeMatchingPartitioned: a partitioned table keeps no rows in its own blocks; the
// set-based purge declines it (the walk removes them) instead of removing nothing.
func TestPurgeMatchingPartitioned(t *testing.T) {
	srv := testsql.Postgres(t)
	db := srv.Open(t, "")
	defer db.Close()
	for _, q := range []string{"DROP TABLE IF EXISTS parted",
		"CREATE TABLE parted (id text PRIMARY KEY, value text, updated_at bigint) PARTITION BY HASH (id)",
		"CREATE TABLE parted_0 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
		"CREATE TABLE parted_1 PARTITION OF parted FOR VALUES WITH (MODULUS 2, REMAINDER 1)"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	fill(t, db, "parted", 100)
	s, err := New(ctx, db, Postgres, Mapping{Table: "parted", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PurgeMatching(ctx, storage.WalkOptions{}, storage.PurgeReport{}); !errors.Is(err, storage.ErrNotSetBased) {
		t.Fatalf("partitioned: %v", err)
	}
	r, err := s.RemoveUnchanged(ctx, walkAll(t, s, storage.WalkOptions{}))
	if err != nil || r.Removed != 100 {
		t.Fatalf("walk and remove: %+v %v", r, err)
	}
}

// TestPurgeMatchingKeyRanges: MySQL's and SQLite's ranges follow the id column's collation (a
// case-insensitive one here, with ids of mixed case and trailing spaces, ranges of 2 ids), as the
// walk's keyset pages do, so the set-based purge removes exactly what the walk matches (SQLite: also
// REAL times either side of the bound, which the walk truncates); it declines a table whose id
// column has no index and an updated column the server would compare as text.
func TestPurgeMatchingKeyRanges(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	forEach(t, func(t *testing.T, b *backend) {
		ci := map[Dialect]string{MySQL: "VARCHAR(191) COLLATE utf8mb4_general_ci", SQLite: "TEXT COLLATE NOCASE"}[b.d]
		if ci == "" {
			return
		}
		forms := []string{""}
		if b.d == SQLite {
			forms = append(forms, " WITHOUT ROWID") // rowid ranges, then id ranges
		}
		for _, form := range forms {
			keyRangesOn(t, b, ci, form, now)
		}
	})
}

func keyRangesOn(t *testing.T, b *backend, ci, form string, now time.Time) {
	table := fmt.Sprintf("sess_kr_%d", tableSeq.Add(1))
	b.exec(t, "CREATE TABLE "+b.d.quote(table)+" (id "+ci+" PRIMARY KEY, value TEXT, updated BIGINT)"+form)
	t.Cleanup(func() { b.db.Exec("DROP TABLE " + b.d.quote(table)) })
	s := b.store(t, Mapping{Table: table, UpdatedColumn: "updated", UpdatedUnit: Seconds})
	s.RangeRows = 2
	n := 0
	for i, id := range []string{"a", "B", "c", "D", "e ", "F", "ab", "Ac", "aD", "b-1", "B-2", "Z", "y", "_x", "%w", "é1", "ü1"} {
		age := time.Duration(i%3) * 20 * 24 * time.Hour // 0, 20 and 40 days
		s.now = func() time.Time { return now.Add(-age) }
		if err := s.Write(ctx, id, "v"); err != nil {
			t.Fatal(err)
		}
		n++
	}
	bound := float64(now.Add(-30 * 24 * time.Hour).Unix())
	if b.d == SQLite {
		for i, f := range []float64{bound - 1.5, bound - 0.5, bound + 0.5, bound + 1.5} { // the walk: 1 and 0 old, 2 and 1 new
			b.exec(t, "INSERT INTO "+b.d.quote(table)+" VALUES (?, 'v', ?)", fmt.Sprintf("real-%d", i), f)
			n++
		}
	}
	if c := b.count(t, table); c != n {
		t.Fatalf("%d rows for %d ids: two ids are one under the collation", c, n)
	}
	o := storage.WalkOptions{Now: now, OlderThan: 30 * 24 * time.Hour}
	want := ids(walkAll(t, s, o))
	var got []string
	p, err := s.PurgeMatching(ctx, o, storage.PurgeReport{IDs: true, Removed: func(es []storage.Entry) { got = append(got, ids(es)...) }})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	sort.Strings(got)
	wantN := 5
	if b.d == SQLite {
		wantN = 7
	}
	if len(want) != wantN || !slices.Equal(got, want) || p.Removed != len(want) {
		t.Fatalf("purged %q (%+v), the walk matched %q", got, p, want)
	}
	if left := len(walkAll(t, s, storage.WalkOptions{})); left != n-len(want) {
		t.Fatalf("%d left of %d, %d purged", left, n, len(want))
	}

	if b.d == SQLite { // newer than: the walk keeps bound+0.5 (its whole part is the bound), a REAL compare would not
		reals := b.table(t, "id TEXT PRIMARY KEY", "value TEXT", "updated BIGINT")
		for i, f := range []float64{bound - 0.5, bound + 0.5, bound + 1.5} {
			b.exec(t, "INSERT INTO "+b.d.quote(reals)+" VALUES (?, 'v', ?)", fmt.Sprintf("real-%d", i), f)
		}
		s := b.store(t, Mapping{Table: reals, UpdatedColumn: "updated", UpdatedUnit: Seconds})
		o := storage.WalkOptions{Now: now, NewerThan: 30 * 24 * time.Hour}
		want := ids(walkAll(t, s, o))
		p, err := s.PurgeMatching(ctx, o, storage.PurgeReport{})
		if err != nil || len(want) != 1 || p.Removed != 1 || b.count(t, reals) != 2 {
			t.Fatalf("newer than on REAL times: %+v %v, the walk matched %q", p, err, want)
		}
	}

	plain := b.table(t, "id VARCHAR(191)", "value TEXT", "updated BIGINT")
	s = b.store(t, Mapping{Table: plain, UpdatedColumn: "updated", UpdatedUnit: Seconds})
	if _, err := s.PurgeMatching(ctx, o, storage.PurgeReport{}); !errors.Is(err, storage.ErrNotSetBased) {
		t.Fatalf("no index on the id: %v, want ErrNotSetBased", err)
	}
	text := b.table(t, "id VARCHAR(191) PRIMARY KEY", "value TEXT", "updated VARCHAR(40)")
	s = b.store(t, Mapping{Table: text, UpdatedColumn: "updated", UpdatedUnit: Seconds})
	b.exec(t, "INSERT INTO "+b.d.quote(text)+" VALUES ('x', 'v', 'soon'), ('y', 'v', '17e3')")
	if _, err := s.PurgeMatching(ctx, o, storage.PurgeReport{}); !errors.Is(err, storage.ErrNotSetBased) {
		t.Fatalf("a text updated column: %v, want ErrNotSetBased", err)
	}
	if _, err := s.PurgeMatching(ctx, storage.WalkOptions{}, storage.PurgeReport{}); err != nil {
		t.Fatalf("no age filter: the text column is not compared: %v", err)
	}
	if b.count(t, text) != 0 {
		t.Fatal("--all left rows")
	}
}
