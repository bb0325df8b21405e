//go:build unix

package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// startCluster starts a 3-master Redis Cluster (no replicas) on loopback ports (testredis's)
// and returns its nodes with a client of each.
func startCluster(t *testing.T) ([]*testredis.Server, []*redis.Client) {
	t.Helper()
	cl := testredis.StartCluster(t)
	var cs []*redis.Client
	for _, s := range cl.Nodes {
		c := s.Client()
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	return cl.Nodes, cs
}

// TestRedisClusterMasters: on a real 3-master cluster, a walk reads every master with the
// per-master scripts and touches nothing; RemoveUnchanged keeps a session read or rewritten after
// the walk, leaves a hash alone, counts one gone as missing; and a key whose slot moved to another
// master after the walk (the client's slot map is stale: the script on the old master answers 4
// for it) goes through the cluster client's redirection to its new master, where it is kept as
// changed (MIGRATE restores it with a fresh idle time: it looks used since the walk), each
// outcome exact.
func TestRedisClusterMasters(t *testing.T) {
	srvs, cs := startCluster(t)
	ctx := context.Background()
	var addrs []string
	for _, s := range srvs {
		addrs = append(addrs, s.Addr)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	cc.Set(ctx, "tmp:dump{x}", "userId=%23su-1", 0)
	dump, err := cc.Dump(ctx, "tmp:dump{x}").Result()
	if err != nil {
		t.Fatal(err)
	}
	const n = 900
	ids := make([]string, n)
	p := cc.Pipeline()
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", uint64(i+1)*0x9E3779B97F4A7C15)
		p.Do(ctx, "RESTORE", "sess:"+ids[i], 0, dump, "IDLETIME", idle40d, "REPLACE")
	}
	for i := 0; i < 100; i++ {
		p.Set(ctx, fmt.Sprintf("sess:young%03d", i), "userId=%23su-2", 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	cc.HSet(ctx, "sess:h", "f", "v")
	r := NewRedis(cc, "sess:", 0)
	r.BatchSize = 128
	var matched []Entry
	var st WalkStats
	if err := r.Walk(ctx, WalkOptions{OlderThan: 30 * 24 * time.Hour, Stats: &st, CountSkipped: true}, func(e Entry) error {
		matched = append(matched, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(matched) != n || st.Files != n+100+1 || st.Skipped != 1 || r.noAnySlot.Load() {
		t.Fatalf("walk: %d matched, stats %+v (per-master scripts refused: %v)", len(matched), st, r.noAnySlot.Load())
	}
	touched := 0
	for _, id := range ids {
		if d, err := cc.ObjectIdleTime(ctx, "sess:"+id).Result(); err != nil || d < 30*24*time.Hour {
			touched++
		}
	}
	if touched > 0 {
		t.Fatalf("the walk touched %d keys", touched)
	}
	for _, id := range ids[:20] {
		cc.Get(ctx, "sess:"+id)
	}
	for _, id := range ids[20:30] {
		cc.Set(ctx, "sess:"+id, "userId=%23su-3", 0)
	}
	cc.Del(ctx, "sess:"+ids[30])
	cc.Del(ctx, "sess:"+ids[31])
	cc.HSet(ctx, "sess:"+ids[31], "f", "v")
	// move the slot of ids[40] (and every other matched key in it) to another master, behind the
	// client's back
	slot := int(cc.ClusterKeySlot(ctx, "sess:"+ids[40]).Val())
	from, to := -1, -1
	ids3 := make([]string, 3)
	for i, c := range cs {
		ids3[i] = c.ClusterMyID(ctx).Val()
		if c.ClusterCountKeysInSlot(ctx, slot).Val() > 0 {
			from = i
		}
	}
	to = (from + 1) % 3
	moved := cs[from].ClusterGetKeysInSlot(ctx, slot, 1000).Val()
	host, port, _ := strings.Cut(srvs[to].Addr, ":")
	pn, _ := strconv.Atoi(port)
	steps := []struct {
		c    *redis.Client
		args []any
	}{
		{cs[to], []any{"CLUSTER", "SETSLOT", slot, "IMPORTING", ids3[from]}},
		{cs[from], []any{"CLUSTER", "SETSLOT", slot, "MIGRATING", ids3[to]}},
		{cs[from], append([]any{"MIGRATE", host, pn, "", 0, 5000, "KEYS"}, toAny(moved)...)},
		{cs[to], []any{"CLUSTER", "SETSLOT", slot, "NODE", ids3[to]}},
		{cs[from], []any{"CLUSTER", "SETSLOT", slot, "NODE", ids3[to]}},
		{cs[(to+1)%3], []any{"CLUSTER", "SETSLOT", slot, "NODE", ids3[to]}},
	}
	for _, s := range steps {
		if err := s.c.Do(ctx, s.args...).Err(); err != nil {
			t.Fatalf("%v: %v", s.args, err)
		}
	}
	inMoved := map[string]bool{}
	for _, k := range moved {
		inMoved[strings.TrimPrefix(k, "sess:")] = true
	}
	// the old master's script leaves a key it no longer serves for the cluster client
	movedAt := slicesIndex(ids, ids[40])
	out := make([]Outcome, n)
	again, failed, connErr := r.removeOn(ctx, cs[from], []int{movedAt}, 100, func(i int) (string, string) { return ids[i], "0" }, out)
	if fmt.Sprint(again) != fmt.Sprint([]int{movedAt}) || failed != nil || connErr != nil || out[movedAt] != OutcomeNone {
		t.Fatalf("the old master's script on a moved key: again %v, %v, %v, outcome %v", again, failed, connErr, out[movedAt])
	}
	res, err := r.RemoveUnchanged(ctx, matched)
	want := RemoveCounts{Removed: n - 32 - len(moved), Changed: 30 + len(moved), Missing: 1, NotSession: 1}
	if err != nil || res.RemoveCounts != want {
		t.Errorf("RemoveUnchanged = %+v, %v; want %+v", res.RemoveCounts, err, want)
	}
	for i, o := range res.Outcomes {
		id := matched[i].ID
		wantO := OutcomeRemoved
		switch k := slicesIndex(ids, id); {
		case k < 30:
			wantO = OutcomeChanged
		case k == 30:
			wantO = OutcomeMissing
		case k == 31:
			wantO = OutcomeNotSession
		case inMoved[id]:
			wantO = OutcomeChanged
		}
		if o != wantO {
			t.Errorf("outcome of %s (moved: %v): %v, want %v", id, inMoved[id], o, wantO)
		}
	}
	left := 0
	for _, c := range cs {
		left += int(c.DBSize(ctx).Val())
	}
	if left != 30+1+100+1+1+len(moved) { // the 30 used, the hash at ids[31], the young ones, sess:h, tmp:dump{x}, the moved
		t.Errorf("%d keys left", left)
	}
	t.Logf("%d keys of slot %d moved from master %d to %d after the walk", len(moved), slot, from, to)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
