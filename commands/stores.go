package commands

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/redis/go-redis/v9"
	"github.com/urfave/cli/v2"

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
		st, err = openRedisTopology(url, env)
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
	return &store{Storage: s, name: s.Name(), walk: s, batch: s, conditional: s, close: s.Close}, nil
}

// openRedisTopology: redis+cluster://, redis+sentinel:// (rediss+… with TLS) and unix://.
func openRedisTopology(url string, env Env) (*store, error) {
	t, err := storage.ParseRedisTopologyURL(url)
	if err != nil {
		return nil, configErr(err)
	}
	if pw := env.Getenv(envRedisPassword); pw != "" {
		t.SetPassword(pw)
	}
	redis.SetLogger(quietLogger{})
	client := t.Client()
	r := storage.NewRedis(client, t.Prefix, 0)
	name := fmt.Sprintf("redis %s (prefix %q)", t, t.Prefix)
	return &store{Storage: r, name: name, walk: r, batch: r, close: client.Close}, nil
}

// setPurger is a store that can purge by the walk's own filters in the database (sqlstore).
type setPurger interface {
	PurgeMatching(ctx context.Context, o storage.WalkOptions, progress func(removed int)) (sqlstore.Purged, error)
}

// purgeInStore runs a purge without --match as one set-based DELETE per range of the table
// (sqlstore.PurgeMatching) where the store can; done is false when it cannot (nothing removed
// then), and the caller walks and removes instead.
func purgeInStore(c *cli.Context, sc *storeContext, o storage.WalkOptions, u *ui) (done bool, err error) {
	sp, ok := sc.st.Storage.(setPurger)
	if !ok {
		return false, nil
	}
	prog := startProgress(u, "sessions purged:")
	p, err := sp.PurgeMatching(c.Context, o, func(n int) { prog.n.Store(int64(n)) })
	prog.end()
	if errors.Is(err, sqlstore.ErrNotSetBased) {
		return false, nil
	}
	if c.Bool(flagJSON) {
		summary := map[string]any{"store": sc.st.name, "matched": p.Removed + p.Unknown, "removed": p.Removed, "bytes": p.Bytes,
			"dry_run": false, "kept_changed": 0, "unknown": p.Unknown}
		if err != nil {
			summary["error"] = err.Error()
		}
		b, _ := marshalJSON(summary)
		fmt.Fprintf(u.out, "%s\n", b)
	}
	if err != nil {
		if p.Unknown > 0 {
			return true, storageErr(fmt.Errorf("purge stopped after removing %d session(s); %d in a batch whose outcome is unknown: %w", p.Removed, p.Unknown, err))
		}
		return true, storageErr(fmt.Errorf("purge stopped after removing %d session(s): %w", p.Removed, err))
	}
	u.infof("purged %d session(s), %d bytes, from %s", p.Removed, p.Bytes, sc.st.name)
	return true, nil
}
