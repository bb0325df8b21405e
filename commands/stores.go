package commands

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/redis/go-redis/v9"

	// the database/sql drivers of the SQL stores
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage/sqlstore"
)

const envSQLPassword = "SESSIONCTL_SQL_PASSWORD"

// openOtherStore opens the stores beyond dir: and redis://: SQL tables (postgres://, mysql://,
// sqlite:) and Redis Cluster, Sentinel and Unix-socket URLs. ok is false for any other URL.
func openOtherStore(ctx context.Context, url string, env Env) (st *store, ok bool, err error) {
	switch {
	case sqlstore.IsURL(url):
		st, err = openSQL(ctx, url, env)
		return st, true, err
	case storage.IsRedisTopologyURL(url):
		st, err = openRedisTopology(ctx, url, env)
		return st, true, err
	}
	return nil, false, nil
}

// openSQL: the password may come from SESSIONCTL_SQL_PASSWORD so that it is never on a command
// line (PostgreSQL's driver also reads PGPASSWORD and ~/.pgpass).
func openSQL(ctx context.Context, url string, env Env) (*store, error) {
	s, err := sqlstore.Open(ctx, url, sqlstore.Options{Password: env.Getenv(envSQLPassword)})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &exitError{code: ExitIO, err: err, hint: "check the path: it is the SQLite file the application writes"}
	}
	if errors.Is(err, storage.ErrConfig) {
		return nil, configErr(err)
	}
	if err != nil {
		return nil, ioErr(err)
	}
	return &store{Storage: s, name: s.Name(), walk: s, batch: s, cond: s, lookup: s, set: s, close: s.Close}, nil
}

// openRedisTopology: redis+cluster://, redis+sentinel:// (rediss+… with TLS) and unix://.
func openRedisTopology(ctx context.Context, url string, env Env) (*store, error) {
	t, err := storage.ParseRedisTopologyURL(url)
	if err != nil {
		return nil, configErr(err)
	}
	if pw := env.Getenv(envRedisPassword); pw != "" {
		t.SetPassword(pw)
	}
	redis.SetLogger(quietLogger{})
	client := t.Client()
	st := redisStore(client, t.String(), t.Prefix, t.SessionsOnly, t.Layout)
	if t.Failover != nil {
		// a removal the master confirmed but no replica has yet comes back if the sentinels fail
		// over meanwhile: each batch waits for the replicas the master has now
		n, err := storage.ConnectedReplicas(ctx, client)
		if err != nil {
			client.Close()
			return nil, ioErr(fmt.Errorf("redis %s: INFO replication: %w", t, err))
		}
		switch s := st.Storage.(type) {
		case *storage.Redis:
			s.ConfirmReplicas = n
		case *storage.RedisHash:
			s.ConfirmReplicas = n
		}
	}
	return st, nil
}

// redisStore is the store of a Redis client: a key per session (prefix + id) or, with
// layout=hash, a field per session of one hash; values through the layout's codec.
func redisStore(client redis.UniversalClient, where, prefix string, sessionsOnly bool, l storage.RedisLayout) *store {
	if l.Hash {
		h := storage.NewRedisHash(client, l.HashKey, l.Value)
		name := fmt.Sprintf("redis %s (hash %q)", where, l.HashKey)
		return &store{Storage: h, name: name, walk: h, batch: h, cond: h, lookup: h, close: client.Close}
	}
	r := storage.NewRedis(client, prefix, 0)
	r.SessionsOnly = sessionsOnly
	r.SetValueCodec(l.Value)
	name := fmt.Sprintf("redis %s (prefix %q)", where, prefix)
	return &store{Storage: r, name: name, walk: r, batch: r, cond: r, lookup: r, set: r, check: r.CheckRemoval, close: client.Close}
}
