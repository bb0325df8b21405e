//go:build unix

package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const idle40d = 40 * 24 * 3600

// agedKeys writes n sessions prefix+<64 hex> made 40 days idle with RESTORE … IDLETIME.
func agedKeys(t testing.TB, c *redis.Client, prefix string, n int) []string {
	t.Helper()
	return restoreIdle(t, c, prefix, "", n, idle40d)
}

// touchedKeys counts the keys whose idle time is below 30 days.
func touchedKeys(t testing.TB, c *redis.Client, prefix string, ids []string) int {
	ctx := context.Background()
	p := c.Pipeline()
	cmds := make([]*redis.DurationCmd, len(ids))
	for i, id := range ids {
		cmds[i] = p.ObjectIdleTime(ctx, prefix+id)
	}
	p.Exec(ctx)
	n := 0
	for _, cmd := range cmds {
		if d, err := cmd.Result(); err != nil || d < 30*24*time.Hour {
			n++
		}
	}
	return n
}

func noTouchServer(t testing.TB, c *redis.Client) bool {
	conn := c.Conn()
	defer conn.Close()
	return conn.Do(context.Background(), "CLIENT", "NO-TOUCH", "ON").Err() == nil
}

// TestRedisReadsDoNotTouch: walks and Lookup without values leave every key's idle time as it
// was (on Redis 7.0, which has no CLIENT NO-TOUCH); a walk that reads values says it touched them.
func TestRedisReadsDoNotTouch(t *testing.T) {
	for _, perKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("perKey=%v", perKey), func(t *testing.T) { testRedisReadsDoNotTouch(t, perKey) })
	}
}

// perKey: the per-key commands a cluster gets instead of one script call per batch.
func testRedisReadsDoNotTouch(t *testing.T, perKey bool) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	ids := agedKeys(t, c, "sess:", 500)
	c.HSet(ctx, "sess:h", "f", "v")
	r := NewRedis(c, "sess:", 0)
	r.BatchSize = 120
	r.perKey = perKey
	noTouch := noTouchServer(t, c)
	for _, o := range []WalkOptions{{}, {CountSkipped: true}, {Sorted: true}, {OlderThan: 30 * 24 * time.Hour}, {NewerThan: time.Hour}, {IDPrefix: ids[3][:2]}, {Limit: 10}, {NoSize: true}} {
		var st WalkStats
		o.Stats = &st
		if err := r.Walk(ctx, o, func(e Entry) error {
			if (e.Size <= 0) != o.NoSize || (o.NoSize && e.Size != -1) || e.Version == (Version{}) || e.Touched {
				t.Errorf("entry %+v", e)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n := touchedKeys(t, c, "sess:", ids); n > 0 || st.Touched > 0 {
			t.Fatalf("walk %+v touched %d keys (stats %+v)", o, n, st)
		}
		// SCAN … TYPE string keeps the hash out of sight unless it is to be counted
		if skipped := map[bool]int64{true: 1}[o.CountSkipped]; o.IDPrefix == "" && o.Limit == 0 && o.NewerThan == 0 && (st.Skipped != skipped || st.Matched != 500) {
			t.Errorf("walk %+v: stats %+v, want 500 sessions and %d skipped (the hash)", o, st, skipped)
		}
	}
	for _, id := range ids[:20] {
		if e, err := r.Lookup(ctx, id, false); err != nil || e.Modified.After(time.Now().Add(-39*24*time.Hour)) {
			t.Errorf("Lookup %s: %+v %v", id, e, err)
		}
	}
	if n := touchedKeys(t, c, "sess:", ids); n > 0 {
		t.Fatalf("Lookup without value touched %d keys", n)
	}
	// reading values: touches before 7.2, and says so
	var st WalkStats
	r.Walk(ctx, WalkOptions{WithValue: true, Stats: &st}, func(e Entry) error {
		if e.Value != "userId=%23su-1" || e.Touched == noTouch {
			t.Fatalf("entry %+v (server has NO-TOUCH: %v)", e, noTouch)
		}
		return nil
	})
	n := touchedKeys(t, c, "sess:", ids)
	if noTouch && (n != 0 || st.Touched != 0) || !noTouch && (n != len(ids) || st.Touched != int64(len(ids))) {
		t.Errorf("walk with values: %d touched, stats %+v (NO-TOUCH %v)", n, st, noTouch)
	}
}

// TestRedisRemoveUnchanged: a purge removes what its walk matched only if the key is still a
// string that nobody accessed since: a session read or rewritten by the service after the walk
// is kept, one replaced by a hash is left alone, one already gone is counted missing.
func TestRedisRemoveUnchanged(t *testing.T) {
	for _, perKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("perKey=%v", perKey), func(t *testing.T) { testRedisRemoveUnchanged(t, perKey) })
	}
}

func testRedisRemoveUnchanged(t *testing.T, perKey bool) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	ids := agedKeys(t, c, "sess:", 300)
	r := NewRedis(c, "sess:", 0)
	r.perKey = perKey
	var matched []Entry
	if err := r.Walk(ctx, WalkOptions{OlderThan: 30 * 24 * time.Hour}, func(e Entry) error { matched = append(matched, e); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:40] {
		c.Get(ctx, "sess:"+id) // the service reads it
	}
	for _, id := range ids[40:50] {
		c.Set(ctx, "sess:"+id, "userId=%23su-2", 0) // rewrites it
	}
	c.Del(ctx, "sess:"+ids[50])
	c.Del(ctx, "sess:"+ids[51])
	c.HSet(ctx, "sess:"+ids[51], "f", "v")
	res, err := r.RemoveUnchanged(ctx, matched)
	want := RemoveCounts{Removed: 248, Changed: 50, Missing: 1, NotSession: 1}
	if err != nil || res.RemoveCounts != want {
		t.Errorf("RemoveUnchanged = %+v, %v; want %+v", res, err, want)
	}
	if n := c.DBSize(ctx).Val(); n != 51 {
		t.Errorf("%d keys left, want the 50 used and the hash", n)
	}
}

// TestRedisNothingOutsideSessions: a key of another type is never removed by id; a store without
// a prefix removes nothing in bulk unless SessionsOnly says the database holds only sessions.
func TestRedisNothingOutsideSessions(t *testing.T) {
	srv := startRedis(t)
	c := redisClient(t, srv)
	ctx := context.Background()
	c.HSet(ctx, "sess:h", "f", "v")
	c.RPush(ctx, "sess:l", "x")
	for _, perKey := range []bool{true, false} {
		c.Set(ctx, "sess:s", "userId=%23su-1", 0)
		r := NewRedis(c, "sess:", 0)
		r.perKey = perKey
		res, err := r.InvalidateMany(ctx, []string{"h", "l", "s", "none"})
		if err != nil || res.RemoveCounts != (RemoveCounts{Removed: 1, NotSession: 2, Missing: 1}) ||
			fmt.Sprint(res.Outcomes) != fmt.Sprint([]Outcome{OutcomeNotSession, OutcomeNotSession, OutcomeRemoved, OutcomeMissing}) {
			t.Errorf("perKey %v: InvalidateMany = %+v, %v", perKey, res, err)
		}
	}
	if c.Exists(ctx, "sess:h", "sess:l").Val() != 2 {
		t.Error("a key of another type was removed")
	}
	c.Set(ctx, "config:flags", "v", 0)
	all := NewRedis(c, "", 0)
	if _, err := all.InvalidateMany(ctx, []string{"config:flags"}); !errors.Is(err, ErrNoPrefix) {
		t.Errorf("no prefix: %v", err)
	}
	if _, err := all.RemoveUnchanged(ctx, []Entry{{ID: "config:flags"}}); !errors.Is(err, ErrNoPrefix) {
		t.Errorf("no prefix, RemoveUnchanged: %v", err)
	}
	if c.Exists(ctx, "config:flags").Val() != 1 {
		t.Error("removed without a prefix")
	}
	all.SessionsOnly = true
	if res, err := all.InvalidateMany(ctx, []string{"config:flags", "sess:h"}); err != nil || res.Removed != 1 || res.NotSession != 1 {
		t.Errorf("SessionsOnly: %+v %v", res, err)
	}
}

// TestRedisRemovalUnderPause: the server is paused (SIGSTOP) while InvalidateMany runs on a client
// that retries (go-redis's default), until the client gives up or for half a second (a resent
// batch would then find its keys gone and count them missing). The batch whose reply was lost is
// not resent, and the result is true: confirmed removals <= the keys actually removed <=
// confirmed + unknown.
func TestRedisRemovalUnderPause(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 40,000 keys")
	}
	for _, pause := range []time.Duration{0, 500 * time.Millisecond} {
		for trial := range 2 {
			srv := startRedis(t)
			c := redisClient(t, srv)
			ctx := context.Background()
			ids := fillRedis(t, c, "sess:", 40000)
			pc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: 3, ReadTimeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond})
			r := NewRedis(pc, "sess:", 0)
			r.BatchSize = 500
			type out struct {
				res RemoveResult
				err error
			}
			done := make(chan out, 1)
			go func() { res, err := r.InvalidateMany(ctx, ids); done <- out{res, err} }()
			for c.DBSize(ctx).Val() > 30000 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(time.Duration(trial) * 700 * time.Microsecond)
			srv.Signal(syscall.SIGSTOP)
			var got out
			if pause > 0 {
				time.Sleep(pause)
				srv.Signal(syscall.SIGCONT)
				got = <-done
			} else {
				got = <-done
				srv.Signal(syscall.SIGCONT)
			}
			time.Sleep(300 * time.Millisecond)
			actual := len(ids) - int(c.DBSize(ctx).Val())
			pc.Close()
			t.Logf("pause %v, trial %d: %+v, %v; actually removed %d", pause, trial, got.res, got.err, actual)
			if got.err != nil && !strings.Contains(got.err.Error(), srv.Addr) {
				t.Errorf("error %v does not name the server", got.err)
			}
			if got.res.Removed > actual || actual > got.res.Removed+got.res.Unknown {
				t.Errorf("pause %v, trial %d: confirmed %d, unknown %d, actually removed %d", pause, trial, got.res.Removed, got.res.Unknown, actual)
			}
		}
	}
}

func TestParseRedisStoreURL(t *testing.T) {
	ru, err := ParseRedisStoreURL("redis://h:1/2?prefix=p:&sessions_only=true&dial_timeout=1s")
	if err != nil || ru.Prefix != "p:" || !ru.SessionsOnly || ru.Options.DB != 2 || ru.Options.DialTimeout != time.Second {
		t.Errorf("%+v %v", ru, err)
	}
	if _, err := ParseRedisStoreURL("redis://h:1/0?sessions_only=maybe"); !errors.Is(err, ErrConfig) {
		t.Errorf("sessions_only=maybe: %v", err)
	}
	if ru, err := ParseRedisStoreURL("redis://h:1/0"); err != nil || ru.SessionsOnly || ru.Prefix != "" {
		t.Errorf("%+v %v", ru, err)
	}
}
