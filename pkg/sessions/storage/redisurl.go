package storage

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisTopology is a parsed Redis store URL of a Cluster, a Sentinel-managed
// master or a Unix socket: exactly one of Server, Cluster and Failover is set.
type RedisTopology struct {
	Kind   string // "cluster" | "sentinel" | "unix"
	Prefix string // the key prefix (prefix=…)
	// SessionsOnly: sessions_only=true, the database holds nothing but sessions
	// (Redis.SessionsOnly: a prefix-less store may then remove in bulk)
	SessionsOnly bool
	Layout       RedisLayout // layout=, key=, value=
	Addrs        []string
	Server       *redis.Options
	Cluster      *redis.ClusterOptions
	Failover     *redis.FailoverOptions
}

// IsRedisTopologyURL reports whether u is one of the URLs ParseRedisTopologyURL reads.
func IsRedisTopologyURL(u string) bool {
	for _, p := range []string{"redis+cluster://", "rediss+cluster://", "redis+sentinel://", "rediss+sentinel://", "unix://"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// ParseRedisTopologyURL reads, with go-redis's own parsers:
//
//	redis+cluster://[user:pass@]h1:p1?addr=h2:p2&addr=h3:p3&prefix=…    (ParseClusterURL; rediss+cluster:// for TLS)
//	redis+sentinel://[user:pass@]s1:p1/DB?master_name=M&addr=s2:p2&…   (ParseFailoverURL: the sentinels; the
//	                                                                    master's password is password=…)
//	unix://[user:pass@]/path/redis.sock?db=N&prefix=…                   (ParseURL)
//
// The other query options of go-redis (dial_timeout, …) are kept.
func ParseRedisTopologyURL(u string) (*RedisTopology, error) {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok {
		return nil, &Error{Store: "redis", Op: "parse url", Err: fmt.Errorf("%w: no scheme", ErrConfig)}
	}
	base, kind, _ := strings.Cut(scheme, "+")
	if scheme == "unix" {
		kind = "unix"
	}
	pu, err := url.Parse(u)
	if err != nil {
		return nil, &Error{Store: "redis", Op: "parse url", Err: fmt.Errorf("%w: %v", ErrConfig, redactURLError(err))}
	}
	q := pu.Query()
	layout, err := takeRedisLayout(q)
	if err != nil {
		return nil, &Error{Store: "redis " + kind + " " + pu.Host, Op: "parse url", Err: err}
	}
	prefix := q.Get("prefix")
	q.Del("prefix")
	fail := func(err error) error {
		return &Error{Store: "redis " + kind + " " + pu.Host, Op: "parse url", Err: fmt.Errorf("%w: %v", ErrConfig, redactURLError(err))}
	}
	t := &RedisTopology{Kind: kind, Prefix: prefix, Layout: layout}
	if q.Has("sessions_only") {
		if t.SessionsOnly, err = strconv.ParseBool(q.Get("sessions_only")); err != nil {
			return nil, fail(fmt.Errorf("sessions_only=%q: want true or false", q.Get("sessions_only")))
		}
		q.Del("sessions_only")
	}
	pu.RawQuery = q.Encode()
	switch {
	case kind == "unix":
		o, err := redis.ParseURL(pu.String())
		if err != nil {
			return nil, fail(err)
		}
		t.Server, t.Addrs = o, []string{o.Addr}
	case kind == "cluster" && (base == "redis" || base == "rediss"):
		pu.Scheme = base
		o, err := redis.ParseClusterURL(pu.String())
		if err != nil {
			return nil, fail(err)
		}
		t.Cluster, t.Addrs = o, o.Addrs
	case kind == "sentinel" && (base == "redis" || base == "rediss"):
		pu.Scheme = base
		o, err := redis.ParseFailoverURL(pu.String())
		if err != nil {
			return nil, fail(err)
		}
		if o.MasterName == "" {
			return nil, fail(fmt.Errorf("no master_name=… (the name the sentinels monitor)"))
		}
		for _, a := range q["addr"] {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return nil, fail(fmt.Errorf("addr=%s: %v", a, err))
			}
		}
		t.Failover, t.Addrs = o, o.SentinelAddrs
	default:
		return nil, &Error{Store: "redis", Op: "parse url", Err: fmt.Errorf("%w: scheme %q, want redis+cluster://, redis+sentinel:// (rediss+… for TLS) or unix://", ErrConfig, scheme)}
	}
	return t, nil
}

// SetPassword sets the password of the servers that hold the data (not of
// the sentinels) when the URL gave none.
func (t *RedisTopology) SetPassword(pw string) {
	switch {
	case t.Server != nil && t.Server.Password == "":
		t.Server.Password = pw
	case t.Cluster != nil && t.Cluster.Password == "":
		t.Cluster.Password = pw
	case t.Failover != nil && t.Failover.Password == "":
		t.Failover.Password = pw
	}
}

// Client returns a new client of the topology; the caller closes it.
func (t *RedisTopology) Client() redis.UniversalClient {
	switch {
	case t.Cluster != nil:
		return redis.NewClusterClient(t.Cluster)
	case t.Failover != nil:
		return redis.NewFailoverClient(t.Failover)
	}
	return redis.NewClient(t.Server)
}

// String names the topology without credentials: "cluster 127.0.0.1:7000,127.0.0.1:7001".
func (t *RedisTopology) String() string {
	s := t.Kind + " " + strings.Join(t.Addrs, ",")
	if t.Failover != nil {
		s += " master " + t.Failover.MasterName
	}
	return s
}
