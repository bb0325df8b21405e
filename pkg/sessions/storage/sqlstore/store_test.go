package sqlstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

var ctx = context.Background()

// TestStorage: Write, Read and Invalidate as Ktor's SessionStorage, for every value column kind
// and codec, checked against what the column really holds (read back with plain SQL).
func TestStorage(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		cases := []struct {
			name   string
			col    string
			codec  Codec
			stored func(v string) string // what the column must hold for v, as hex of its bytes
		}{
			{"text", ty.text, Text, func(v string) string { return hex.EncodeToString([]byte(v)) }},
			{"bytes", ty.bytes, Text, func(v string) string { return hex.EncodeToString([]byte(v)) }},
			{"hex", ty.text, Hex, func(v string) string { return hex.EncodeToString([]byte(hex.EncodeToString([]byte(v)))) }},
			{"base64-bytes", ty.bytes, Base64, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				table := b.table(t, "id "+ty.id+" PRIMARY KEY", "data "+c.col, "updated_at "+ty.bigint)
				s := b.store(t, Mapping{Table: table, ValueColumn: "data", UpdatedColumn: "updated_at", UpdatedUnit: Millis, Value: c.codec})
				if s.binary != (c.col == ty.bytes) {
					t.Fatalf("binary = %v for a %s column", s.binary, c.col)
				}
				s.now = func() time.Time { return time.UnixMilli(1700000000123) }
				v := "userId=%23su-1&name=%23s%C3%A9 'quoted' \"x\" é ✓"
				if err := s.Write(ctx, "abc", v); err != nil {
					t.Fatal(err)
				}
				got, err := s.Read(ctx, "abc")
				if err != nil || got != v {
					t.Fatalf("Read = %q, %v; want %q", got, err, v)
				}
				var raw []byte
				var upd int64
				if err := b.db.QueryRow(b.ph("SELECT data, updated_at FROM "+b.d.quote(table)+" WHERE id = ?"), "abc").Scan(&raw, &upd); err != nil {
					t.Fatal(err)
				}
				if c.stored != nil && hex.EncodeToString(raw) != c.stored(v) {
					t.Fatalf("column holds %q", raw)
				}
				if upd != 1700000000123 {
					t.Fatalf("updated_at = %d", upd)
				}
				// a rewrite replaces (an upsert), it does not add a row
				if err := s.Write(ctx, "abc", "second"); err != nil {
					t.Fatal(err)
				}
				if got, _ := s.Read(ctx, "abc"); got != "second" || b.count(t, table) != 1 {
					t.Fatalf("after rewrite: %q, %d rows", got, b.count(t, table))
				}
				if _, err := s.Read(ctx, "ABC"); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("Read(ABC) = %v, want ErrNotFound (ids are exact)", err)
				}
				if _, err := s.Read(ctx, "missing"); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("Read(missing) = %v", err)
				}
				if err := s.Write(ctx, "empty", ""); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Read(ctx, "empty"); !errors.Is(err, storage.ErrEmpty) {
					t.Fatalf("Read(empty) = %v", err)
				}
				for _, bad := range []string{"", "a\x00b", "\xff"} {
					if err := s.Write(ctx, bad, "x"); !errors.Is(err, storage.ErrBadID) {
						t.Fatalf("Write(%q) = %v", bad, err)
					}
				}
				if err := s.Invalidate(ctx, "abc"); err != nil {
					t.Fatal(err)
				}
				if err := s.Invalidate(ctx, "abc"); err != nil {
					t.Fatalf("invalidating a missing id: %v", err)
				}
				if _, err := s.Read(ctx, "abc"); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("after Invalidate: %v", err)
				}
			})
		}
	})
}

// TestCodecReadsTheApplicationsForm: rows written by the application (plain SQL) in hex (either
// case) and base64 are read as their text; a value that is not in the codec is an error naming it.
func TestCodecReadsTheApplicationsForm(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		b.exec(t, b.ph("INSERT INTO "+b.d.quote(table)+" (id, value) VALUES (?, ?), (?, ?), (?, ?)"),
			"lower", "757365723d61", "upper", "757365723D61", "bad", "zz")
		s := b.store(t, Mapping{Table: table, Value: Hex})
		for _, id := range []string{"lower", "upper"} {
			if v, err := s.Read(ctx, id); err != nil || v != "user=a" {
				t.Fatalf("%s: %q %v", id, v, err)
			}
		}
		if _, err := s.Read(ctx, "bad"); err == nil || !strings.Contains(err.Error(), "not hex") {
			t.Fatalf("bad hex: %v", err)
		}
		t64 := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		b.exec(t, b.ph("INSERT INTO "+b.d.quote(t64)+" (id, value) VALUES (?, ?)"), "a", "dXNlcj1h")
		if v, err := b.store(t, Mapping{Table: t64, Value: Base64}).Read(ctx, "a"); err != nil || v != "user=a" {
			t.Fatalf("base64: %q %v", v, err)
		}
	})
}

// TestExpires: an expired row reads as not found; walks show the time left.
func TestExpires(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "expires_at "+ty.bigint)
		s := b.store(t, Mapping{Table: table, ExpiresColumn: "expires_at", ExpiresUnit: Seconds})
		now := time.Unix(1700000000, 0)
		s.now = func() time.Time { return now }
		s.ttl = time.Hour
		if err := s.Write(ctx, "live", "v"); err != nil {
			t.Fatal(err)
		}
		b.exec(t, b.ph("INSERT INTO "+b.d.quote(table)+" (id, value, expires_at) VALUES (?, ?, ?)"), "dead", "v", now.Unix()-1)
		if _, err := s.Read(ctx, "live"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, "dead"); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired: %v", err)
		}
		es := walkAll(t, s, storage.WalkOptions{})
		if len(es) != 2 || es[0].ID != "dead" || es[0].TTL != 0 || es[1].TTL != time.Hour {
			t.Fatalf("walk: %+v", es)
		}
	})
}

// TestWalkAges: ages come from the updated column in each unit; the bounds are exact (a row
// exactly 30 days old is not older than 30 days); a row without a readable time has no age and
// is never taken by an age filter (it would otherwise look infinitely old).
func TestWalkAges(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		for _, unit := range []Unit{Timestamp, Seconds, Millis} {
			for _, tz := range []bool{false, true} {
				if tz && unit != Timestamp {
					continue
				}
				t.Run(fmt.Sprintf("%s-tz=%v", unit, tz), func(t *testing.T) {
					col := ty.bigint
					if unit == Timestamp {
						col = ty.ts
						if tz {
							col = ty.tstz
						}
					}
					table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "updated "+col)
					s := b.store(t, Mapping{Table: table, UpdatedColumn: "updated", UpdatedUnit: unit})
					ages := map[string]time.Duration{"d00": 0, "d29": 29 * day, "d30": 30 * day, "d30+1ms": 30*day + time.Millisecond,
						"d31": 31 * day, "d90": 90 * day}
					for id, age := range ages {
						s.now = func() time.Time { return now.Add(-age) }
						if err := s.Write(ctx, id, "v"); err != nil {
							t.Fatal(err)
						}
					}
					b.exec(t, b.ph("INSERT INTO "+b.d.quote(table)+" (id, value) VALUES (?, ?)"), "null", "v")
					s.now = func() time.Time { return now }
					got := ids(walkAll(t, s, storage.WalkOptions{Now: now, OlderThan: 30 * day}))
					want := []string{"d30+1ms", "d31", "d90"} // in seconds, 30d+1ms ago is stored as 30d+1s ago
					if !slices.Equal(got, want) {
						t.Fatalf("older than 30d: %v, want %v", got, want)
					}
					if got := ids(walkAll(t, s, storage.WalkOptions{Now: now, NewerThan: 30 * day})); !slices.Equal(got, []string{"d00", "d29"}) {
						t.Fatalf("newer than 30d: %v", got)
					}
					all := walkAll(t, s, storage.WalkOptions{Now: now})
					if len(all) != 7 {
						t.Fatalf("all: %v", ids(all))
					}
					for _, e := range all {
						if e.ID == "null" {
							if !e.Modified.IsZero() {
								t.Fatalf("null: %v", e.Modified)
							}
						} else if age := now.Sub(e.Modified); age != ages[e.ID] && !(unit == Seconds && age > ages[e.ID] && age-ages[e.ID] < time.Second) {
							t.Fatalf("%s: age %v, want %v", e.ID, age, ages[e.ID])
						}
					}
					var st storage.WalkStats
					walkAll(t, s, storage.WalkOptions{Now: now, OlderThan: time.Hour, Stats: &st})
					if st.Matched != 5 || st.Skipped > 1 { // the NULL row: left out by the query, or skipped by the walk
						t.Fatalf("stats: %+v", st)
					}
				})
			}
		}
	})
}

// TestWalkPrefixPagesLimit: an id prefix is a literal (LIKE's % _ and the escape character are
// matched as themselves), pages continue after the last id, Limit stops exactly.
func TestWalkPrefixPagesLimit(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		s := b.store(t, Mapping{Table: table})
		for _, id := range []string{"a%b", "a_b", "a!b", "axb", "aXb", "b"} {
			if err := s.Write(ctx, id, "v-"+id); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 23 {
			s.Write(ctx, fmt.Sprintf("p%03d", i), "v")
		}
		for prefix, want := range map[string][]string{"a%": {"a%b"}, "a_": {"a_b"}, "a!": {"a!b"}, "ax": {"axb"}, "aX": {"aXb"}} {
			if got := ids(walkAll(t, s, storage.WalkOptions{IDPrefix: prefix})); !slices.Equal(got, want) {
				t.Fatalf("prefix %q: %v, want %v", prefix, got, want)
			}
		}
		s.PageSize = 4
		got := ids(walkAll(t, s, storage.WalkOptions{IDPrefix: "p"}))
		if len(got) != 23 || !slices.IsSorted(got) || slices.Compact(slices.Clone(got))[22] != "p022" {
			t.Fatalf("pages: %v", got)
		}
		if got := walkAll(t, s, storage.WalkOptions{IDPrefix: "p", Limit: 9}); len(got) != 9 {
			t.Fatalf("limit: %d", len(got))
		}
		es := walkAll(t, s, storage.WalkOptions{IDPrefix: "a%", WithValue: true})
		if len(es) != 1 || es[0].Value != "v-a%b" || es[0].Size != 5 {
			t.Fatalf("with value: %+v", es)
		}
		if err := s.Walk(ctx, storage.WalkOptions{OlderThan: time.Hour}, func(storage.Entry) error { return nil }); !errors.Is(err, storage.ErrConfig) {
			t.Fatalf("age filter without an updated column: %v", err)
		}
	})
}

// TestIdentifiersAreQuoted: table and column names that are SQL (quotes, a statement, spaces,
// mixed case) are taken as names, never as SQL.
func TestIdentifiersAreQuoted(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		q := `"`
		if b.d == MySQL {
			q = "`"
		}
		name := fmt.Sprintf(`Sess %s; DROP TABLE x; -- %d`, q, tableSeq.Add(1))
		idCol, valCol := "Id "+q+"x", "val'ue"
		b.exec(t, "CREATE TABLE "+b.d.quote(name)+" ("+b.d.quote(idCol)+" "+ty.id+" PRIMARY KEY, "+b.d.quote(valCol)+" "+ty.text+")")
		t.Cleanup(func() { b.db.Exec("DROP TABLE " + b.d.quote(name)) })
		s := b.store(t, Mapping{Table: name, IDColumn: idCol, ValueColumn: valCol})
		if err := s.Write(ctx, "i", "v"); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Read(ctx, "i"); err != nil || v != "v" {
			t.Fatal(v, err)
		}
		es := walkAll(t, s, storage.WalkOptions{})
		if r, err := s.RemoveUnchanged(ctx, es); err != nil || r.Removed != 1 {
			t.Fatal(r, err)
		}
		if _, err := New(ctx, b.db, b.d, Mapping{Table: "no_such_table"}, Options{}); err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("missing table: %v", err)
		}
	})
}

// TestRemoveUnchanged: a conditional purge removes exactly the rows as the walk saw them;
// rows rewritten since (a new updated time, or only a new value in the same instant) are kept
// and counted Changed, rows gone are Missing, each entry's Outcome says which; the counts add up.
func TestRemoveUnchanged(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		for _, withUpdated := range []bool{true, false} {
			t.Run(fmt.Sprintf("updated=%v", withUpdated), func(t *testing.T) {
				cols := []string{"id " + ty.id + " PRIMARY KEY", "value " + ty.bytes}
				m := Mapping{}
				if withUpdated {
					cols = append(cols, "updated "+ty.bigint)
					m.UpdatedColumn, m.UpdatedUnit = "updated", Seconds
				}
				m.Table = b.table(t, cols...)
				s := b.store(t, m)
				s.BatchSize = 7
				s.now = func() time.Time { return time.Unix(1000, 0) }
				for i := range 50 {
					s.Write(ctx, fmt.Sprintf("s%02d", i), "old")
				}
				es := walkAll(t, s, storage.WalkOptions{Now: time.Unix(100000, 0)})
				// the application rewrites ten of them: five with a new time, five in the same
				// second (only the value tells them apart), and invalidates five others
				for i := range 10 {
					if i >= 5 {
						s.now = func() time.Time { return time.Unix(2000, 0) }
					}
					s.Write(ctx, fmt.Sprintf("s%02d", i), "new")
				}
				for i := 10; i < 15; i++ {
					s.Invalidate(ctx, fmt.Sprintf("s%02d", i))
				}
				r, err := s.RemoveUnchanged(ctx, es)
				if err != nil {
					t.Fatal(err)
				}
				if r.RemoveCounts != (storage.RemoveCounts{Removed: 35, Changed: 10, Missing: 5}) {
					t.Fatalf("removal %+v", r.RemoveCounts)
				}
				// each entry's outcome: s00-s09 rewritten, s10-s14 gone, the rest removed
				for i, o := range r.Outcomes {
					want := storage.OutcomeRemoved
					switch {
					case i < 10:
						want = storage.OutcomeChanged
					case i < 15:
						want = storage.OutcomeMissing
					}
					if es[i].ID != fmt.Sprintf("s%02d", i) || o != want {
						t.Fatalf("outcome of %s: %v, want %v", es[i].ID, o, want)
					}
				}
				left := ids(walkAll(t, s, storage.WalkOptions{}))
				if len(left) != 10 || left[0] != "s00" || left[9] != "s09" {
					t.Fatalf("left: %v", left)
				}
				for _, id := range left {
					if v, _ := s.Read(ctx, id); v != "new" {
						t.Fatalf("%s: %q", id, v)
					}
				}
				// an entry not from a walk of this store is refused before anything is removed
				if _, err := s.RemoveUnchanged(ctx, []storage.Entry{{ID: "s00"}}); !errors.Is(err, ErrNoVersion) {
					t.Fatalf("no version: %v", err)
				}
			})
		}
	})
}

// TestInvalidateMany: explicit ids are removed exactly (never another case of the id), and the
// outcomes say which were there (an id given twice is removed once, then missing).
func TestInvalidateMany(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		s := b.store(t, Mapping{Table: table})
		s.BatchSize = 3
		for _, id := range []string{"a", "b", "c", "d", "E"} {
			s.Write(ctx, id, "v")
		}
		r, err := s.InvalidateMany(ctx, []string{"a", "b", "zz", "e", "d", "a"})
		rm, gone := storage.OutcomeRemoved, storage.OutcomeMissing
		if err != nil || r.RemoveCounts != (storage.RemoveCounts{Removed: 3, Missing: 3}) ||
			!slices.Equal(r.Outcomes, []storage.Outcome{rm, rm, gone, gone, rm, gone}) {
			t.Fatalf("%+v %v", r, err)
		}
		if got := ids(walkAll(t, s, storage.WalkOptions{})); !slices.Equal(got, []string{"E", "c"}) && !slices.Equal(got, []string{"c", "E"}) {
			t.Fatalf("left %v", got)
		}
		if _, err := s.InvalidateMany(ctx, []string{"c", ""}); !errors.Is(err, storage.ErrBadID) {
			t.Fatalf("bad id: %v", err)
		}
		if b.count(t, table) != 2 {
			t.Fatal("a bad id in the batch removed something")
		}
	})
}

// TestMySQLCaseInsensitiveCollation: MySQL's and MariaDB's usual collations compare 'abc' and
// 'ABC' as equal; ids are still matched exactly (as bytes) by reads, removals and purges.
func TestMySQLCaseInsensitiveCollation(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		if b.d != MySQL {
			return
		}
		table := b.table(t, "id VARCHAR(191) COLLATE utf8mb4_general_ci PRIMARY KEY", "value TEXT")
		s := b.store(t, Mapping{Table: table})
		if err := s.Write(ctx, "abc", "v"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, "ABC"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Read(ABC) = %v", err)
		}
		if err := s.Invalidate(ctx, "ABC"); err != nil {
			t.Fatal(err)
		}
		if r, err := s.InvalidateMany(ctx, []string{"ABC", "Abc"}); err != nil || r.Removed != 0 {
			t.Fatalf("%+v %v", r, err)
		}
		if got := ids(walkAll(t, s, storage.WalkOptions{IDPrefix: "AB"})); len(got) != 0 {
			t.Fatalf("prefix AB: %v", got)
		}
		if b.count(t, table) != 1 {
			t.Fatal("a case variant of the id removed the session")
		}
	})
}

// TestLookup: one row with what the walk gives of it (the same Version, age and TTL), its text
// through the value codec; a missing or expired row is ErrNotFound, as for Read.
func TestLookup(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text, "updated "+ty.bigint, "expires "+ty.bigint)
		s := b.store(t, Mapping{Table: table, UpdatedColumn: "updated", UpdatedUnit: Seconds, ExpiresColumn: "expires", ExpiresUnit: Seconds, Value: Hex})
		s.ttl = time.Hour
		s.now = func() time.Time { return time.Unix(5000, 0) }
		s.Write(ctx, "a", "text of a")
		s.ttl = time.Second
		s.Write(ctx, "gone", "x")
		s.now = func() time.Time { return time.Unix(5010, 0) }
		e, err := s.Lookup(ctx, "a", true)
		w := walkAll(t, s, storage.WalkOptions{IDPrefix: "a"})
		if err != nil || len(w) != 1 || e.Value != "text of a" || e.Version != w[0].Version || e.Version == (storage.Version{}) ||
			!e.Modified.Equal(time.Unix(5000, 0)) || e.TTL != time.Hour-10*time.Second || e.Size != int64(len("74657874206f662061")) {
			t.Fatalf("lookup %+v %v; walk %+v", e, err, w)
		}
		if _, err := s.Lookup(ctx, "b", false); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := s.Lookup(ctx, "gone", false); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("expired: %v", err)
		}
	})
}
