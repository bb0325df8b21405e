package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/internal/testsql"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// TestPurgeMatchingAgreesWithWalk: the set-based purge removes exactly what a walk with the same
// options yields (the dry run), for each unit, with ages at the bounds and an id prefix with LIKE's
// special characters; its counts and bytes are exact.
func TestPurgeMatchingAgreesWithWalk(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 500_000_000, time.UTC)
	day := 24 * time.Hour
	forEach(t, func(t *testing.T, b *backend) {
		if b.d != Postgres {
			s := b.store(t, Mapping{Table: b.table(t, "id "+b.types().id+" PRIMARY KEY", "value "+b.types().text)})
			if _, err := s.PurgeMatching(ctx, storage.WalkOptions{}, storage.PurgeReport{}); !errors.Is(err, storage.ErrNotSetBased) {
				t.Fatalf("%s: %v, want ErrNotSetBased", b.d, err)
			}
			return
		}
		ty := b.types()
		for _, unit := range []Unit{Timestamp, Seconds, Millis} {
			for _, o := range []storage.WalkOptions{
				{OlderThan: 30 * day}, {NewerThan: 30 * day}, {OlderThan: day, NewerThan: 31 * day},
				{IDPrefix: "a%"}, {IDPrefix: "a_", OlderThan: time.Hour}, {},
			} {
				o.Now = now
				col := ty.bigint
				if unit == Timestamp {
					col = ty.tstz
				}
				table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "updated "+col)
				s := b.store(t, Mapping{Table: table, UpdatedColumn: "updated", UpdatedUnit: unit})
				ages := []time.Duration{0, 29 * day, 30 * day, 30*day + time.Millisecond, 30*day - time.Millisecond, 31 * day, 90 * day}
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
				ids := (len(unit)+len(o.IDPrefix)+int(o.OlderThan/day))%2 == 0
				told := map[string]bool{} // the rows the purge said it removed
				counted := 0
				p, err := s.PurgeMatching(ctx, o, storage.PurgeReport{IDs: ids, Removed: func(es []storage.Entry) {
					for _, e := range es {
						told[e.ID] = true
					}
				}, Counted: func(n int, _ int64) { counted += n }})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range want {
					if ids && !told[e.ID] {
						t.Fatalf("%s %+v: %s purged but not reported", unit, o, e.ID)
					}
				}
				if !ids {
					bytes = -1
				}
				if counted != len(want) {
					t.Fatalf("%s %+v ids=%v: counted %d, want %d", unit, o, ids, counted, len(want))
				}
				left := map[string]bool{}
				for _, e := range walkAll(t, s, storage.WalkOptions{}) {
					left[e.ID] = true
				}
				for _, e := range want {
					if left[e.ID] {
						t.Fatalf("%s %+v: %s was matched by the walk but not purged", unit, o, e.ID)
					}
				}
				if p.Removed != len(want) || p.Unknown != 0 || p.Bytes != bytes || len(left) != i-len(want) {
					t.Fatalf("%s %+v: purged %+v, the walk matched %d (%d bytes); %d of %d left", unit, o, p, len(want), bytes, len(left), i)
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

// TestPurgeMatchingLiveWriters: while the set-based purge of 200,000 old sessions runs, the
// application rewrites old sessions (which makes them new): not one is lost.
func TestPurgeMatchingLiveWriters(t *testing.T) {
	srv := testsql.Postgres(t)
	db := srv.Open(t, "")
	defer db.Close()
	if _, err := db.Exec(`DROP TABLE IF EXISTS live; CREATE TABLE live (id text PRIMARY KEY, value text, updated_at bigint)`); err != nil {
		t.Fatal(err)
	}
	const n = 200000
	fill(t, db, "live", n)
	m := Mapping{Table: "live", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}
	s, err := New(ctx, db, Postgres, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, _ := New(ctx, db, Postgres, m, Options{Now: func() time.Time { return time.Unix(1000+40*86400, 0) }})
	var rewritten sync.Map
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
		}
	}()
	<-started
	p, err := s.PurgeMatching(ctx, storage.WalkOptions{Now: time.Unix(1000+40*86400, 0), OlderThan: 30 * 24 * time.Hour}, storage.PurgeReport{})
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
	db.QueryRow(`SELECT count(*) FROM live`).Scan(&left)
	t.Logf("%d sessions rewritten during the purge; removed %d; %d left", count, p.Removed, left)
	if lost > 0 || count < 100 {
		t.Fatalf("%d of %d rewritten sessions lost", lost, count)
	}
	var old int
	db.QueryRow(`SELECT count(*) FROM live WHERE updated_at = 1000`).Scan(&old)
	// the rows left are all rewritten ones (some rewritten after their row went: inserted anew)
	if old != 0 || p.Removed > n || p.Removed+count < n {
		t.Fatalf("removed %d, %d left (%d still old) of %d", p.Removed, left, old, n)
	}
}

// TestPurgeMatchingFaults: the server killed mid-purge: removed <= gone <= removed + unknown;
// interrupted: stops after the range under way, exact.
func TestPurgeMatchingFaults(t *testing.T) {
	srv := testsql.Start(t, "postgres")
	db := srv.Open(t, "")
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE s (id text PRIMARY KEY, value text, updated_at bigint)`); err != nil {
		t.Fatal(err)
	}
	const n = 300000
	fill(t, db, "s", n)
	m := Mapping{Table: "s", UpdatedColumn: "updated_at", UpdatedUnit: Seconds}
	s, err := New(ctx, db, Postgres, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.RangeBlocks = 64
	c, cancel := context.WithCancel(ctx)
	p, err := s.PurgeMatching(c, storage.WalkOptions{}, storage.PurgeReport{Counted: func(int, int64) { cancel() }})
	var left int
	db.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
	if err == nil || p.Unknown != 0 || p.Removed == 0 || n-left != p.Removed {
		t.Fatalf("interrupted: %v %+v, %d gone", err, p, n-left)
	}
	gone0 := n - left
	killed := make(chan struct{})
	removed := 0
	p, err = s.PurgeMatching(ctx, storage.WalkOptions{}, storage.PurgeReport{Counted: func(rows int, _ int64) {
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
	db2 := srv.Open(t, "")
	defer db2.Close()
	db2.QueryRow(`SELECT count(*) FROM s`).Scan(&left)
	gone := n - left - gone0
	t.Logf("killed: %v; %+v; %d gone", err, p, gone)
	if gone < p.Removed || gone > p.Removed+p.Unknown {
		t.Fatalf("reported %+v but %d gone", p, gone)
	}
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
