package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// TestParseRedisTopologyURL: cluster and sentinel URLs go through go-redis's own parsers, with
// every addr= kept; the prefix is ours; the sentinels' credentials are the URL's, the master's
// password= (or SetPassword).
func TestParseRedisTopologyURL(t *testing.T) {
	c, err := ParseRedisTopologyURL("redis+cluster://u:pw@10.0.0.1:7000?addr=10.0.0.2:7001&addr=10.0.0.3:7002&prefix=sess:&dial_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "cluster" || c.Prefix != "sess:" || strings.Join(c.Cluster.Addrs, ",") != "10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002" ||
		c.Cluster.Username != "u" || c.Cluster.Password != "pw" || c.Cluster.DialTimeout != 3*time.Second || c.Cluster.TLSConfig != nil {
		t.Fatalf("cluster: %+v %+v", c, c.Cluster)
	}
	c, err = ParseRedisTopologyURL("rediss+cluster://h:7000?prefix=x")
	if err != nil || c.Cluster.TLSConfig == nil {
		t.Fatalf("rediss+cluster: %v", err)
	}
	s, err := ParseRedisTopologyURL("redis+sentinel://su:spw@s1:26379/2?master_name=mymaster&addr=s2:26379&password=mpw&prefix=session_")
	if err != nil {
		t.Fatal(err)
	}
	f := s.Failover
	if s.Kind != "sentinel" || s.Prefix != "session_" || f.MasterName != "mymaster" || f.DB != 2 ||
		strings.Join(f.SentinelAddrs, ",") != "s1:26379,s2:26379" || f.SentinelUsername != "su" || f.SentinelPassword != "spw" || f.Password != "mpw" {
		t.Fatalf("sentinel: %+v", f)
	}
	s.SetPassword("other")
	if f.Password != "mpw" {
		t.Fatal("SetPassword replaced the URL's password")
	}
	u, err := ParseRedisTopologyURL("unix:///run/redis/redis.sock?db=3&prefix=p:")
	if err != nil || u.Server.Network != "unix" || u.Server.Addr != "/run/redis/redis.sock" || u.Server.DB != 3 || u.Prefix != "p:" {
		t.Fatalf("unix: %+v %v", u, err)
	}
	u.SetPassword("pw")
	if u.Server.Password != "pw" {
		t.Fatal("SetPassword")
	}
	for url, want := range map[string]string{
		"redis+sentinel://s1:26379/0":                 "no master_name",
		"redis+sentinel://s1:26379/x?master_name=m":   "invalid database",
		"redis+cluster://h:7000?addr=h2:7001&foo=bar": "foo",
		"redis+mesh://h:1":                            "want redis+cluster://",
		"unix://":                                     "empty unix socket path",
		"redis+cluster://u:secret@h:bad":              "invalid port",
	} {
		_, err := ParseRedisTopologyURL(url)
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want %q", url, err, want)
		}
	}
}

// TestRedisCluster: on a real 3-master cluster, sessions written through the store land on
// every master, and a walk, a read and a batch invalidation reach all of them.
func TestRedisCluster(t *testing.T) {
	cl := testredis.StartCluster(t)
	r, _ := topologyStore(t, cl.URL("sess:"), time.Hour)
	ctx := context.Background()
	var ids []string
	for i := range 600 {
		id := fmt.Sprintf("%064x", i)
		ids = append(ids, id)
		if err := r.Write(ctx, id, "v"+id); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range cl.Nodes {
		nc := n.Client()
		size, err := nc.DBSize(ctx).Result()
		nc.Close()
		if err != nil || size < 100 {
			t.Fatalf("node %s holds %d keys (%v): not spread over the masters", n.Addr, size, err)
		}
	}
	seen := map[string]bool{}
	if err := r.Walk(ctx, WalkOptions{}, func(e Entry) error { seen[e.ID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 600 {
		t.Fatalf("walk saw %d of 600", len(seen))
	}
	if v, err := r.Read(ctx, ids[7]); err != nil || v != "v"+ids[7] {
		t.Fatal(v, err)
	}
	n, err := r.InvalidateMany(ctx, append(ids[:300:300], "f"+ids[0][1:]))
	if err != nil || n.RemoveCounts != (RemoveCounts{Removed: 300, Missing: 1}) {
		t.Fatalf("InvalidateMany: %+v %v", n.RemoveCounts, err)
	}
	// the conditional removal of a purge, on every master: one entry read since the walk is kept
	var es []Entry
	r.Walk(ctx, WalkOptions{}, func(e Entry) error { es = append(es, e); return nil })
	time.Sleep(3500 * time.Millisecond) // idle times have a one-second resolution, compared within two
	if _, err := r.Read(ctx, es[0].ID); err != nil {
		t.Fatal(err)
	}
	rr, err := r.RemoveUnchanged(ctx, es)
	if err != nil || len(es) != 300 || rr.Removed != 299 || rr.Outcomes[0] != OutcomeChanged {
		t.Fatalf("RemoveUnchanged of %d: %+v %v", len(es), rr.RemoveCounts, err)
	}
	left := 0
	r.Walk(ctx, WalkOptions{}, func(Entry) error { left++; return nil })
	if left != 1 {
		t.Fatalf("%d left", left)
	}
}

// TestRedisSentinel: through the sentinel the store finds the master; after a failover it
// finds the new one, and the sessions (replicated) are all there.
func TestRedisSentinel(t *testing.T) {
	st := testredis.StartSentinel(t)
	r, _ := topologyStore(t, st.URL("sess:"), 0)
	ctx := context.Background()
	for i := range 200 {
		if err := r.Write(ctx, fmt.Sprintf("%064x", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		n := 0
		if err := r.Walk(ctx, WalkOptions{}, func(Entry) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 200 {
		t.Fatalf("walk: %d", n)
	}
	mc := st.Master.Client()
	mc.Wait(ctx, 1, 5*time.Second)
	mc.Close()
	old := st.Master.Addr
	if _, err := st.Failover(); err != nil {
		t.Fatal(err)
	}
	// the client follows the sentinel to the new master (retrying while the old one demotes)
	var werr error
	for range 100 {
		if werr = r.Write(ctx, "after", "v"); werr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if werr != nil {
		t.Fatalf("write after failover: %v", werr)
	}
	if n := count(); n != 201 {
		t.Fatalf("walk after failover: %d", n)
	}
	nm := redis.NewClient(&redis.Options{Addr: st.Master.Addr})
	defer nm.Close()
	if v, err := nm.Get(ctx, "sess:after").Result(); err != nil || v != "v" || st.Master.Addr == old {
		t.Fatalf("the write did not go to the new master %s: %q %v", st.Master.Addr, v, err)
	}
}
