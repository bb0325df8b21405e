package storage

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// TestRedisSentinelFailoverDuringPurge: a purge of 20,000 matched sessions (of 40,000) runs
// while the sentinel fails the master over to its replica. The purge completes or fails with an
// error naming the store; afterwards, on the new master: no session that was not matched is
// gone, every session reported removed is gone, and removed <= gone <= removed + unknown.
func TestRedisSentinelFailoverDuringPurge(t *testing.T) {
	if testing.Short() {
		t.Skip("a failover takes seconds")
	}
	st := testredis.StartSentinel(t)
	r, c := topologyStore(t, st.URL("sess:"), 0)
	r.BatchSize = 100
	ctx := context.Background()
	var err error
	if r.ConfirmReplicas, err = ConnectedReplicas(ctx, c); err != nil || r.ConfirmReplicas != 1 {
		t.Fatalf("replicas: %d %v", r.ConfirmReplicas, err)
	}
	const n = 20000
	fillAB(t, c, n)
	mc := st.Master.Client()
	if err := mc.Wait(ctx, 1, 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	mc.Close()
	var es []Entry
	if err := r.Walk(ctx, WalkOptions{IDPrefix: "a"}, func(e Entry) error { es = append(es, e); return nil }); err != nil || len(es) != n {
		t.Fatalf("walk: %d %v", len(es), err)
	}
	type out struct {
		res RemoveResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		var all RemoveResult
		// batch by batch, as the CLI's purge hands them over, so that the purge outlasts the failover
		for lo := 0; lo < len(es); lo += 500 {
			res, err := r.RemoveUnchanged(ctx, es[lo:min(lo+500, len(es))])
			all.RemoveCounts.Add(res.RemoveCounts)
			all.Outcomes = append(all.Outcomes, res.Outcomes...)
			if err != nil {
				done <- out{all, err}
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		done <- out{all, nil}
	}()
	waitGone := func(k int) {
		oc := st.Master.Client()
		defer oc.Close()
		for oc.DBSize(ctx).Val() > int64(2*n-k) {
			time.Sleep(time.Millisecond)
		}
	}
	waitGone(2000)
	if _, err := st.Failover(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	// the new master, once the old one replicates it
	nm := redis.NewClient(&redis.Options{Addr: st.Master.Addr})
	defer nm.Close()
	om := st.Replica.Client()
	defer om.Close()
	if err := nm.Wait(ctx, 1, 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	gone, kept := 0, 0
	for i, e := range es {
		there := nm.Exists(ctx, "sess:"+e.ID).Val() == 1
		if !there {
			gone++
		}
		if there && i < len(got.res.Outcomes) && got.res.Outcomes[i] == OutcomeRemoved {
			t.Errorf("%s reported removed, but it is on the new master", e.ID)
		}
	}
	for i := range n {
		if nm.Exists(ctx, fmt.Sprintf("sess:b%063x", i)).Val() == 1 {
			kept++
		}
	}
	t.Logf("failover during the purge: %+v, err %v; %d of %d matched gone, %d of %d others there", got.res.RemoveCounts, got.err, gone, n, kept, n)
	if kept != n {
		t.Errorf("%d sessions that were not matched are gone", n-kept)
	}
	if r := got.res; r.Removed > gone || gone > r.Removed+r.Unknown {
		t.Errorf("reported removed %d, unknown %d, but %d are gone", r.Removed, r.Unknown, gone)
	}
	if got.err != nil && got.res.Done() == n {
		t.Errorf("an error (%v) although every session has an outcome", got.err)
	}
}

// TestRedisClusterFailoverDuringPurge: a purge of 20,000 matched sessions (of 40,000, spread over
// three masters with a replica each) runs while one replica takes over its master (CLUSTER
// FAILOVER). The purge completes or fails with an error naming the store; afterwards no session
// that was not matched is gone, every session reported removed is gone, and
// removed <= gone <= removed + unknown.
func TestRedisClusterFailoverDuringPurge(t *testing.T) {
	if testing.Short() {
		t.Skip("a failover takes seconds")
	}
	cl := testredis.StartClusterReplicas(t)
	r, c := topologyStore(t, cl.URL("sess:"), 0)
	r.BatchSize = 200
	ctx := context.Background()
	const n = 20000
	fillAB(t, c, n)
	var es []Entry
	if err := r.Walk(ctx, WalkOptions{IDPrefix: "a"}, func(e Entry) error { es = append(es, e); return nil }); err != nil || len(es) != n {
		t.Fatalf("walk: %d %v", len(es), err)
	}
	var removed atomic.Int64
	done := make(chan failoverOut, 1)
	go func() {
		var all RemoveResult
		// about 80 batches 60 ms apart: the purge outlasts the failover (a second or two)
		for lo := 0; lo < len(es); lo += 250 {
			res, err := r.RemoveUnchanged(ctx, es[lo:min(lo+250, len(es))])
			all.RemoveCounts.Add(res.RemoveCounts)
			all.Outcomes = append(all.Outcomes, res.Outcomes...)
			removed.Store(int64(all.Removed))
			if err != nil {
				done <- failoverOut{all, err}
				return
			}
			time.Sleep(60 * time.Millisecond)
		}
		done <- failoverOut{all, nil}
	}()
	for removed.Load() < 2000 {
		time.Sleep(time.Millisecond)
	}
	old, nm, err := cl.Failover()
	if err != nil {
		t.Fatal(err)
	}
	if at := removed.Load(); at >= n {
		t.Fatalf("the purge ended (%d removed) before the failover did", at)
	}
	got := <-done
	fresh := cl.Client()
	defer fresh.Close()
	exists := func(keys []string) []bool {
		out := make([]bool, len(keys))
		cmds := make([]*redis.IntCmd, len(keys))
		p := fresh.Pipeline()
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, k)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, c := range cmds {
			out[i] = c.Val() == 1
		}
		return out
	}
	keys := make([]string, len(es))
	for i, e := range es {
		keys[i] = "sess:" + e.ID
	}
	gone := 0
	for i, there := range exists(keys) {
		if !there {
			gone++
		}
		if there && i < len(got.res.Outcomes) && got.res.Outcomes[i] == OutcomeRemoved {
			t.Errorf("%s reported removed, but it is there", es[i].ID)
		}
	}
	others := make([]string, n)
	for i := range n {
		others[i] = fmt.Sprintf("sess:b%063x", i)
	}
	kept := 0
	for _, there := range exists(others) {
		if there {
			kept++
		}
	}
	t.Logf("failover %s -> %s during the purge: %+v, err %v; %d of %d matched gone, %d of %d others there", old, nm, got.res.RemoveCounts, got.err, gone, n, kept, n)
	if kept != n {
		t.Errorf("%d sessions that were not matched are gone", n-kept)
	}
	if r := got.res; r.Removed > gone || gone > r.Removed+r.Unknown {
		t.Errorf("reported removed %d, unknown %d, but %d are gone", r.Removed, r.Unknown, gone)
	}
}

type failoverOut struct {
	res RemoveResult
	err error
}

// TestRedisFailoverDuringPurgeMatching: the one-step purge (PurgeMatching: SCAN and a
// test-and-remove script per 100 keys) of 20,000 matched sessions of 40,000, paced so that it
// outlasts a failover, on Sentinel (waiting for the replica on every page) and on a cluster with
// a replica per master (CLUSTER FAILOVER). It completes or fails with an error; afterwards no
// session that was not matched is gone, every session it reported removed is gone from the new
// masters, and removed <= gone <= removed + unknown.
func TestRedisFailoverDuringPurgeMatching(t *testing.T) {
	if testing.Short() {
		t.Skip("a failover takes seconds")
	}
	for _, mode := range []string{"sentinel", "cluster"} {
		t.Run(mode, func(t *testing.T) {
			var url string
			var failover func() error
			if mode == "sentinel" {
				st := testredis.StartSentinel(t)
				url = st.URL("sess:")
				failover = func() error { _, err := st.Failover(); return err }
			} else {
				cl := testredis.StartClusterReplicas(t)
				url = cl.URL("sess:")
				failover = func() error { _, _, err := cl.Failover(); return err }
			}
			r, c := topologyStore(t, url, 0)
			ctx := context.Background()
			r.BatchSize = 100
			if mode == "sentinel" {
				var err error
				if r.ConfirmReplicas, err = ConnectedReplicas(ctx, c); err != nil || r.ConfirmReplicas != 1 {
					t.Fatalf("replicas: %d %v", r.ConfirmReplicas, err)
				}
			}
			const n = 20000
			fillAB(t, c, n)
			if mode == "sentinel" {
				if err := c.(*redis.Client).Wait(ctx, 1, 10*time.Second).Err(); err != nil {
					t.Fatal(err)
				}
			}
			var removed atomic.Int64
			var reported []string
			type result struct {
				p   Purged
				err error
			}
			done := make(chan result, 1)
			go func() {
				pr, err := r.PurgeMatching(ctx, WalkOptions{IDPrefix: "a"}, PurgeReport{IDs: true,
					Removed: func(es []Entry) {
						for _, e := range es {
							reported = append(reported, e.ID)
						}
					},
					Counted: func(k int, _ int64) {
						removed.Add(int64(k))
						time.Sleep(15 * time.Millisecond) // about 200 pages: longer than the failover
					}})
				done <- result{pr, err}
			}()
			for removed.Load() < 2000 {
				time.Sleep(time.Millisecond)
			}
			if err := failover(); err != nil {
				t.Fatal(err)
			}
			if at := removed.Load(); at >= n {
				t.Fatalf("the purge ended (%d removed) before the failover did", at)
			}
			got := <-done
			fresh := c
			if mode == "sentinel" {
				_, fresh = topologyStore(t, url, 0) // a new client: the sentinel names the new master
			}
			count := func(prefix string, ids []string) (there int, present map[string]bool) {
				present = map[string]bool{}
				p := fresh.Pipeline()
				cmds := make([]*redis.IntCmd, len(ids))
				for i, id := range ids {
					cmds[i] = p.Exists(ctx, prefix+id)
				}
				if _, err := p.Exec(ctx); err != nil {
					t.Fatal(err)
				}
				for i, cmd := range cmds {
					if cmd.Val() == 1 {
						there++
						present[ids[i]] = true
					}
				}
				return there, present
			}
			as, bs := make([]string, n), make([]string, n)
			for i := range n {
				as[i], bs[i] = fmt.Sprintf("a%063x", i), fmt.Sprintf("b%063x", i)
			}
			leftA, present := count("sess:", as)
			kept, _ := count("sess:", bs)
			gone := n - leftA
			back := 0
			for _, id := range reported {
				if present[id] {
					back++
				}
			}
			t.Logf("%s failover during PurgeMatching: %+v, err %v; %d of %d matched gone, %d reported removed are there, %d of %d others there",
				mode, got.p, got.err, gone, n, back, kept, n)
			if kept != n {
				t.Errorf("%d sessions that were not matched are gone", n-kept)
			}
			if back > 0 {
				t.Errorf("%d sessions reported removed are on the new master", back)
			}
			if got.p.Removed != len(reported) || got.p.Removed > gone || gone > got.p.Removed+got.p.Unknown {
				t.Errorf("reported removed %d (%d ids), unknown %d, but %d are gone", got.p.Removed, len(reported), got.p.Unknown, gone)
			}
		})
	}
}

// fillAB writes n sessions sess:a… (to purge: --id-prefix a) and n sessions sess:b… (to keep).
func fillAB(t *testing.T, c redis.UniversalClient, n int) {
	t.Helper()
	ctx := context.Background()
	p := c.Pipeline()
	for i := range n {
		p.Set(ctx, fmt.Sprintf("sess:a%063x", i), "userId=%23su-1", 0)
		p.Set(ctx, fmt.Sprintf("sess:b%063x", i), "userId=%23su-2", 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// topologyStore is the store of a topology URL (a test's cluster or sentinel), with entries
// written for ttl, and its client, closed when the test ends.
func topologyStore(t *testing.T, url string, ttl time.Duration) (*Redis, redis.UniversalClient) {
	t.Helper()
	topo, err := ParseRedisTopologyURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := topo.Client()
	t.Cleanup(func() { c.Close() })
	return NewRedis(c, topo.Prefix, ttl), c
}
