package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// topologyCmds: redis-cluster-start (a 3-master cluster; sets CLUSTER_URL) and
// redis-sentinel-start (master, replica, sentinel; sets SENTINEL_URL); topo-fill N [EVERY] and
// topo-count PATTERN N work on the script's topology as redis-fill and redis-count do on one
// server, topo-hfill KEY N EVERY and topo-hlen KEY N on a hash of sessions; redis-failover makes
// the sentinel promote the replica.
func topologyCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	var clients sync.Map // *testscript.TestScript -> redis.UniversalClient
	var sentinels sync.Map
	client := func(ts *testscript.TestScript) redis.UniversalClient {
		c, ok := clients.Load(ts)
		if !ok {
			ts.Fatalf("no topology: redis-cluster-start or redis-sentinel-start first")
		}
		return c.(redis.UniversalClient)
	}
	fatalNoBinary := func(ts *testscript.TestScript, err error) {
		if err == testredis.ErrNoBinary && os.Getenv("SESSIONCTL_REQUIRE_REDIS") == "1" {
			ts.Fatalf("%v and SESSIONCTL_REQUIRE_REDIS=1", err)
		}
		ts.Check(err)
	}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"redis-cluster-start": func(ts *testscript.TestScript, neg bool, args []string) {
			c, err := testredis.StartClusterIn(ts.MkAbs("cluster"))
			fatalNoBinary(ts, err)
			ts.Defer(c.Kill)
			cc := c.Client()
			ts.Defer(func() { cc.Close() })
			clients.Store(ts, redis.UniversalClient(cc))
			ts.Setenv("CLUSTER_URL", c.URL("sess:"))
			ts.Setenv("CLUSTER_BARE", c.URL(""))
			ts.Setenv("CLUSTER_HASH", strings.TrimSuffix(c.URL(""), "&prefix=")+"&layout=hash&key=app:sessions")
		},
		"redis-sentinel-start": func(ts *testscript.TestScript, neg bool, args []string) {
			redis.SetLogger(quietLogger{}) // the failover client logs each master it finds
			s, err := testredis.StartSentinelIn(ts.MkAbs("sentinel"))
			fatalNoBinary(ts, err)
			ts.Defer(s.Kill)
			sc := s.Client()
			ts.Defer(func() { sc.Close() })
			clients.Store(ts, redis.UniversalClient(sc))
			sentinels.Store(ts, s)
			ts.Setenv("SENTINEL_URL", s.URL("sess:"))
			ts.Setenv("SENTINEL_BARE", s.URL(""))
		},
		"redis-unix-start": func(ts *testscript.TestScript, neg bool, args []string) {
			dir, err := os.MkdirTemp("", "rsock") // a socket path has at most 107 bytes
			ts.Check(err)
			ts.Defer(func() { os.RemoveAll(dir) })
			sock := filepath.Join(dir, "redis.sock")
			s, err := testredis.StartIn(ts.MkAbs("redis-data"), "--unixsocket", sock, "--unixsocketperm", "700")
			fatalNoBinary(ts, err)
			ts.Defer(s.Kill)
			c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
			ts.Defer(func() { c.Close() })
			clients.Store(ts, redis.UniversalClient(c))
			ts.Setenv("UNIX_URL", "unix://"+sock+"?db=0&prefix=sess:")
		},
		"redis-failover": func(ts *testscript.TestScript, neg bool, args []string) {
			s, ok := sentinels.Load(ts)
			if !ok {
				ts.Fatalf("no sentinel")
			}
			_, err := s.(*testredis.Sentinel).Failover()
			ts.Check(err)
		},
		"topo-fill": func(ts *testscript.TestScript, neg bool, args []string) {
			fillSessions(ts, client(ts), args)
		},
		"topo-hfill": func(ts *testscript.TestScript, neg bool, args []string) {
			// topo-hfill KEY N EVERY: a hash KEY with N sessions as fields (one key: one slot, one
			// master), every EVERY-th an admin
			n, _ := strconv.Atoi(args[1])
			every, _ := strconv.Atoi(args[2])
			c := client(ts)
			ctx := context.Background()
			p := c.Pipeline()
			for i := 0; i < n; i++ {
				p.HSet(ctx, args[0], fmt.Sprintf("%064x", i), fillValue(i, every))
			}
			_, err := p.Exec(ctx)
			ts.Check(err)
		},
		"topo-hlen": func(ts *testscript.TestScript, neg bool, args []string) {
			n, err := client(ts).HLen(context.Background(), args[0]).Result()
			ts.Check(err)
			if strconv.FormatInt(n, 10) != args[1] {
				ts.Fatalf("hash %s has %d fields, want %s", args[0], n, args[1])
			}
		},
		"topo-set": func(ts *testscript.TestScript, neg bool, args []string) {
			// topo-set KEY VALUE: KEY and VALUE in Go's quoted syntax (hostile bytes)
			k, err := strconv.Unquote(args[0])
			ts.Check(err)
			v, err := strconv.Unquote(args[1])
			ts.Check(err)
			ts.Check(client(ts).Set(context.Background(), k, v, 0).Err())
		},
		"topo-exists": func(ts *testscript.TestScript, neg bool, args []string) {
			k, err := strconv.Unquote(args[0])
			ts.Check(err)
			n, err := client(ts).Exists(context.Background(), k).Result()
			ts.Check(err)
			if (n == 1) == neg {
				ts.Fatalf("key %q: exists %v", k, n == 1)
			}
		},
		"topo-count": func(ts *testscript.TestScript, neg bool, args []string) {
			c := client(ts)
			ctx := context.Background()
			n := 0
			count := func(ctx context.Context, cl *redis.Client) error {
				keys, err := cl.Keys(ctx, args[0]).Result()
				n += len(keys)
				return err
			}
			var err error
			if cc, ok := c.(*redis.ClusterClient); ok {
				var mu sync.Mutex
				err = cc.ForEachMaster(ctx, func(ctx context.Context, cl *redis.Client) error {
					mu.Lock()
					defer mu.Unlock()
					return count(ctx, cl)
				})
			} else {
				err = count(ctx, c.(*redis.Client))
			}
			ts.Check(err)
			if strconv.Itoa(n) != args[1] {
				ts.Fatalf("%d keys match %s, want %s", n, args[0], args[1])
			}
		},
	}
}
