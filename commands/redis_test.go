package commands

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// redisCmds: testscript commands for a private redis-server.
//
//	redis-start               start a server; sets REDIS_ADDR and REDIS_URL (prefix sess:)
//	redis-fill N [EVERY]      N sessions sess:<64 hex> (admin=true every EVERY-th), plus other:keep
//	redis-kill-after-deletes N   wait until N sessions are gone, then kill the server
//	redis-kill                kill the server
//	redis-count PATTERN WANT  the number of keys matching PATTERN
//	redis-hset KEY FIELD VALUE   a hash (a key that is not a session)
func redisCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	var servers sync.Map // *testscript.TestScript -> *testredis.Server (scripts run in parallel)
	server := func(ts *testscript.TestScript) *testredis.Server {
		s, ok := servers.Load(ts)
		if !ok {
			ts.Fatalf("no redis-server: run redis-start first")
		}
		return s.(*testredis.Server)
	}
	client := func(ts *testscript.TestScript) *redis.Client {
		return redis.NewClient(&redis.Options{Addr: ts.Getenv("REDIS_ADDR")})
	}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"redis-start": func(ts *testscript.TestScript, neg bool, args []string) {
			s, err := testredis.StartIn(ts.MkAbs("redis-data"))
			if err == testredis.ErrNoBinary && os.Getenv("SESSIONCTL_REQUIRE_REDIS") == "1" {
				ts.Fatalf("%v and SESSIONCTL_REQUIRE_REDIS=1", err)
			}
			ts.Check(err)
			servers.Store(ts, s)
			ts.Defer(s.Kill)
			ts.Setenv("REDIS_ADDR", s.Addr)
			ts.Setenv("REDIS_URL", "redis://"+s.Addr+"/0?prefix=sess:")
		},
		"redis-fill": func(ts *testscript.TestScript, neg bool, args []string) {
			c := client(ts)
			defer c.Close()
			fillSessions(ts, c, args)
		},
		"redis-kill-after-deletes": func(ts *testscript.TestScript, neg bool, args []string) {
			n, _ := strconv.ParseInt(args[0], 10, 64)
			c := client(ts)
			defer c.Close()
			ctx := context.Background()
			start, err := c.DBSize(ctx).Result()
			ts.Check(err)
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if cur, err := c.DBSize(ctx).Result(); err == nil && start-cur >= n {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			server(ts).Kill()
		},
		"redis-kill": func(ts *testscript.TestScript, neg bool, args []string) { server(ts).Kill() },
		"redis-hset": func(ts *testscript.TestScript, neg bool, args []string) {
			c := client(ts)
			defer c.Close()
			ts.Check(c.HSet(context.Background(), args[0], args[1], args[2]).Err())
		},
		"redis-count": func(ts *testscript.TestScript, neg bool, args []string) {
			c := client(ts)
			defer c.Close()
			keys, err := c.Keys(context.Background(), args[0]).Result()
			ts.Check(err)
			if strconv.Itoa(len(keys)) != args[1] {
				ts.Fatalf("%d keys match %s, want %s", len(keys), args[0], args[1])
			}
		},
	}
}

// redisCondition: [redis] holds when the Redis tests must run: redis-server is installed, or CI
// requires them (SESSIONCTL_REQUIRE_REDIS=1, where a missing binary then fails the test).
func redisCondition(cond string) (bool, error) {
	if cond != "redis" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if os.Getenv("SESSIONCTL_REQUIRE_REDIS") == "1" {
		return true, nil
	}
	_, err := exec.LookPath("redis-server")
	return err == nil, nil
}

// fillSessions is redis-fill and topo-fill: args N [EVERY], N sessions sess:<64 hex> with a TTL
// of an hour (fillValue), plus other:keep.
func fillSessions(ts *testscript.TestScript, c redis.Cmdable, args []string) {
	n, _ := strconv.Atoi(args[0])
	every := 0
	if len(args) > 1 {
		every, _ = strconv.Atoi(args[1])
	}
	ctx := context.Background()
	p := c.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprintf("sess:%064x", i), fillValue(i, every), time.Hour)
		if p.Len() >= 1000 {
			_, err := p.Exec(ctx)
			ts.Check(err)
		}
	}
	p.Set(ctx, "other:keep", "not a session", 0)
	_, err := p.Exec(ctx)
	ts.Check(err)
}

// fillValue is the Ktor text of the i-th session the fill commands write: every every-th (0:
// none) an admin.
func fillValue(i, every int) string {
	admin := "f"
	if every > 0 && i%every == 0 {
		admin = "t"
	}
	return fmt.Sprintf("userId=%%23su-%d&admin=%%23bo%s", i, admin)
}
