package storage

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisHash keeps every session in one Redis hash: a field per session id,
// its value the session text through a ValueCodec, as a Ktor SessionStorage
// doing hset("sessions", id, value) / hget / hdel keeps them. Fields have no
// idle time and no TTL of their own: entries have no age (Modified is zero;
// an age filter is an error) and TTL -1.
//
// A walk is HSCAN MATCH id-prefix* COUNT BatchSize over the hash (HSCAN gives
// each field with its value). Each Entry's Version is the SHA-1 of the stored
// value as the walk saw it; RemoveUnchanged removes a field only while its
// value still has that digest (a Lua script that compares redis.sha1hex of
// HGET and runs HDEL, atomically), so a session the application rewrote since
// is kept (OutcomeChanged), one gone is OutcomeMissing. Removal scripts are
// never resent by go-redis's retries: a script whose reply is lost makes its
// fields OutcomeUnknown. The hash key holding another type is ErrWrongType.
type RedisHash struct {
	c     redis.UniversalClient
	key   string
	codec ValueCodec
	store string

	// BatchSize is the HSCAN COUNT hint and how many fields one removal script
	// takes (default 1000; an unknown outcome covers one script call).
	BatchSize int

	// ConfirmReplicas, when > 0, makes every removal script wait (WAIT) until
	// this many replicas have it, as Redis.ConfirmReplicas.
	ConfirmReplicas int
}

// NewRedisHash returns the storage in the hash key on c, its values through codec.
func NewRedisHash(c redis.UniversalClient, key string, codec ValueCodec) *RedisHash {
	quietRedis.Do(func() { redis.SetLogger(discardLogger{}) })
	if codec == "" {
		codec = ValueText
	}
	return &RedisHash{c: c, key: key, codec: codec, store: fmt.Sprintf("redis %s hash %q", redisAddr(c), key), BatchSize: 1000}
}

// Key returns the hash's key.
func (h *RedisHash) Key() string { return h.key }

func (h *RedisHash) err(op, id string, err error) error {
	if err == nil {
		return nil
	}
	if strings.HasPrefix(err.Error(), "WRONGTYPE") {
		err = fmt.Errorf("%w: the key %q is not a hash", ErrWrongType, h.key)
	}
	return &Error{Store: h.store, Op: op, ID: id, Err: err}
}

func (h *RedisHash) batch() int {
	if h.BatchSize > 0 {
		return h.BatchSize
	}
	return 1000
}

// ValidateID refuses the empty id; a hash field may be any other string.
func (h *RedisHash) ValidateID(id string) error {
	if id == "" {
		return &badIDError{"session id is empty"}
	}
	return nil
}

// Write sets the session's field (HSET).
func (h *RedisHash) Write(ctx context.Context, id, value string) error {
	if err := h.ValidateID(id); err != nil {
		return h.err("write", id, err)
	}
	return h.err("write", id, h.c.HSet(ctx, h.key, id, h.codec.encode(value)).Err())
}

// Read returns the session text (HGET): ErrNotFound without the field,
// ErrEmpty for an empty value, ErrBadValue for one the codec cannot decode.
func (h *RedisHash) Read(ctx context.Context, id string) (string, error) {
	e, err := h.Lookup(ctx, id, true)
	if err != nil {
		return "", err
	}
	return e.Value, nil
}

// Lookup reads one field (HGET): the entry with its size, its Version and,
// withValue, its text.
func (h *RedisHash) Lookup(ctx context.Context, id string, withValue bool) (Entry, error) {
	if err := h.ValidateID(id); err != nil {
		return Entry{}, h.err("read", id, err)
	}
	raw, err := h.c.HGet(ctx, h.key, id).Result()
	if errors.Is(err, redis.Nil) {
		return Entry{}, h.err("read", id, ErrNotFound)
	}
	if err != nil {
		return Entry{}, h.err("read", id, err)
	}
	e := Entry{ID: id, Size: int64(len(raw)), TTL: -1, Version: hashVersion(raw)}
	if withValue {
		if raw == "" {
			return Entry{}, h.err("read", id, ErrEmpty)
		}
		if e.Value, err = h.codec.decode(raw); err != nil {
			return Entry{}, h.err("read", id, err)
		}
	}
	return e, nil
}

// Invalidate removes the session's field (HDEL); a missing field succeeds.
func (h *RedisHash) Invalidate(ctx context.Context, id string) error {
	if err := h.ValidateID(id); err != nil {
		return h.err("invalidate", id, err)
	}
	return h.err("invalidate", id, h.c.HDel(ctx, h.key, id).Err())
}

// hashVersion is the Version of a stored value: 'h' and its SHA-1, which the
// removal script computes the same way (redis.sha1hex).
func hashVersion(raw string) Version {
	var v Version
	v[0] = 'h'
	sum := sha1.Sum([]byte(raw))
	copy(v[1:], sum[:])
	return v
}

func hashDigest(v Version) (string, bool) {
	if v[0] != 'h' {
		return "", false
	}
	return hex.EncodeToString(v[1:21]), true
}

// Walk enumerates the fields with HSCAN MATCH prefix* COUNT BatchSize. An age
// filter is an error (fields have no age). With Sorted each HSCAN batch is
// sorted. HSCAN may return a field twice while the hash is being resized
// (a purge shrinks it): the caller removing what it walks sees the second one
// missing.
func (h *RedisHash) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	if o.OlderThan > 0 || o.NewerThan > 0 {
		return h.err("walk", "", fmt.Errorf("%w: the sessions of a hash (layout=hash) have no age: a field has no idle time", ErrConfig))
	}
	var st WalkStats
	defer func() {
		if o.Stats != nil {
			*o.Stats = st
		}
	}()
	var cursor uint64
	pattern := scanMatch(o.IDPrefix)
	type pair struct{ id, raw string }
	var batch []pair
	for {
		kv, next, err := h.c.HScan(ctx, h.key, cursor, pattern, int64(h.batch())).Result()
		if err != nil {
			return h.err("scan", "", err)
		}
		batch = batch[:0]
		for i := 0; i+1 < len(kv); i += 2 {
			batch = append(batch, pair{kv[i], kv[i+1]})
		}
		if o.Sorted {
			sort.Slice(batch, func(i, j int) bool { return batch[i].id < batch[j].id })
		}
		for _, p := range batch {
			st.Files++
			if !strings.HasPrefix(p.id, o.IDPrefix) {
				continue
			}
			if o.Limit > 0 && st.Matched >= int64(o.Limit) {
				return nil
			}
			e := Entry{ID: p.id, Size: int64(len(p.raw)), TTL: -1, Version: hashVersion(p.raw)}
			if o.WithValue {
				e.Value = h.codec.decodeOrRaw(p.raw)
			}
			st.Matched++
			if err := fn(e); err != nil {
				return err
			}
		}
		cursor = next
		if cursor == 0 {
			return nil
		}
	}
}

// hashRemoveScript removes fields of the hash KEYS[1]: ARGV holds pairs of a
// field and the SHA-1 (hex) its value must still have, or "" for any value;
// per field: 1 removed, 0 not there, 3 changed since (kept).
var hashRemoveScript = redis.NewScript(`local out = {}
local n = 0
for i = 1, #ARGV, 2 do
  n = n + 1
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if not v then out[n] = 0
  elseif ARGV[i + 1] ~= '' and redis.sha1hex(v) ~= ARGV[i + 1] then out[n] = 3
  else redis.call('HDEL', KEYS[1], ARGV[i]); out[n] = 1 end
end
return out`)

// InvalidateMany removes the fields of ids, one script call per BatchSize ids.
func (h *RedisHash) InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error) {
	for _, id := range ids {
		if err := h.ValidateID(id); err != nil {
			return RemoveResult{}, h.err("purge", id, err)
		}
	}
	return h.remove(ctx, len(ids), func(i int) (string, string) { return ids[i], "" })
}

// RemoveUnchanged removes each entry's field only while its value is the one
// the walk saw (its SHA-1). An entry without a Version of this store is
// refused before anything is removed.
func (h *RedisHash) RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error) {
	digs := make([]string, len(entries))
	for i, e := range entries {
		if err := h.ValidateID(e.ID); err != nil {
			return RemoveResult{}, h.err("purge", e.ID, err)
		}
		d, ok := hashDigest(e.Version)
		if !ok {
			return RemoveResult{}, h.err("purge", e.ID, errors.New("entry has no version of this hash (not from its walk)"))
		}
		digs[i] = d
	}
	return h.remove(ctx, len(entries), func(i int) (string, string) { return entries[i].ID, digs[i] })
}

func (h *RedisHash) remove(ctx context.Context, n int, item func(i int) (id, digest string)) (RemoveResult, error) {
	out := make([]Outcome, n)
	loaded := false
	for lo := 0; lo < n; lo += h.batch() {
		if err := ctx.Err(); err != nil {
			return resultOf(out), h.err("purge", "", err)
		}
		hi := min(lo+h.batch(), n)
		args := make([]any, 0, 4+2*(hi-lo))
		args = append(args, "evalsha", hashRemoveScript.Hash(), 1, h.key)
		for i := lo; i < hi; i++ {
			id, d := item(i)
			args = append(args, id, d)
		}
		for {
			c := redis.NewCmd(ctx, args...)
			var wait *redis.IntCmd
			if h.ConfirmReplicas > 0 { // on the script's connection
				wait = redis.NewIntCmd(ctx, "wait", h.ConfirmReplicas, ReplicaWait.Milliseconds())
				h.c.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.Process(ctx, noRetry{c})
					p.Process(ctx, noRetryInt{wait})
					return nil
				})
			} else {
				_ = h.c.Process(ctx, noRetry{c})
			}
			codes, kind, err := readScript(c, hi-lo, "removal script")
			if kind == replyNoScript && !loaded {
				loaded = true // nothing ran: load the script and send the call again
				if err := hashRemoveScript.Load(ctx, h.c).Err(); err != nil {
					return resultOf(out), h.err("purge", "", err)
				}
				continue
			}
			switch kind {
			case replied:
				for j, v := range codes {
					out[lo+j] = removalOutcome(v)
				}
				if err := checkWait(wait, h.ConfirmReplicas, out[lo:hi]); err != nil {
					return resultOf(out), h.err("purge", "", err)
				}
			case replyLost:
				for i := lo; i < hi; i++ {
					out[i] = OutcomeUnknown
				}
				return resultOf(out), h.err("purge", "", err)
			default: // refused, or short: the script did not run as asked
				return resultOf(out), h.err("purge", "", err)
			}
			break
		}
	}
	return resultOf(out), nil
}

var (
	_ Storage            = (*RedisHash)(nil)
	_ Walker             = (*RedisHash)(nil)
	_ BatchInvalidator   = (*RedisHash)(nil)
	_ ConditionalRemover = (*RedisHash)(nil)
	_ Lookuper           = (*RedisHash)(nil)
	_ IDValidator        = (*RedisHash)(nil)
)
