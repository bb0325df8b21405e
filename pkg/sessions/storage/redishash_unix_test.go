//go:build unix

package storage

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisHashRemovalUnderPause: the server is paused (SIGSTOP) while RemoveUnchanged removes
// 40,000 fields of a hash, on a client that retries (go-redis's default) and times out: the
// script whose reply was lost is not resent and its fields are Unknown; what is reported holds:
// confirmed removals <= fields actually gone <= confirmed + unknown, and each field reported
// removed is gone.
func TestRedisHashRemovalUnderPause(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 40,000 fields")
	}
	for _, pause := range []time.Duration{0, 500 * time.Millisecond} {
		srv := startRedis(t)
		c := redisClient(t, srv)
		ctx := context.Background()
		const n = 40000
		p := c.Pipeline()
		for i := range n {
			p.HSet(ctx, "sessions", fmt.Sprintf("%064x", i), "userId=%23su-1")
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		pc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: 3, ReadTimeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond})
		h := NewRedisHash(pc, "sessions", ValueText)
		h.BatchSize = 500
		var es []Entry
		if err := h.Walk(ctx, WalkOptions{}, func(e Entry) error { es = append(es, e); return nil }); err != nil || len(es) != n {
			t.Fatalf("walk: %d %v", len(es), err)
		}
		type out struct {
			res RemoveResult
			err error
		}
		done := make(chan out, 1)
		go func() { res, err := h.RemoveUnchanged(ctx, es); done <- out{res, err} }()
		for c.HLen(ctx, "sessions").Val() > 30000 {
			time.Sleep(time.Millisecond)
		}
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
		gone := n - int(c.HLen(ctx, "sessions").Val())
		pc.Close()
		t.Logf("pause %v: %+v, %v; %d gone", pause, got.res.RemoveCounts, got.err, gone)
		if got.res.Removed > gone || gone > got.res.Removed+got.res.Unknown || got.res.Unknown > h.BatchSize {
			t.Errorf("pause %v: confirmed %d, unknown %d, %d gone", pause, got.res.Removed, got.res.Unknown, gone)
		}
		for i, o := range got.res.Outcomes {
			if o == OutcomeRemoved && c.HExists(ctx, "sessions", es[i].ID).Val() {
				t.Fatalf("%s reported removed but is there", es[i].ID)
			}
		}
	}
}
