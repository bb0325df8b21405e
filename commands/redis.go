package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// openRedis: redis://[user[:pass]@]host:port/db?prefix=… or rediss://; the password may come from
// SESSIONCTL_REDIS_PASSWORD so that it is never on a command line.
func openRedis(ctx context.Context, url string, env Env) (*store, error) {
	opts, prefix, err := storage.ParseRedisURL(url)
	if err != nil {
		return nil, configErr(err)
	}
	if opts.Password == "" {
		opts.Password = env.Getenv(envRedisPassword)
	}
	redis.SetLogger(quietLogger{}) // go-redis logs dial retries to stderr; our errors say it once
	client := redis.NewUniversalClient(opts)
	r := storage.NewRedis(client, prefix, 0)
	name := fmt.Sprintf("redis %s (prefix %q)", strings.Join(opts.Addrs, ","), prefix)
	return &store{Storage: r, name: name, walk: r, batch: r, close: client.Close}, nil
}

// quietLogger drops go-redis's internal log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
