package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keeps sessions in Redis: the key is prefix + id, the value the
// serialized session text exactly as Ktor's storages hold it, written with a
// TTL (0 = none). It works on any redis.UniversalClient: one server,
// Sentinel, or Cluster (walks and purges then visit every master).
//
// Age: Entry.Modified of a Redis session is now − OBJECT IDLETIME, the time
// of its last access (read or write), to the second, as Redis tracks it; it
// is what OlderThan/NewerThan filter on. Entry.TTL is the key's PTTL (-1
// when it has none). A walk asks for the idle time before reading the value,
// so listing never makes a session look fresh. Under an LFU maxmemory policy
// Redis tracks no idle time: Modified is then zero and an age filter fails.
type Redis struct {
	c      redis.UniversalClient
	prefix string
	ttl    time.Duration
	store  string
	now    func() time.Time

	// BatchSize is the SCAN COUNT hint and the size of pipelined batches
	// (default 1000).
	BatchSize int

	useDel atomic.Bool // the server predates UNLINK (Redis < 4): DEL instead
}

// unknownCommand: the server does not know UNLINK.
func unknownCommand(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "ERR unknown command")
}

func unlink(ctx context.Context, c redis.Cmdable, key string, del bool) *redis.IntCmd {
	if del {
		return c.Del(ctx, key)
	}
	return c.Unlink(ctx, key)
}

// NewRedis returns the storage on c; ttl is set on every write (0 = none).
//
// go-redis writes dial failures to stderr through a process-wide logger; as
// this package never prints, and every failure reaches the caller as an
// error, NewRedis replaces that logger (redis.SetLogger) with one that
// discards. A program that wants go-redis's logs sets its own logger after.
func NewRedis(c redis.UniversalClient, prefix string, ttl time.Duration) *Redis {
	quietRedis.Do(func() { redis.SetLogger(discardLogger{}) })
	return &Redis{c: c, prefix: prefix, ttl: ttl, store: "redis " + redisAddr(c), now: time.Now, BatchSize: 1000}
}

// Prefix returns the key prefix.
func (r *Redis) Prefix() string { return r.prefix }

var quietRedis sync.Once

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

func redisAddr(c redis.UniversalClient) string {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().Addr
	case *redis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	case *redis.Ring:
		var a []string
		for _, v := range c.Options().Addrs {
			a = append(a, v)
		}
		sort.Strings(a)
		return strings.Join(a, ",")
	}
	return "?"
}

func (r *Redis) err(op, id string, err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(err.Error(), "WRONGTYPE") {
		err = fmt.Errorf("%w: %v", ErrWrongType, err)
	}
	return &Error{Store: r.store, Op: op, ID: id, Err: err}
}

func (r *Redis) batch() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return 1000
}

// ValidateID refuses the empty id (a key that would be the prefix alone);
// Redis takes any other string.
func (r *Redis) ValidateID(id string) error {
	if id == "" {
		return &badIDError{"session id is empty"}
	}
	return nil
}

func (r *Redis) Write(ctx context.Context, id, value string) error {
	if err := r.ValidateID(id); err != nil {
		return r.err("write", id, err)
	}
	return r.err("write", id, r.c.Set(ctx, r.prefix+id, value, r.ttl).Err())
}

// Read returns the stored text; a missing key is ErrNotFound, a key holding
// another type ErrWrongType, an empty string ErrEmpty (as the directory
// storage reads an empty file).
func (r *Redis) Read(ctx context.Context, id string) (string, error) {
	if err := r.ValidateID(id); err != nil {
		return "", r.err("read", id, err)
	}
	v, err := r.c.Get(ctx, r.prefix+id).Result()
	if errors.Is(err, redis.Nil) {
		return "", r.err("read", id, ErrNotFound)
	}
	if err != nil {
		return "", r.err("read", id, err)
	}
	if v == "" {
		return "", r.err("read", id, ErrEmpty)
	}
	return v, nil
}

// Invalidate unlinks the key; a missing key succeeds.
func (r *Redis) Invalidate(ctx context.Context, id string) error {
	if err := r.ValidateID(id); err != nil {
		return r.err("invalidate", id, err)
	}
	del := r.useDel.Load()
	err := unlink(ctx, r.c, r.prefix+id, del).Err()
	if unknownCommand(err) && !del {
		r.useDel.Store(true)
		err = r.c.Del(ctx, r.prefix+id).Err()
	}
	return r.err("invalidate", id, err)
}

// InvalidateMany unlinks the keys in pipelined batches and counts the keys
// the server confirmed it deleted. When it fails half-way (the server gone,
// a timeout) n is that count so far: what was deleted stays deleted.
func (r *Redis) InvalidateMany(ctx context.Context, ids []string) (int, error) {
	for _, id := range ids {
		if err := r.ValidateID(id); err != nil {
			return 0, r.err("purge", id, err)
		}
	}
	n := 0
	size := r.batch()
	cmds := make([]*redis.IntCmd, 0, size)
	for lo := 0; lo < len(ids); lo += size {
		if err := ctx.Err(); err != nil {
			return n, r.err("purge", "", err)
		}
		hi := min(lo+size, len(ids))
		cmds = cmds[:0]
		del := r.useDel.Load()
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids[lo:hi] {
				cmds = append(cmds, unlink(ctx, p, r.prefix+id, del))
			}
			return nil
		})
		if unknownCommand(err) && !del {
			r.useDel.Store(true)
			lo -= size // the same batch again, with DEL
			continue
		}
		for _, c := range cmds {
			if c.Err() == nil {
				n += int(c.Val())
			}
		}
		if err != nil {
			return n, r.err("purge", "", err)
		}
	}
	return n, nil
}

// scanMatch escapes a literal for a SCAN MATCH glob.
func scanMatch(lit string) string {
	var b strings.Builder
	for _, c := range []byte(lit) {
		switch c {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('*')
	return b.String()
}

// Walk enumerates the sessions with SCAN MATCH prefix* COUNT BatchSize
// (never KEYS), then, per batch, pipelines OBJECT IDLETIME, PTTL and STRLEN
// (GET with WithValue). Keys that vanish in between are counted in
// Stats.Vanished; keys of another type in Stats.Skipped. With Sorted each
// SCAN batch is sorted (SCAN itself has no order).
func (r *Redis) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	m := o.matcher()
	var st WalkStats
	var matched int64
	stop := errors.New("stop")
	scanOne := func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		pattern := scanMatch(r.prefix + o.IDPrefix)
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, int64(r.batch())).Result()
			if err != nil {
				return r.err("scan", "", err)
			}
			if o.Sorted {
				sort.Strings(keys)
			}
			if err := r.describe(ctx, c, keys, o, &m, &st, func(e Entry) error {
				if o.Limit > 0 && matched >= int64(o.Limit) {
					return stop
				}
				matched++
				return fn(e)
			}); err != nil {
				return err
			}
			cursor = next
			if cursor == 0 {
				return nil
			}
		}
	}
	var err error
	if cc, ok := r.c.(*redis.ClusterClient); ok {
		var mu sync.Mutex // ForEachMaster runs concurrently; fn must see one goroutine
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return scanOne(ctx, c)
		})
	} else {
		err = scanOne(ctx, r.c)
	}
	st.Matched = matched
	if o.Stats != nil {
		*o.Stats = st
	}
	if err == stop {
		return nil
	}
	return err
}

// describe pipelines the facts about one SCAN batch and calls fn for the
// entries that match.
func (r *Redis) describe(ctx context.Context, c redis.Cmdable, keys []string, o WalkOptions, m *matcher, st *WalkStats, fn func(Entry) error) error {
	if len(keys) == 0 {
		return nil
	}
	idle := make([]*redis.DurationCmd, len(keys))
	ttl := make([]*redis.DurationCmd, len(keys))
	size := make([]*redis.IntCmd, len(keys))
	get := make([]*redis.StringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			idle[i] = p.ObjectIdleTime(ctx, k)
			ttl[i] = p.PTTL(ctx, k)
			if o.WithValue {
				get[i] = p.Get(ctx, k)
			} else {
				size[i] = p.StrLen(ctx, k)
			}
		}
		return nil
	})
	// per-command errors (redis.Nil, WRONGTYPE) are looked at one by one; a
	// pipeline error that is not one of them is the connection's
	if err != nil && !errors.Is(err, redis.Nil) && !strings.HasPrefix(err.Error(), "WRONGTYPE") && !strings.Contains(err.Error(), "idle time") {
		return r.err("scan", "", err)
	}
	now := r.now()
	for i, k := range keys {
		if err := ctx.Err(); err != nil {
			return r.err("scan", "", err)
		}
		id := strings.TrimPrefix(k, r.prefix)
		st.Files++
		e := Entry{ID: id, TTL: -1}
		if o.WithValue {
			v, err := get[i].Result()
			if errors.Is(err, redis.Nil) {
				st.Vanished++
				continue
			}
			if err != nil {
				if strings.HasPrefix(err.Error(), "WRONGTYPE") {
					st.Skipped++
					continue
				}
				return r.err("get", id, err)
			}
			e.Value, e.Size = v, int64(len(v))
		} else {
			n, err := size[i].Result()
			if err != nil {
				if strings.HasPrefix(err.Error(), "WRONGTYPE") {
					st.Skipped++
					continue
				}
				return r.err("strlen", id, err)
			}
			e.Size = n
		}
		d, err := idle[i].Result()
		switch {
		case errors.Is(err, redis.Nil):
			st.Vanished++
			continue
		case err != nil && m.ages:
			return r.err("object idletime", id, err)
		case err == nil:
			e.Modified = now.Add(-d).Truncate(time.Second)
		}
		t, err := ttl[i].Result()
		switch {
		case err != nil:
			return r.err("pttl", id, err)
		case t == -2*time.Nanosecond || t == -2*time.Millisecond:
			st.Vanished++
			continue
		case t >= 0:
			e.TTL = t
		}
		if !m.age(e.Modified) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// ParseRedisURL reads redis://[user:pass@]host:port/db?prefix=… and
// rediss:// (TLS) into client options and the key prefix. The other query
// options of go-redis (dial_timeout, …) are kept; the password may be set
// on the result by the caller instead of in the URL.
func ParseRedisURL(u string) (*redis.UniversalOptions, string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, "", &Error{Store: "redis", Op: "parse url", Err: errors.Join(ErrConfig, redactURLError(err))}
	}
	if pu.Scheme != "redis" && pu.Scheme != "rediss" {
		return nil, "", &Error{Store: "redis", Op: "parse url", Err: fmt.Errorf("%w: scheme %q, want redis:// or rediss://", ErrConfig, pu.Scheme)}
	}
	q := pu.Query()
	prefix := q.Get("prefix")
	q.Del("prefix")
	pu.RawQuery = q.Encode()
	o, err := redis.ParseURL(pu.String())
	if err != nil {
		return nil, "", &Error{Store: "redis " + pu.Host, Op: "parse url", Err: fmt.Errorf("%w: %v", ErrConfig, err)}
	}
	return &redis.UniversalOptions{
		Addrs:           []string{o.Addr},
		ClientName:      o.ClientName,
		DB:              o.DB,
		Protocol:        o.Protocol,
		Username:        o.Username,
		Password:        o.Password,
		MaxRetries:      o.MaxRetries,
		MinRetryBackoff: o.MinRetryBackoff,
		MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.WriteTimeout,
		PoolFIFO:        o.PoolFIFO,
		PoolSize:        o.PoolSize,
		PoolTimeout:     o.PoolTimeout,
		MinIdleConns:    o.MinIdleConns,
		MaxIdleConns:    o.MaxIdleConns,
		MaxActiveConns:  o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime,
		ConnMaxLifetime: o.ConnMaxLifetime,
		TLSConfig:       o.TLSConfig,
	}, prefix, nil
}

// redactURLError keeps a password in a URL out of the message.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
