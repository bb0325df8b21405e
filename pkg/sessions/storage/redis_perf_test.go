//go:build unix

package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// restoreIdle writes n sessions prefix+<tag><hex> (64 characters) made idle seconds idle with
// RESTORE … IDLETIME.
func restoreIdle(t testing.TB, c *redis.Client, prefix, tag string, n int, idle int) []string {
	t.Helper()
	ctx := context.Background()
	c.Set(ctx, "tmp:dump", "userId=%23su-1", 0)
	dump, err := c.Dump(ctx, "tmp:dump").Result()
	if err != nil {
		t.Fatal(err)
	}
	c.Del(ctx, "tmp:dump")
	ids := make([]string, n)
	p := c.Pipeline()
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%0*x", tag, 64-len(tag), uint64(i+1)*0x9E3779B97F4A7C15)
		p.Do(ctx, "RESTORE", prefix+ids[i], 0, dump, "IDLETIME", idle, "REPLACE")
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return ids
}

func walkIDs(t *testing.T, r *Redis, o WalkOptions) ([]string, WalkStats) {
	t.Helper()
	var st WalkStats
	o.Stats = &st
	var ids []string
	if err := r.Walk(context.Background(), o, func(e Entry) error { ids = append(ids, e.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return ids, st
}

// TestRedisWalkOlderThanInScript: with --older-than the describe script reads neither the TTL, the
// size nor the value of a key too young to match (so a walk with values does not touch it), and
// the walk yields exactly what a walk without the filter yields filtered by WalkOptions.Match, on
// pages of every size (a page boundary anywhere in the keys), sorted or not.
func TestRedisWalkOlderThanInScript(t *testing.T) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	old := restoreIdle(t, c, "sess:", "a", 250, idle40d)
	young := restoreIdle(t, c, "sess:", "b", 250, 20*24*3600)
	c.HSet(ctx, "sess:h", "f", "v")
	r := NewRedis(c, "sess:", 0)
	noTouch := noTouchServer(t, c)
	now := time.Now()
	for _, batch := range []int{1, 7, 100, 499, 1000} {
		r.BatchSize = batch
		all, _ := walkIDs(t, r, WalkOptions{})
		o := WalkOptions{OlderThan: 30 * 24 * time.Hour, Now: now}
		var want []string
		if err := r.Walk(ctx, WalkOptions{Now: now}, func(e Entry) error {
			if o.Match(e) {
				want = append(want, e.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(want)
		// WithValue last: on Redis 7.0 its GET touches the old keys
		for _, oo := range []WalkOptions{o, {OlderThan: o.OlderThan, Now: now, Sorted: true}, {OlderThan: o.OlderThan, Now: now, CountSkipped: true},
			{OlderThan: o.OlderThan, Now: now, WithValue: true}} {
			got, st := walkIDs(t, r, oo)
			files, skipped := int64(500), int64(0)
			if oo.CountSkipped {
				files, skipped = 501, 1
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(old) || st.Files != files || st.Skipped != skipped || st.Matched != 250 || st.Vanished != 0 {
				t.Fatalf("batch %d, %+v: %d yielded (want %d of %d), stats %+v", batch, oo, len(got), len(want), len(all), st)
			}
			if oo.WithValue && !noTouch && st.Touched != int64(len(old)) {
				t.Errorf("batch %d: %d touched, want the %d old ones only", batch, st.Touched, len(old))
			}
		}
		if n := touchedKeys(t, c, "sess:", young); n != len(young) {
			t.Fatalf("batch %d: the walks with values touched %d of the %d sessions too young to match", batch, len(young)-n, len(young))
		}
		// the old ones were read with their values (before 7.2): age them again
		old = restoreIdle(t, c, "sess:", "a", 250, idle40d)
	}
}

// TestMinIdle: a key the script leaves undescribed (idle < minIdle) would never pass the
// --older-than filter of entry and matcher, whatever Now, the time the page was sent and the
// time its facts came back.
func TestMinIdle(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 200000; i++ {
		older := time.Duration(rnd.Int64N(int64(90*time.Second))) + time.Duration(rnd.IntN(3))*24*time.Hour
		sent := base.Add(time.Duration(rnd.Int64N(int64(10 * time.Second))))
		at := sent.Add(time.Duration(rnd.Int64N(int64(5 * time.Second))))
		now := sent.Add(time.Duration(rnd.Int64N(int64(40*time.Second))) - 20*time.Second)
		o := WalkOptions{OlderThan: older, Now: now}
		b := minIdle(o, now, sent)
		if b <= 0 {
			continue
		}
		idle := rnd.Int64N(b) // below the bound: not described
		m := o.matcher()
		mod := at.Add(-time.Duration(idle) * time.Second).Truncate(time.Second)
		if m.age(mod) {
			t.Fatalf("older %v now %v sent %v at %v idle %d s: bound %d s, but the entry would match", older, now, sent, at, idle, b)
		}
	}
}

// TestRedisModesAgree: the three ways a walk reads facts and a removal removes (describeScript
// with KEYS on one server; the per-key commands; the per-master scripts of a cluster, whose keys
// are ARGV) give the same entries, the same stats and, for RemoveUnchanged, the same outcomes:
// a session read or rewritten after the walk kept, one replaced by a hash left alone, one gone
// counted missing; none touched by the walks.
func TestRedisModesAgree(t *testing.T) {
	type mode struct {
		name            string
		perKey, anySlot bool
	}
	modes := []mode{{"script", false, false}, {"perKey", true, false}, {"anySlot", false, true}}
	var first string
	for _, md := range modes {
		t.Run(md.name, func(t *testing.T) {
			srv := startRedis(t)
			c := redisClient(t, srv)
			ctx := context.Background()
			ids := agedKeys(t, c, "sess:", 300)
			restoreIdle(t, c, "sess:", "b", 120, 20*24*3600)
			c.HSet(ctx, "sess:h", "f", "v")
			c.Set(ctx, "sess:ttl", "userId=%23su-1", time.Hour)
			r := NewRedis(c, "sess:", 0)
			r.BatchSize = 64
			r.perKey, r.anySlot = md.perKey, md.anySlot
			// each mode's server and clock start anew: compare ages (idle times, whole multiples of
			// 10 s for the aged keys, a few seconds for the fresh ones) in tens of seconds, not the
			// instants, which differ between the modes (CI once saw them cross a 10 s boundary)
			now := time.Now().Truncate(time.Second)
			r.now = func() time.Time { return now }
			var desc []string
			var matched []Entry
			for _, o := range []WalkOptions{{Now: now}, {Now: now, OlderThan: 30 * 24 * time.Hour}, {Now: now, NewerThan: time.Hour}} {
				var st WalkStats
				o.Stats = &st
				var es []string
				if err := r.Walk(ctx, o, func(e Entry) error {
					es = append(es, fmt.Sprintf("%s %d %v %v", e.ID, e.Size, e.TTL > 59*time.Minute || e.TTL == -1, int64(now.Sub(e.Modified)/time.Second)/10))
					if o.OlderThan > 0 {
						matched = append(matched, e)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				sort.Strings(es)
				desc = append(desc, fmt.Sprint(len(es), st, es))
			}
			if n := touchedKeys(t, c, "sess:", ids); n > 0 {
				t.Fatalf("the walks touched %d keys", n)
			}
			for _, id := range ids[:40] {
				c.Get(ctx, "sess:"+id)
			}
			for _, id := range ids[40:50] {
				c.Set(ctx, "sess:"+id, "userId=%23su-2", 0)
			}
			c.Del(ctx, "sess:"+ids[50])
			c.Del(ctx, "sess:"+ids[51])
			c.HSet(ctx, "sess:"+ids[51], "f", "v")
			r.now = time.Now
			res, err := r.RemoveUnchanged(ctx, matched)
			want := RemoveCounts{Removed: 248, Changed: 50, Missing: 1, NotSession: 1}
			if err != nil || res.RemoveCounts != want || len(matched) != 300 {
				t.Errorf("RemoveUnchanged of %d = %+v, %v; want %+v", len(matched), res.RemoveCounts, err, want)
			}
			for i, o := range res.Outcomes {
				id := matched[i].ID
				wantO := OutcomeRemoved
				switch {
				case id == ids[50]:
					wantO = OutcomeMissing
				case id == ids[51]:
					wantO = OutcomeNotSession
				case slicesIndex(ids[:50], id) >= 0:
					wantO = OutcomeChanged
				}
				if o != wantO {
					t.Fatalf("outcome of %s: %v, want %v", id, o, wantO)
				}
			}
			if md.anySlot && r.noAnySlot.Load() {
				t.Error("the server refused the per-master scripts")
			}
			got := fmt.Sprint(desc)
			if first == "" {
				first = got
			} else if got != first {
				t.Errorf("the walks differ from the script's:\n%s\nwant\n%s", got[:min(len(got), 600)], first[:min(len(first), 600)])
			}
		})
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
