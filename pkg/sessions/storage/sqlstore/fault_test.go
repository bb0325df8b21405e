package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/internal/testsql"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// TestPurgeWithLiveWriters: while a conditional purge removes thousands of matched sessions,
// the application rewrites hundreds of them (both a new time and, half of the time, only a new
// value within the same second). Not one rewritten session is lost, and the counts are exact:
// removed = rows gone, removed + kept = matched.
func TestPurgeWithLiveWriters(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		n := 3000
		if b.d == SQLite {
			n = 1500 // one connection: the writer and the purge take turns
		}
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "updated_at "+ty.bigint)
		m := Mapping{Table: table, UpdatedColumn: "updated_at", UpdatedUnit: Seconds}
		s := b.store(t, m)
		s.BatchSize = 100
		s.now = func() time.Time { return time.Unix(1000, 0) }
		tx, _ := b.db.Begin()
		for i := range n {
			if _, err := tx.Exec(b.ph("INSERT INTO "+b.d.quote(table)+" (id, value, updated_at) VALUES (?, ?, ?)"), fmt.Sprintf("s%05d", i), "old", 1000); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		now := time.Unix(1000+40*86400, 0)
		es := walkAll(t, s, storage.WalkOptions{Now: now, OlderThan: 30 * 24 * time.Hour})
		if len(es) != n {
			t.Fatalf("matched %d", len(es))
		}
		app := b.store(t, m)
		var rewritten sync.Map
		var writes atomic.Int64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			r := rand.New(rand.NewPCG(1, 2))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("s%05d", r.IntN(n))
				when := int64(1000) // the same second as before: only the value tells
				if i%2 == 0 {
					when = 1000 + 40*86400
				}
				app.now = func() time.Time { return time.Unix(when, 0) }
				if err := app.Write(ctx, id, "new-"+id); err != nil {
					t.Error(err)
					return
				}
				rewritten.Store(id, true)
				writes.Add(1)
			}
		}()
		// the writer rewrites matched sessions between the walk and each batch: the purge waits
		// for it (20 writes before the first batch, 5 more before each next), so the race is
		// there however the machine schedules the two (a loaded run once saw 5 writes in all)
		waitWrites := func(n int64) {
			for writes.Load() < n {
				select {
				case <-done:
					t.Fatal("the writer stopped")
				case <-time.After(time.Millisecond):
				}
			}
		}
		var total storage.RemoveCounts
		for lo := 0; lo < len(es); lo += 500 {
			if lo == 0 {
				waitWrites(20)
			} else {
				waitWrites(writes.Load() + 5)
			}
			r, err := s.RemoveUnchanged(ctx, es[lo:min(lo+500, len(es))])
			total.Add(r.RemoveCounts)
			if err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		<-done
		lost := 0
		rewritten.Range(func(k, _ any) bool {
			if v, err := s.Read(ctx, k.(string)); err != nil || v != "new-"+k.(string) {
				lost++
			}
			return true
		})
		t.Logf("%s: %d writes during the purge; removed %d, kept %d", b.d, writes.Load(), total.Removed, total.Changed)
		if lost > 0 {
			t.Fatalf("%d rewritten sessions lost", lost)
		}
		if total.Removed+total.Changed != n || total.Unknown != 0 || total.Missing != 0 {
			t.Fatalf("counts %+v for %d matched", total, n)
		}
		// every session the writer left alone is gone, and every rewritten one is there: the
		// removed count is then exactly the sessions not rewritten before their batch
		notRewritten, there := 0, 0
		for i := range n {
			id := fmt.Sprintf("s%05d", i)
			if _, ok := rewritten.Load(id); ok {
				continue
			}
			notRewritten++
			if _, err := s.Read(ctx, id); err == nil {
				there++
			}
		}
		if there > 0 {
			t.Fatalf("%d unchanged matched sessions were not removed", there)
		}
		if total.Removed < notRewritten || total.Changed > n-notRewritten {
			t.Fatalf("removed %d, kept %d, but %d sessions were never rewritten", total.Removed, total.Changed, notRewritten)
		}
		if writes.Load() < 10 || total.Changed == 0 {
			t.Fatalf("the writer did not race the purge (%d writes, %d kept)", writes.Load(), total.Changed)
		}
	})
}

func fill(t *testing.T, db *sql.DB, table string, n int) { fillOn(t, db, Postgres, table, n) }

// fillOn is fill on PostgreSQL, MariaDB (its Sequence engine's seq_1_to_N) or SQLite.
func fillOn(t *testing.T, db *sql.DB, d Dialect, table string, n int) {
	t.Helper()
	q := `INSERT INTO ` + table + ` (id, value, updated_at) SELECT 's' || lpad(g::text, 7, '0'), 'v', 1000 FROM generate_series(1, ` + fmt.Sprint(n) + `) g`
	switch d {
	case MySQL:
		q = `INSERT INTO ` + table + ` (id, value, updated_at) SELECT concat('s', lpad(seq, 7, '0')), 'v', 1000 FROM seq_1_to_` + fmt.Sprint(n)
	case SQLite:
		q = `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ` + fmt.Sprint(n) + `)
			INSERT INTO ` + table + ` (id, value, updated_at) SELECT 's' || substr('000000' || x, -7), 'v', 1000 FROM g`
	}
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestPurgeServerKilled: the server is killed (SIGKILL) in the middle of a purge. The purge
// fails, and what it reports holds: at least Removed rows are gone, at most Removed + Unknown,
// and Unknown is the one batch under way.
func TestPurgeServerKilled(t *testing.T) {
	srv := testsql.Start(t, "postgres")
	db := srv.Open(t, "")
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE s (id text PRIMARY KEY, value text, updated_at bigint)`); err != nil {
		t.Fatal(err)
	}
	const n = 200000
	fill(t, db, "s", n)
	s, err := New(ctx, db, Postgres, Mapping{Table: "s", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	es := walkAll(t, s, storage.WalkOptions{})
	watch := srv.Open(t, "")
	defer watch.Close()
	go func() {
		for {
			var left int
			if watch.QueryRow(`SELECT count(*) FROM s`).Scan(&left) != nil {
				return
			}
			if left < n-20000 {
				srv.Kill()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	r, err := s.RemoveUnchanged(ctx, es)
	if err == nil {
		t.Fatalf("the purge finished (%+v) before the kill", r)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	db2 := srv.Open(t, "")
	defer db2.Close()
	var left int
	if err := db2.QueryRow(`SELECT count(*) FROM s`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	gone := n - left
	t.Logf("killed: %v; removed %d, unknown %d; %d rows gone", err, r.Removed, r.Unknown, gone)
	if gone < r.Removed || gone > r.Removed+r.Unknown || r.Unknown > s.batch() {
		t.Fatalf("reported %+v, but %d rows are gone", r.RemoveCounts, gone)
	}
	// each entry reported removed is gone
	for i, o := range r.Outcomes {
		var x int
		if o == storage.OutcomeRemoved && db2.QueryRow(`SELECT 1 FROM s WHERE id = $1`, es[i].ID).Scan(&x) == nil {
			t.Fatalf("%s reported removed but is there", es[i].ID)
		}
	}
}

// TestPurgeInterrupted: a cancelled context (SIGINT in the CLI) stops the purge between two
// batches: the DELETE under way is waited for, so the count is exact and nothing is unknown;
// with the server paused past the grace, the batch under way is reported unknown.
func TestPurgeInterrupted(t *testing.T) {
	srv := testsql.Start(t, "postgres")
	db := srv.Open(t, "")
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE s (id text PRIMARY KEY, value text, updated_at bigint)`); err != nil {
		t.Fatal(err)
	}
	const n = 100000
	fill(t, db, "s", n)
	s, err := New(ctx, db, Postgres, Mapping{Table: "s", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	es := walkAll(t, s, storage.WalkOptions{})
	c, cancel := context.WithCancel(ctx)
	watch := srv.Open(t, "")
	defer watch.Close()
	go func() { // cancel once the first batches are gone, while the purge goes on
		defer cancel()
		for {
			var left int
			if watch.QueryRow(`SELECT count(*) FROM s`).Scan(&left) != nil || left < n-2000 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	r, err := s.RemoveUnchanged(c, es)
	var left int
	db.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
	t.Logf("interrupted: %v; %+v; %d left", err, r.RemoveCounts, left)
	if err == nil || r.Unknown != 0 || n-left != r.Removed || r.Removed == 0 || r.Done() >= n {
		t.Fatalf("interrupted purge: %v %+v, %d rows gone", err, r.RemoveCounts, n-left)
	}

	// a server that does not answer: after the grace the batch is given up before its COMMIT,
	// so nothing of it was removed, and it says so (no outcome), which the server confirms
	es = walkAll(t, s, storage.WalkOptions{})
	before := len(es)
	s.Grace = 300 * time.Millisecond
	c, cancel = context.WithCancel(ctx)
	srv.Pause()
	defer srv.Resume()
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	r, err = s.RemoveUnchanged(c, es[:10])
	took := time.Since(start)
	srv.Resume()
	if err == nil || r.Done() != 0 || took > 5*time.Second {
		t.Fatalf("paused server: %v %+v after %v", err, r.RemoveCounts, took)
	}
	if left := len(walkAll(t, s, storage.WalkOptions{})); left != before {
		t.Fatalf("paused server: %d of %d rows left, but no removal was reported", left, before)
	}
	if !strings.Contains(err.Error(), "purge") {
		t.Fatalf("error %v", err)
	}
}
