package commands

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"
)

// layoutCmds: redis-fill-as string PREFIX CODEC N EVERY | hash KEY CODEC N EVERY fills the
// redis-start server as a Ktor SessionStorage of that layout writes (setex(PREFIX+id, …) or
// hset(KEY, id, …), the value as text, hex or base64; every EVERY-th admin=true);
// redis-hlen KEY N checks a hash's field count; redis-keyring FILE PROVIDER writes a keyring
// whose provider's storage is the server, with the [store] fields that follow (k=v).
func layoutCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	client := func(ts *testscript.TestScript) *redis.Client {
		return redis.NewClient(&redis.Options{Addr: ts.Getenv("REDIS_ADDR")})
	}
	encode := func(ts *testscript.TestScript, codec, v string) string {
		switch codec {
		case "hex":
			return hex.EncodeToString([]byte(v))
		case "base64":
			return base64.StdEncoding.EncodeToString([]byte(v))
		case "text":
			return v
		}
		ts.Fatalf("codec %q", codec)
		return ""
	}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"redis-fill-as": func(ts *testscript.TestScript, neg bool, args []string) {
			layout, name, codec := args[0], args[1], args[2]
			n, _ := strconv.Atoi(args[3])
			every, _ := strconv.Atoi(args[4])
			c := client(ts)
			defer c.Close()
			ctx := context.Background()
			p := c.Pipeline()
			for i := range n {
				id := fmt.Sprintf("%064x", i)
				v := encode(ts, codec, fillValue(i, every))
				if layout == "hash" {
					p.HSet(ctx, name, id, v)
				} else {
					p.Set(ctx, name+id, v, time.Hour)
				}
			}
			_, err := p.Exec(ctx)
			ts.Check(err)
		},
		"redis-hlen": func(ts *testscript.TestScript, neg bool, args []string) {
			c := client(ts)
			defer c.Close()
			n, err := c.HLen(context.Background(), args[0]).Result()
			ts.Check(err)
			if strconv.FormatInt(n, 10) != args[1] {
				ts.Fatalf("hash %s has %d fields, want %s", args[0], n, args[1])
			}
		},
		"redis-keyring": func(ts *testscript.TestScript, neg bool, args []string) {
			s := fmt.Sprintf("[providers.%s]\nktor = 2\ntracker = \"id\"\nstorage = \"redis://%s/0\"\n[providers.%s.store]\n", args[1], ts.Getenv("REDIS_ADDR"), args[1])
			for _, kv := range args[2:] {
				k, v, _ := strings.Cut(kv, "=")
				s += fmt.Sprintf("%s = %q\n", k, v)
			}
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(s), 0o644))
		},
	}
}
