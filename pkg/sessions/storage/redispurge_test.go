//go:build unix

package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

func TestAgeBounds(t *testing.T) {
	now := time.Unix(1_800_000_000, 300e6) // .3 s past a second
	day := 24 * time.Hour
	for _, tc := range []struct {
		o            WalkOptions
		sent         time.Time
		older, newer string
	}{
		{WalkOptions{}, now, "", ""},
		// T = now truncated: age = idle + 0.3 s; above 30d when idle > 30d − 0.3 s, idle ≥ 30d
		{WalkOptions{OlderThan: 30 * day}, now, "2591999", ""},
		{WalkOptions{NewerThan: day}, now, "", "86400"},
		// sent 10.8 s later: T = now + 10.7 s, age = idle − 10.7 s
		{WalkOptions{OlderThan: 30 * day, NewerThan: 31 * day}, now.Add(10800 * time.Millisecond), "2592010", "2678411"},
	} {
		older, newer := ageBounds(tc.o, now, tc.sent)
		if older != tc.older || newer != tc.newer {
			t.Errorf("ageBounds(%v, %v) = %q, %q; want %q, %q", tc.o, tc.sent.Sub(now), older, newer, tc.older, tc.newer)
		}
		// the bounds agree with the walk's matcher for every idle time near them
		m := WalkOptions{OlderThan: tc.o.OlderThan, NewerThan: tc.o.NewerThan, Now: now}.matcher()
		for idle := int64(0); idle < 32*86400; idle += 1 {
			if idle > 100 && (idle < 86300 || idle > 86500) && (idle < 2591900 || idle > 2592100) && (idle < 2678300 || idle > 2678500) {
				continue
			}
			mod := tc.sent.Add(-time.Duration(idle) * time.Second).Truncate(time.Second)
			in := true
			if older != "" {
				var b int64
				fmt.Sscan(older, &b)
				in = in && idle > b
			}
			if newer != "" {
				var b int64
				fmt.Sscan(newer, &b)
				in = in && idle < b
			}
			if in != m.age(mod) {
				t.Fatalf("%v sent +%v idle %d: bounds say %v, the walk %v", tc.o, tc.sent.Sub(now), idle, in, m.age(mod))
			}
		}
	}
}

// TestRedisPurgeMatching: the one-step purge removes exactly what a walk with the same filters
// yields (the dry run), reports each removed session with its age and size, and leaves keys of
// other types, keys outside the prefix and young sessions alone; on one server and with the
// cluster's per-master script.
func TestRedisPurgeMatching(t *testing.T) {
	t.Run("server", func(t *testing.T) { testRedisPurgeMatching(t, startRedis(t)) })
	// a server without GETDEL (Redis before 6.2): TYPE, STRLEN and DEL
	t.Run("no GETDEL", func(t *testing.T) { testRedisPurgeMatching(t, startRedis(t, "--rename-command", "GETDEL", "")) })
}

func testRedisPurgeMatching(t *testing.T, srv *testredis.Server) {
	c := redisClient(t, srv)
	ctx := context.Background()
	for _, anySlot := range []bool{false, true} {
		for _, tc := range []struct {
			name string
			o    WalkOptions
		}{
			{"older", WalkOptions{OlderThan: 30 * 24 * time.Hour}},
			{"newer", WalkOptions{NewerThan: time.Hour}},
			{"prefix", WalkOptions{IDPrefix: "a"}},
			{"prefix+older", WalkOptions{IDPrefix: "b", OlderThan: 30 * 24 * time.Hour}},
			{"all", WalkOptions{}},
		} {
			t.Run(fmt.Sprintf("anySlot=%v/%s", anySlot, tc.name), func(t *testing.T) {
				c.FlushAll(ctx)
				old := agedKeys(t, c, "sess:", 1500)
				var young []string
				for i := range 700 {
					id := fmt.Sprintf("%x%063x", i%16, i)
					young = append(young, id)
					c.Set(ctx, "sess:"+id, "userId=%23su-3", time.Hour)
				}
				c.Del(ctx, "sess:"+old[0])
				c.HSet(ctx, "sess:"+old[0], "f", "v") // an id now a hash: not a session
				c.Do(ctx, "RESTORE", "app:config", 0, c.Dump(ctx, "sess:"+old[1]).Val(), "IDLETIME", idle40d)
				r := NewRedis(c, "sess:", 0)
				r.anySlot, r.BatchSize = anySlot, 200
				o := tc.o
				o.Now = time.Now()
				want := map[string]bool{}
				if err := r.Walk(ctx, o, func(e Entry) error { want[e.ID] = true; return nil }); err != nil {
					t.Fatal(err)
				}
				got := map[string]Entry{}
				var counted int
				var bytes int64
				p, err := r.PurgeMatching(ctx, o, PurgeReport{IDs: true, Removed: func(es []Entry) {
					for _, e := range es {
						if _, dup := got[e.ID]; dup {
							t.Errorf("%s reported twice", e.ID)
						}
						got[e.ID] = e
					}
				}, Counted: func(n int, b int64) { counted += n; bytes += b }})
				if err != nil {
					t.Fatal(err)
				}
				if p.Removed != len(want) || len(got) != len(want) || counted != len(want) || p.Unknown != 0 || bytes != p.Bytes {
					t.Errorf("removed %d, reported %d, counted %d, unknown %d, bytes %d/%d; the walk matched %d", p.Removed, len(got), counted, p.Unknown, bytes, p.Bytes, len(want))
				}
				for id, e := range got {
					if !want[id] {
						t.Errorf("removed %q, which the walk did not match", id)
					}
					if e.Size != int64(len("userId=%23su-1")) && e.Size != int64(len("userId=%23su-3")) || e.Modified.IsZero() || (tc.o.OlderThan > 0 && o.Now.Sub(e.Modified) < 30*24*time.Hour) {
						t.Errorf("%q reported with size %d, modified %v", id, e.Size, e.Modified)
					}
				}
				left := map[string]bool{}
				for _, k := range c.Keys(ctx, "*").Val() {
					left[k] = true
				}
				for _, id := range append(old[1:], young...) {
					if left["sess:"+id] == want[id] {
						t.Errorf("%q: left %v, matched %v", id, left["sess:"+id], want[id])
					}
				}
				if !left["sess:"+old[0]] || !left["app:config"] {
					t.Errorf("the hash or the key outside the prefix was removed")
				}
			})
		}
	}
}

// TestRedisPurgeMatchingLiveUse: while a purge by age runs, clients keep reading and rewriting
// old sessions. A session a client read or wrote (its command answered with the session) must
// survive: the purge tests each key's idle time in the same step that removes it. The same
// attack on a remover that trusts what it saw (DEL of the walk's matches) loses sessions.
func TestRedisPurgeMatchingLiveUse(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 30,000 keys")
	}
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	for _, anySlot := range []bool{false, true} {
		for _, naive := range []bool{false, true} {
			c.FlushAll(ctx)
			ids := agedKeys(t, c, "sess:", 30000)
			r := NewRedis(c, "sess:", 0)
			r.anySlot, r.BatchSize = anySlot, 500
			o := WalkOptions{OlderThan: 30 * 24 * time.Hour, Now: time.Now()}
			var matched []string
			if naive {
				r.Walk(ctx, o, func(e Entry) error { matched = append(matched, e.ID); return nil })
			}
			var used sync.Map // ids a client's command answered for
			var stop atomic.Bool
			var wg sync.WaitGroup
			var ops atomic.Int64
			started := make(chan struct{}, 4)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rnd := rand.New(rand.NewPCG(uint64(w), 7))
					for n := 0; !stop.Load(); n++ {
						id := ids[rnd.IntN(len(ids))]
						if w%2 == 0 {
							if v, err := c.Get(ctx, "sess:"+id).Result(); err == nil && v != "" {
								used.Store(id, true)
							}
						} else if ok, err := c.SetXX(ctx, "sess:"+id, "userId=%23su-9", 0).Result(); err == nil && ok {
							used.Store(id, true)
						}
						if n == 50 {
							started <- struct{}{}
						}
						ops.Add(1)
					}
				}()
			}
			for range 4 {
				<-started
			}
			var removed int
			if naive {
				for lo := 0; lo < len(matched); lo += 500 {
					removed += int(c.Del(ctx, prefixed("sess:", matched[lo:min(lo+500, len(matched))])...).Val())
				}
			} else {
				p, err := r.PurgeMatching(ctx, o, PurgeReport{})
				if err != nil {
					t.Fatal(err)
				}
				removed = p.Removed
			}
			stop.Store(true)
			wg.Wait()
			lost, usedN := 0, 0
			used.Range(func(k, _ any) bool {
				usedN++
				if c.Exists(ctx, "sess:"+k.(string)).Val() == 0 {
					lost++
				}
				return true
			})
			left := int(c.DBSize(ctx).Val())
			t.Logf("anySlot=%v naive=%v: removed %d, %d left, %d used by %d client commands, %d of them lost", anySlot, naive, removed, left, usedN, ops.Load(), lost)
			if removed+left != len(ids) {
				t.Errorf("removed %d + left %d != %d", removed, left, len(ids))
			}
			switch {
			case !naive && lost > 0:
				t.Errorf("the purge removed %d sessions in use", lost)
			case naive && lost == 0:
				t.Errorf("the naive remover lost none: the attack did not race")
			}
		}
	}
}

func prefixed(prefix string, ids []string) []string {
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = prefix + id
	}
	return ks
}

// TestRedisPurgeMatchingOverMaxmemory: a Redis full to its maxmemory (noeviction) refuses
// scripts that may write unless they allow it; a purge is what frees it, so every removal
// script must still run.
func TestRedisPurgeMatchingOverMaxmemory(t *testing.T) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	for _, anySlot := range []bool{false, true} {
		c.ConfigSet(ctx, "maxmemory", "0")
		c.FlushAll(ctx)
		ids := agedKeys(t, c, "sess:", 2000)
		c.ConfigSet(ctx, "maxmemory-policy", "noeviction")
		c.ConfigSet(ctx, "maxmemory", "1mb")
		if err := c.Set(ctx, "probe", "x", 0).Err(); err == nil || !isRedisReply(err) {
			t.Fatalf("the server is not over its maxmemory: SET = %v", err)
		}
		r := NewRedis(c, "sess:", 0)
		r.anySlot = anySlot
		o := WalkOptions{OlderThan: 30 * 24 * time.Hour}
		var es []Entry
		r.Walk(ctx, WalkOptions{Limit: 500}, func(e Entry) error { es = append(es, e); return nil })
		res, err := r.RemoveUnchanged(ctx, es)
		if err != nil || res.Removed != len(es) {
			t.Errorf("anySlot=%v: RemoveUnchanged over maxmemory: %+v %v", anySlot, res.RemoveCounts, err)
		}
		p, err := r.PurgeMatching(ctx, o, PurgeReport{})
		if err != nil || p.Removed != len(ids)-len(es) {
			t.Errorf("anySlot=%v: PurgeMatching over maxmemory: %+v %v; want %d removed", anySlot, p, err, len(ids)-len(es))
		}
	}
	c.ConfigSet(ctx, "maxmemory", "0")
}

// TestRedisPurgeMatchingRefuses: an age filter on a server that tracks no idle time (an LFU
// policy) fails and removes nothing; a Limit or a store without a prefix is not done in one step.
func TestRedisPurgeMatchingRefuses(t *testing.T) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	agedKeys(t, c, "sess:", 300)
	r := NewRedis(c, "sess:", 0)
	if _, err := r.PurgeMatching(ctx, WalkOptions{Limit: 5}, PurgeReport{}); !errors.Is(err, ErrNotSetBased) {
		t.Errorf("Limit: %v", err)
	}
	if _, err := NewRedis(c, "", 0).PurgeMatching(ctx, WalkOptions{}, PurgeReport{}); !errors.Is(err, ErrNoPrefix) {
		t.Errorf("no prefix: %v", err)
	}
	c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu")
	defer c.ConfigSet(ctx, "maxmemory-policy", "noeviction")
	for _, anySlot := range []bool{false, true} {
		r.anySlot = anySlot
		p, err := r.PurgeMatching(ctx, WalkOptions{OlderThan: time.Hour}, PurgeReport{})
		if !errors.Is(err, errNoIdle) || p.Removed != 0 {
			t.Errorf("LFU, anySlot=%v: %+v %v", anySlot, p, err)
		}
		if n := c.DBSize(ctx).Val(); n != 300 {
			t.Errorf("LFU: %d keys left of 300", n)
		}
	}
	// without an age filter the idle time is not needed: the ids go
	p, err := r.PurgeMatching(ctx, WalkOptions{IDPrefix: "000"}, PurgeReport{IDs: true, Removed: func(es []Entry) {
		for _, e := range es {
			if !e.Modified.IsZero() {
				t.Errorf("LFU: %q reported modified %v", e.ID, e.Modified)
			}
		}
	}})
	keys := c.Keys(ctx, "sess:*").Val()
	if err != nil || p.Removed != 300 || len(keys) != 0 {
		t.Errorf("LFU, by prefix: %+v %v, %d left", p, err, len(keys))
	}
}

// TestRedisDescribeTyped: the describe script on keys SCAN … TYPE string gave: a key gone since is
// "none" (counted vanished), a key that holds another type since is refused by GET ("other",
// counted skipped), not read as a session; NoSize reads no size (-1).
func TestRedisDescribeTyped(t *testing.T) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	c.Set(ctx, "sess:s", "userId=%23su-1", time.Hour)
	c.HSet(ctx, "sess:h", "f", "v")
	keys := []string{"sess:s", "sess:gone", "sess:h"}
	for _, anySlot := range []bool{false, true} {
		r := NewRedis(c, "sess:", 0)
		r.anySlot = anySlot
		for _, tc := range []struct {
			withValue, noSize bool
			size              int64
		}{{true, false, 14}, {false, true, -1}, {false, false, 0}} {
			fs, err := r.facts(ctx, c, false, true, tc.noSize, keys, tc.withValue, -1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fs[0].typ != "string" || fs[1].typ != "none" || (tc.withValue && fs[2].typ != "other") {
				t.Errorf("anySlot=%v %+v: types %q %q %q", anySlot, tc, fs[0].typ, fs[1].typ, fs[2].typ)
			}
			if (tc.size != 0 && fs[0].size != tc.size) || (tc.size == 0 && fs[0].size <= 14) || fs[0].pttl <= 0 {
				t.Errorf("anySlot=%v %+v: size %d, TTL %v", anySlot, tc, fs[0].size, fs[0].pttl)
			}
			var st WalkStats
			for i, k := range keys {
				r.entry(k[len("sess:"):], fs[i], false, false, time.Now(), &st)
			}
			if st.Vanished != 1 || (tc.withValue && st.Skipped != 1) {
				t.Errorf("anySlot=%v %+v: stats %+v", anySlot, tc, st)
			}
		}
	}
}
