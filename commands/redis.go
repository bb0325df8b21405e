package commands

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// openRedis: redis://[user[:pass]@]host:port/db?prefix=… or rediss://; the password may come from
// SESSIONCTL_REDIS_PASSWORD so that it is never on a command line.
func openRedis(ctx context.Context, url string, env Env) (*store, error) {
	ru, err := storage.ParseRedisStoreURL(url)
	if err != nil {
		return nil, configErr(err)
	}
	opts, prefix := ru.Options, ru.Prefix
	if opts.Password == "" {
		opts.Password = env.Getenv(envRedisPassword)
	}
	redis.SetLogger(quietLogger{}) // go-redis logs dial retries to stderr; our errors say it once
	client := redis.NewUniversalClient(opts)
	return redisStore(client, strings.Join(opts.Addrs, ","), prefix, ru.SessionsOnly, ru.Layout), nil
}

// quietLogger drops go-redis's internal log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
