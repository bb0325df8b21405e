package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// startRedis starts a private redis-server for t (internal/testredis), with
// extra redis-server arguments.
func startRedis(t testing.TB, extra ...string) *testredis.Server {
	t.Helper()
	return testredis.Start(t, extra...)
}

// redisClient is a client of s, closed when the test ends.
func redisClient(t testing.TB, s *testredis.Server) *redis.Client {
	c := s.Client()
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRedisReadWrite(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	r := NewRedis(c, "sess:", time.Hour)
	for _, v := range []string{"userId=%23su-1&admin=%23bof", "name=%23s%E6%97%A5", "é raw ünïcode \x00 bytes"} {
		if err := r.Write(ctx, "abc", v); err != nil {
			t.Fatal(err)
		}
		if got, err := r.Read(ctx, "abc"); got != v || err != nil {
			t.Errorf("Read = %q %v; want %q", got, err, v)
		}
		if raw, _ := c.Get(ctx, "sess:abc").Result(); raw != v {
			t.Errorf("stored %q, want %q exactly", raw, v)
		}
	}
	if ttl := c.PTTL(ctx, "sess:abc").Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL after write %v", ttl)
	}
	r0 := NewRedis(c, "p:", 0)
	r0.Write(ctx, "x", "v")
	if ttl := c.TTL(ctx, "p:x").Val(); ttl != -1 {
		t.Errorf("ttl 0 wrote TTL %v", ttl)
	}
	var se *Error
	_, err := r.Read(ctx, "nothere")
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &se) || se.Op != "read" || !strings.Contains(err.Error(), srv.Addr) {
		t.Errorf("missing: %v", err)
	}
	c.HSet(ctx, "sess:h", "f", "v")
	_, err = r.Read(ctx, "h")
	if !errors.Is(err, ErrWrongType) || !strings.Contains(err.Error(), "wrong type") {
		t.Errorf("wrong type: %v", err)
	}
	c.Set(ctx, "sess:empty", "", 0)
	if _, err := r.Read(ctx, "empty"); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if err := r.Invalidate(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := r.Invalidate(ctx, "abc"); err != nil {
		t.Errorf("second invalidate: %v", err)
	}
	if n := c.Exists(ctx, "sess:abc").Val(); n != 0 {
		t.Errorf("key still there")
	}
	for _, f := range []func() error{
		func() error { return r.Write(ctx, "", "v") },
		func() error { _, err := r.Read(ctx, ""); return err },
		func() error { return r.Invalidate(ctx, "") },
		func() error { _, err := r.InvalidateMany(ctx, []string{"a", ""}); return err },
		func() error { var v IDValidator = r; return v.ValidateID("") },
	} {
		if err := f(); !errors.Is(err, ErrBadID) {
			t.Errorf("empty id: %v", err)
		}
	}
}

func fillRedis(t testing.TB, c *redis.Client, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	for lo := 0; lo < n; lo += 1000 {
		p := c.Pipeline()
		for i := lo; i < min(lo+1000, n); i++ {
			ids[i] = fmt.Sprintf("%064x", uint64(i)*0x9E3779B97F4A7C15)
			admin := "f"
			if i%10 == 0 {
				admin = "t"
			}
			p.Set(ctx, prefix+ids[i], fmt.Sprintf("userId=%%23su-%d&admin=%%23bo%s", i, admin), time.Hour)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestRedisWalk(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	ids := fillRedis(t, c, "sess:", 2500)
	c.Set(ctx, "other:keep", "not a session", 0)
	c.HSet(ctx, "sess:hash", "f", "v")
	c.Set(ctx, "s*[x]:literal", "v", 0) // a prefix with glob characters
	r := NewRedis(c, "sess:", 0)
	r.BatchSize = 300
	collect := func(r *Redis, o WalkOptions) (map[string]Entry, WalkStats, error) {
		got := map[string]Entry{}
		var st WalkStats
		o.Stats = &st
		err := r.Walk(ctx, o, func(e Entry) error {
			if _, dup := got[e.ID]; dup && !o.Sorted {
				// SCAN may return a key twice; callers see what SCAN gives
			}
			got[e.ID] = e
			return nil
		})
		return got, st, err
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		o    WalkOptions
		want int
	}{
		{"all", WalkOptions{}, 2500},
		{"all, other types counted", WalkOptions{CountSkipped: true}, 2500},
		{"with value", WalkOptions{WithValue: true}, 2500},
		{"with value, other types counted", WalkOptions{WithValue: true, CountSkipped: true}, 2500},
		{"sorted", WalkOptions{Sorted: true}, 2500},
		{"prefix", WalkOptions{IDPrefix: ids[5][:3]}, -1},
		{"older than 1d in 2 days", WalkOptions{OlderThan: 24 * time.Hour, Now: now.Add(48 * time.Hour)}, 2500},
		{"older than 1h now", WalkOptions{OlderThan: time.Hour}, 0},
		{"newer than 1h", WalkOptions{NewerThan: time.Hour}, 2500},
		{"limit", WalkOptions{Limit: 7}, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st, err := collect(r, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == -1 {
				want = 0
				for _, id := range ids {
					if strings.HasPrefix(id, tc.o.IDPrefix) {
						want++
					}
				}
			}
			if len(got) != want {
				t.Errorf("%d entries, want %d (stats %+v)", len(got), want, st)
			}
			if _, ok := got["other:keep"]; ok {
				t.Error("a key outside the prefix")
			}
			if skipped := map[bool]int64{true: 1}[tc.o.CountSkipped]; tc.o.IDPrefix == "" && tc.o.Limit == 0 && st.Skipped != skipped {
				t.Errorf("skipped %d, want %d (the hash)", st.Skipped, skipped)
			}
			for id, e := range got {
				if e.TTL < 59*time.Minute || e.Size == 0 || e.Modified.IsZero() {
					t.Fatalf("entry %s: %+v", id, e)
				}
				if tc.o.WithValue && !strings.HasPrefix(e.Value, "userId=%23su-") {
					t.Fatalf("value %q", e.Value)
				}
			}
		})
	}
	t.Run("glob prefix is literal", func(t *testing.T) {
		got, _, err := collect(NewRedis(c, "s*[x]:", 0), WalkOptions{})
		if err != nil || len(got) != 1 || got["literal"].ID != "literal" {
			t.Errorf("%v %v", got, err)
		}
	})
	t.Run("sorted per batch", func(t *testing.T) {
		var got []string
		r.Walk(ctx, WalkOptions{Sorted: true, Limit: 50}, func(e Entry) error { got = append(got, e.ID); return nil })
		if len(got) == 0 {
			t.Fatal("nothing")
		}
	})
	t.Run("fn error", func(t *testing.T) {
		boom := errors.New("boom")
		n := 0
		err := r.Walk(ctx, WalkOptions{}, func(Entry) error { n++; return boom })
		if err != boom || n != 1 {
			t.Errorf("%v %d", err, n)
		}
	})
	t.Run("idle time untracked under LFU", func(t *testing.T) {
		c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu")
		defer c.ConfigSet(ctx, "maxmemory-policy", "noeviction")
		got, _, err := collect(r, WalkOptions{Limit: 3})
		if err != nil || len(got) != 3 {
			t.Fatalf("walk without ages: %v", err)
		}
		for _, e := range got {
			if !e.Modified.IsZero() {
				t.Errorf("Modified %v without idle time", e.Modified)
			}
		}
		if _, _, err := collect(r, WalkOptions{OlderThan: time.Hour}); err == nil || !strings.Contains(err.Error(), "idletime") {
			t.Errorf("age filter under LFU: %v", err)
		}
	})
	t.Run("purge by match", func(t *testing.T) {
		var victims []string
		err := r.Walk(ctx, WalkOptions{WithValue: true}, func(e Entry) error {
			if strings.HasSuffix(e.Value, "%23bot") {
				victims = append(victims, e.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(victims)
		victims = append(victims, "not-there")
		n, err := r.InvalidateMany(ctx, victims)
		if err != nil || n.Removed != 250 || n.Missing != 1 {
			t.Fatalf("InvalidateMany %d %v", n, err)
		}
		got, _, _ := collect(r, WalkOptions{})
		if len(got) != 2250 {
			t.Errorf("%d left", len(got))
		}
		if c.Get(ctx, "other:keep").Val() != "not a session" {
			t.Error("purge touched other:keep")
		}
	})
}

func TestRedisServerGone(t *testing.T) {
	srv := startRedis(t)
	srv.Kill()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	r := NewRedis(c, "sess:", 0)
	checks := map[string]func() error{
		"read":       func() error { _, err := r.Read(ctx, "x"); return err },
		"write":      func() error { return r.Write(ctx, "x", "v") },
		"invalidate": func() error { return r.Invalidate(ctx, "x") },
		"scan":       func() error { return r.Walk(ctx, WalkOptions{}, func(Entry) error { return nil }) },
		"purge":      func() error { _, err := r.InvalidateMany(ctx, []string{"x"}); return err },
	}
	for op, f := range checks {
		err := f()
		var se *Error
		if err == nil || !errors.As(err, &se) || se.Op != op {
			t.Errorf("%s: %v", op, err)
			continue
		}
		want := "storage: redis " + srv.Addr + ": " + op
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s: message %q, want prefix %q and the cause", op, err, want)
		}
	}
}

// TestRedisKilledMidPurge: the server dies while a purge runs; the purge
// reports how many it deleted, and an error naming the server.
func TestRedisKilledMidPurge(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	ids := fillRedis(t, c, "sess:", 60000)
	pc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer pc.Close()
	r := NewRedis(pc, "sess:", 0)
	r.BatchSize = 200
	type res struct {
		n   RemoveResult
		err error
	}
	done := make(chan res)
	go func() {
		n, err := r.InvalidateMany(ctx, ids)
		done <- res{n, err}
	}()
	for {
		if n, err := c.DBSize(ctx).Result(); err != nil || n < 55000 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	srv.Kill()
	got := <-done
	if got.err == nil {
		t.Skipf("the purge finished (%d) before the server was killed", got.n)
	}
	if got.n.Removed < 5000 || got.n.Removed >= len(ids) {
		t.Errorf("n = %+v, want the deletions before the kill", got.n)
	}
	if !strings.Contains(got.err.Error(), srv.Addr) || !strings.Contains(got.err.Error(), "purge") {
		t.Errorf("error %v", got.err)
	}
}

// TestRedisWithoutUnlink: a server without UNLINK (Redis < 4, or renamed
// away) gets DEL.
func TestRedisWithoutUnlink(t *testing.T) {
	srv := startRedis(t, "--rename-command", "UNLINK", "")
	ctx := context.Background()
	c := redisClient(t, srv)
	ids := fillRedis(t, c, "sess:", 50)
	r := NewRedis(c, "sess:", 0)
	r.BatchSize = 20
	if err := r.Invalidate(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if n, err := r.InvalidateMany(ctx, ids); n.Removed != 49 || err != nil {
		t.Errorf("InvalidateMany %d %v", n, err)
	}
	if n := c.DBSize(ctx).Val(); n != 0 {
		t.Errorf("%d keys left", n)
	}
	r2 := NewRedis(c, "sess:", 0) // a fresh storage learns it from a purge too
	ids = fillRedis(t, c, "sess:", 30)
	if n, err := r2.InvalidateMany(ctx, ids); n.Removed != 30 || err != nil {
		t.Errorf("fresh InvalidateMany %d %v", n, err)
	}
}

func TestParseRedisURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr, user, pass, prefix string
		db                            int
		tls                           bool
		bad                           bool
	}{
		{url: "redis://127.0.0.1:6390/0?prefix=sess:", addr: "127.0.0.1:6390", prefix: "sess:"},
		{url: "redis://localhost", addr: "localhost:6379"},
		{url: "redis://u:p%40ss@h:1/3?prefix=a%2Fb&dial_timeout=2s", addr: "h:1", user: "u", pass: "p@ss", db: 3, prefix: "a/b"},
		{url: "redis://:secret@h:1/2", addr: "h:1", pass: "secret", db: 2},
		{url: "rediss://h:6380/1?prefix=x", addr: "h:6380", db: 1, prefix: "x", tls: true},
		{url: "http://h:1", bad: true},
		{url: "redis://h:1/notadb", bad: true},
		{url: "redis://h:1/0?nonsense=1", bad: true},
		{url: "::::", bad: true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			o, prefix, err := ParseRedisURL(tc.url)
			if tc.bad {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("err %v, want ErrConfig", err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("password in error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Addrs[0] != tc.addr || o.Username != tc.user || o.Password != tc.pass || o.DB != tc.db || prefix != tc.prefix || (o.TLSConfig != nil) != tc.tls {
				t.Errorf("got %+v prefix %q", o, prefix)
			}
		})
	}
}
