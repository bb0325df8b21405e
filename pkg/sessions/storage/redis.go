package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
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
// when it has none). Under an LFU maxmemory policy Redis tracks no idle time:
// Modified is then zero and an age filter fails.
//
// Reads do not touch: a walk and Lookup use only commands that leave a key's
// idle time alone (SCAN, TYPE, OBJECT IDLETIME, PTTL, MEMORY USAGE: Redis 7.0's
// lookupKey with LOOKUP_NOTOUCH, or no lookup), so listing never makes a
// session look fresh. The value's length (STRLEN) and the value itself (GET)
// can only be read without touching on Redis 7.2+, under CLIENT NO-TOUCH,
// which a walk turns on for its connection where the server has it. Before
// 7.2, Entry.Size without WithValue is MEMORY USAGE (the bytes the key takes
// in the server, not the value's length), and a value read resets the key's
// idle time: the Entry says Touched, WalkStats counts them.
//
// Removal (InvalidateMany, RemoveUnchanged) runs a Lua script (one call per 100
// keys: on a cluster, per 100 keys of one master, the masters at once) that
// removes each key only if it holds a string (a session; any other type is left
// alone and counted in NotSession) and, for RemoveUnchanged, only if it has not
// been accessed since the walk saw it (its idle time says so, within two seconds).
// Removal batches are never resent by go-redis's retries: a batch whose reply
// is lost is counted in Unknown. A store without a prefix removes nothing in
// bulk (ErrNoPrefix) unless SessionsOnly says the database holds nothing else.
type Redis struct {
	c      redis.UniversalClient
	prefix string
	ttl    time.Duration
	store  string
	now    func() time.Time

	// BatchSize is the SCAN COUNT hint and the size of pipelined batches
	// (default 1000).
	BatchSize int

	// SessionsOnly says that the database holds nothing but sessions: a store
	// without a prefix may then remove keys in bulk (InvalidateMany,
	// RemoveUnchanged), which it otherwise refuses with ErrNoPrefix.
	SessionsOnly bool

	codec  ValueCodec  // how values hold the session text (redislayout.go; "" = text)
	useDel atomic.Bool // the server predates UNLINK (Redis < 4): DEL instead
	perKey bool        // tests: the per-key commands a cluster gets, on one server
	// anySlot: tests: the cluster's per-master scripts (anySlotDescribe, anySlotRemove), on
	// one server
	anySlot bool
	// noAnySlot: a master refused the per-master scripts (Redis before 7.0 has no script
	// flags): a cluster gets per-key commands
	noAnySlot atomic.Bool
	// noScanType: the server refused SCAN's TYPE option (Redis before 6.0)
	noScanType atomic.Bool

	// ConfirmReplicas, when > 0, makes every removal batch wait (WAIT) until
	// this many replicas have it (redisreplicas.go).
	ConfirmReplicas int
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
	return r.err("write", id, r.c.Set(ctx, r.prefix+id, r.codec.encode(value), r.ttl).Err())
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
	if v, err = r.codec.decode(v); err != nil {
		return "", r.err("read", id, err)
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

// CheckRemoval says whether the store may remove keys in bulk: ErrNoPrefix for
// a store without a prefix, unless SessionsOnly.
func (r *Redis) CheckRemoval() error {
	if r.prefix == "" && !r.SessionsOnly {
		return r.err("purge", "", ErrNoPrefix)
	}
	return nil
}

// removeScript removes each of KEYS that holds a string and, when ARGV[i] is a
// number, whose idle time is at least that many seconds; per key: 1 removed, 0
// not there, 2 not a string (left alone), 3 accessed since (kept). TYPE and
// OBJECT IDLETIME do not touch the key.
var removeScript = redis.NewScript(`local out = {}
for i, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k)['ok']
  if t == 'none' then out[i] = 0
  elseif t ~= 'string' then out[i] = 2
  else
    local min = tonumber(ARGV[i])
    if min and redis.call('OBJECT', 'IDLETIME', k) < min then out[i] = 3
    else redis.call('DEL', k); out[i] = 1 end
  end
end
return out`)

// scriptKeys is how many keys one script call takes: all of a chunk on one
// server; one on a cluster, whose keys in one call must share a hash slot.
func (r *Redis) scriptKeys(chunk int) int {
	if _, ok := r.c.(*redis.ClusterClient); ok || r.perKey {
		return 1
	}
	return chunk
}

// noRetry is a command that go-redis never resends: a removal whose reply was
// lost may have been done, and resending it would count it as missing.
type noRetry struct{ *redis.Cmd }

func (noRetry) NoRetry() bool { return true }

// InvalidateMany removes the keys that hold a string (sessions), in pipelined
// batches of one script call per key, and counts what the server confirmed;
// keys of another type are left alone (NotSession). When it fails half-way (the
// server gone, a timeout), the result counts what was confirmed, and the keys
// of the batch in flight whose reply was lost as Unknown: what was deleted stays
// deleted.
func (r *Redis) InvalidateMany(ctx context.Context, ids []string) (RemoveResult, error) {
	for _, id := range ids {
		if err := r.ValidateID(id); err != nil {
			return RemoveResult{}, r.err("purge", id, err)
		}
	}
	if err := r.CheckRemoval(); err != nil {
		return RemoveResult{}, err
	}
	return r.remove(ctx, len(ids), func(i int) (string, string) { return ids[i], "" })
}

// RemoveUnchanged removes the sessions a walk of this storage yielded, each only
// if it still holds a string and has not been accessed (read or written) since
// the walk saw it: its idle time is at least the time since its last access
// then (Entry.Version), less two seconds (Redis counts idle time in whole
// seconds of an LRU clock it updates a few times a second): a session read or
// written more than two seconds after the walk saw it is kept.
// Entries without a Version (no idle time: an LFU policy) are removed as
// InvalidateMany would.
func (r *Redis) RemoveUnchanged(ctx context.Context, entries []Entry) (RemoveResult, error) {
	for _, e := range entries {
		if err := r.ValidateID(e.ID); err != nil {
			return RemoveResult{}, r.err("purge", e.ID, err)
		}
	}
	if err := r.CheckRemoval(); err != nil {
		return RemoveResult{}, err
	}
	now := r.now()
	return r.remove(ctx, len(entries), func(i int) (string, string) {
		last, ok := redisLastAccess(entries[i].Version)
		if !ok {
			return entries[i].ID, ""
		}
		return entries[i].ID, strconv.FormatInt(max(int64(now.Sub(last)/time.Second)-2, 0), 10)
	})
}

// redisVersion packs the time of a key's last access, as a walk computed it.
func redisVersion(last time.Time) Version {
	var v Version
	v[0] = 'r'
	binary.LittleEndian.PutUint64(v[1:], uint64(last.Unix()))
	return v
}

func redisLastAccess(v Version) (time.Time, bool) {
	if v[0] != 'r' {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.LittleEndian.Uint64(v[1:])), 0), true
}

func (r *Redis) remove(ctx context.Context, n int, item func(i int) (id, minIdle string)) (RemoveResult, error) {
	if r.useAnySlot() {
		return r.removeAnySlot(ctx, n, item)
	}
	return r.removeKeys(ctx, n, item)
}

// removeKeys removes with removeScript: on a cluster one call per key (its
// keys must share a slot), pipelined through the cluster client.
func (r *Redis) removeKeys(ctx context.Context, n int, item func(i int) (id, minIdle string)) (RemoveResult, error) {
	out := make([]Outcome, n)
	size := r.batch()
	per := r.scriptKeys(100) // an unknown outcome covers one call: at most 100 keys
	type call struct {
		cmd    *redis.Cmd
		lo, hi int
	}
	var calls []call
	var wait *redis.IntCmd // ConfirmReplicas: WAIT on the pipeline's connection (redisreplicas.go)
	for lo := 0; lo < n; lo += size {
		if err := ctx.Err(); err != nil {
			return resultOf(out), r.err("purge", "", err)
		}
		hi := min(lo+size, n)
		calls = calls[:0]
		_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for clo := lo; clo < hi; clo += per {
				chi := min(clo+per, hi)
				args := make([]any, 0, 3+2*(chi-clo))
				args = append(args, "evalsha", removeScript.Hash(), chi-clo)
				mins := make([]any, 0, chi-clo)
				for i := clo; i < chi; i++ {
					id, minIdle := item(i)
					args = append(args, r.prefix+id)
					mins = append(mins, minIdle)
				}
				c := redis.NewCmd(ctx, append(args, mins...)...)
				calls = append(calls, call{c, clo, chi})
				p.Process(ctx, noRetry{c})
			}
			wait = r.queueWait(ctx, p)
			return nil
		})
		var again []int // NOSCRIPT: nothing ran; load the script and run them again
		var failed error
		for _, cl := range calls {
			codes, kind, cerr := readScript(cl.cmd, cl.hi-cl.lo, "removal script")
			switch kind {
			case replied:
				for j, v := range codes {
					out[cl.lo+j] = removalOutcome(v)
				}
			case replyNoScript:
				for i := cl.lo; i < cl.hi; i++ {
					again = append(again, i)
				}
			case replyLost:
				for i := cl.lo; i < cl.hi; i++ {
					out[i] = OutcomeUnknown
				}
			default:
				firstErr(&failed, cerr)
			}
		}
		if err != nil && !isRedisReply(err) {
			return resultOf(out), r.err("purge", "", err)
		}
		if failed != nil {
			return resultOf(out), r.err("purge", "", failed)
		}
		if err := r.checkWait(wait, out[lo:hi]); err != nil {
			return resultOf(out), r.err("purge", "", err)
		}
		if len(again) > 0 {
			if err := r.loadScripts(ctx); err != nil {
				return resultOf(out), r.err("purge", "", err)
			}
			sub, err := r.removeKeys(ctx, len(again), func(i int) (string, string) { return item(again[i]) })
			for j, o := range sub.Outcomes {
				out[again[j]] = o
			}
			if err != nil {
				return resultOf(out), err
			}
		}
	}
	return resultOf(out), nil
}

// isRedisReply: an error the server replied with (the command ran and was
// refused), not one of the connection.
func isRedisReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re) || errors.Is(err, redis.Nil)
}

// scriptReply is how one script call sent in a pipeline answered.
type scriptReply int

const (
	replied       scriptReply = iota // the values, as many as the call was to answer
	replyShort                       // values, but not as many: the error is what to report
	replyNoScript                    // NOSCRIPT: nothing ran (load the script and send it again)
	replyRefused                     // another error reply (NOPERM, BUSY, OOM, a compile error): it did not run
	replyLost                        // no reply: it may or may not have run
)

// readScript reads the answer of a script call that is to answer want values; what says which
// values (in replyShort's error).
func readScript(cmd *redis.Cmd, want int, what string) ([]int64, scriptReply, error) {
	v, err := cmd.Int64Slice()
	switch {
	case err == nil && len(v) == want:
		return v, replied, nil
	case err == nil:
		return nil, replyShort, fmt.Errorf("the %s replied %d values where %d were due", what, len(v), want)
	case strings.HasPrefix(err.Error(), "NOSCRIPT"):
		return nil, replyNoScript, err
	case isRedisReply(err):
		return nil, replyRefused, err
	}
	return nil, replyLost, err
}

// removalOutcome is the Outcome of a removal script's code for a key (or a hash's field): 0 not
// there, 1 removed, 2 not a session, 3 changed since it matched.
func removalOutcome(code int64) Outcome {
	return [...]Outcome{0: OutcomeMissing, 1: OutcomeRemoved, 2: OutcomeNotSession, 3: OutcomeChanged}[min(max(code, 0), 3)]
}

// firstErr keeps the first error of a batch in *failed.
func firstErr(failed *error, err error) {
	if *failed == nil {
		*failed = err
	}
}

// loadScripts loads the scripts on the server (every master of a cluster).
func (r *Redis) loadScripts(ctx context.Context) error {
	load := func(ctx context.Context, c redis.Scripter) error {
		if err := removeScript.Load(ctx, c).Err(); err != nil {
			return err
		}
		return describeScript.Load(ctx, c).Err()
	}
	if cc, ok := r.c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return load(ctx, c) })
	}
	return load(ctx, r.c)
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
// (never KEYS), then, per batch, reads TYPE, OBJECT IDLETIME, PTTL and the
// size (STRLEN under CLIENT NO-TOUCH, else MEMORY USAGE), and GET with
// WithValue, in one script call (per-key commands where a cluster master has
// no script flags), on one connection of each server with CLIENT NO-TOUCH on
// where the server has it (see Redis); with OlderThan, a key too young to
// match gets only TYPE and OBJECT IDLETIME. Each server (every master of a
// cluster, at once) is read up to two pages ahead of fn, the facts of a page
// and the next SCAN in one round trip; fn is called from one goroutine. Keys
// that vanish in between are counted in Stats.Vanished; keys of another type
// in Stats.Skipped. With Sorted each SCAN batch is sorted (SCAN itself has no
// order). Entries carry a Version (the time of the last access) for
// RemoveUnchanged.
func (r *Redis) Walk(ctx context.Context, o WalkOptions, fn func(Entry) error) error {
	m := o.matcher()
	var st WalkStats
	var matched int64
	stop := errors.New("stop")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// one producer per server (every master of a cluster, at once) reads pages ahead: SCAN and
	// the facts of a page in one round trip, while this goroutine builds the entries and calls fn
	pages := make(chan redisPage, 1)
	produce := func(ctx context.Context, c redis.Cmdable) {
		if err := r.onConn(ctx, c, func(ctx context.Context, c redis.Cmdable, noTouch bool) error {
			return r.scanPages(ctx, c, noTouch, o, m.now, pages)
		}); err != nil {
			select {
			case pages <- redisPage{err: err}:
			case <-ctx.Done():
			}
		}
	}
	go func() {
		defer close(pages)
		cc, ok := r.c.(*redis.ClusterClient)
		if !ok {
			produce(ctx, r.c)
			return
		}
		// ForEachMaster runs fn for every master at once and returns when all have
		if err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			produce(ctx, c)
			return nil
		}); err != nil {
			select {
			case pages <- redisPage{err: r.err("scan", "", err)}:
			case <-ctx.Done():
			}
		}
	}()
	var err error
	for p := range pages {
		if p.err != nil {
			err = p.err
			break
		}
		if err = r.describe(ctx, p, o, &m, &st, func(e Entry) error {
			if o.Limit > 0 && matched >= int64(o.Limit) {
				return stop
			}
			matched++
			return fn(e)
		}); err != nil {
			break
		}
	}
	cancel()
	for range pages { // every producer sees the cancel and ends
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

// redisPage is one SCAN page with the facts of its keys, read at time at.
type redisPage struct {
	keys    []string
	facts   []keyFacts
	noTouch bool
	at      time.Time
	err     error
}

// scanPages walks one server with SCAN MATCH COUNT BatchSize and sends each page with its facts:
// the facts of a page and the next SCAN go in one pipeline (one round trip per page).
func (r *Redis) scanPages(ctx context.Context, c redis.Cmdable, noTouch bool, o WalkOptions, now time.Time, pages chan<- redisPage) error {
	pattern := scanMatch(r.prefix + o.IDPrefix)
	count := int64(r.batch())
	// SCAN … TYPE string (Redis 6.0+) spares a TYPE per key, unless the keys of other types
	// are to be counted (Stats.Skipped)
	typed := !o.CountSkipped && !r.noScanType.Load()
	scan := func(c redis.Cmdable, cursor uint64) *redis.ScanCmd {
		if typed {
			return c.ScanType(ctx, cursor, pattern, count, "string")
		}
		return c.Scan(ctx, cursor, pattern, count)
	}
	keys, cursor, err := scan(c, 0).Result()
	if err != nil && typed && isRedisReply(err) {
		// Redis before 6.0: ERR syntax error
		r.noScanType.Store(true)
		typed = false
		keys, cursor, err = scan(c, 0).Result()
	}
	if err != nil {
		return r.err("scan", "", err)
	}
	for {
		if o.Sorted {
			sort.Strings(keys)
		}
		var sc *redis.ScanCmd
		var fs []keyFacts
		if len(keys) > 0 {
			var next func(redis.Pipeliner)
			if cursor != 0 {
				next = func(p redis.Pipeliner) { sc = scan(p, cursor) }
			}
			if fs, err = r.facts(ctx, c, noTouch, typed, o.NoSize, keys, o.WithValue, minIdle(o, now, r.now()), next); err != nil {
				return r.err("scan", "", err)
			}
		} else if cursor != 0 {
			sc = scan(c, cursor)
		}
		if len(keys) > 0 {
			select {
			case pages <- redisPage{keys: keys, facts: fs, noTouch: noTouch, at: r.now()}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if cursor == 0 {
			return nil
		}
		if sc == nil {
			// the facts were read on their own (the script was not loaded, or a cluster's
			// per-key commands): SCAN now
			sc = scan(c, cursor)
		}
		if keys, cursor, err = sc.Result(); err != nil {
			return r.err("scan", "", err)
		}
	}
}

// onConn runs f on one connection of c with CLIENT NO-TOUCH on, where c is a
// single server's client and the server has the command (Redis 7.2+);
// otherwise on c as it is, noTouch false.
func (r *Redis) onConn(ctx context.Context, c redis.Cmdable, f func(context.Context, redis.Cmdable, bool) error) error {
	cl, ok := c.(*redis.Client)
	if !ok {
		return f(ctx, c, false)
	}
	conn := cl.Conn()
	defer conn.Close()
	if err := conn.Do(ctx, "CLIENT", "NO-TOUCH", "ON").Err(); err != nil {
		if !isRedisReply(err) {
			return r.err("scan", "", err)
		}
		// Redis before 7.2: ERR unknown subcommand
		return f(ctx, conn, false)
	}
	return f(ctx, conn, true)
}

// describeScript gives, for each of KEYS, 4 values: its TYPE and, for a string,
// OBJECT IDLETIME (-1 when the server tracks none: an LFU policy), PTTL, and by
// ARGV[1] the value (GET), its length (STRLEN, under CLIENT NO-TOUCH), MEMORY
// USAGE, or nothing ("none": -1, WalkOptions.NoSize). One call per SCAN batch
// instead of a command per fact and key; the commands are the same, and touch
// as they do outside a script. A string whose idle time is below ARGV[2]
// (seconds; a walk with --older-than: it cannot match) gets -3 in place of its
// PTTL and neither size nor value: not read, not touched. With ARGV[3] = "1"
// the keys come from SCAN … TYPE string and TYPE is not asked: a key gone since
// (OBJECT IDLETIME answers nil) is "none", a key that holds another type since
// (GET or STRLEN refuse it) "other".
var describeScript = redis.NewScript(describeBody)

const describeBody = `local out = {}
local mode = ARGV[1]
local minIdle = tonumber(ARGV[2]) or -1
local typed = ARGV[3] == '1'
for i, k in ipairs(KEYS) do
  local n = (i - 1) * 4
  local t = 'string'
  if not typed then t = redis.call('TYPE', k)['ok'] end
  out[n + 1] = t
  if t == 'string' then
    local idle = redis.pcall('OBJECT', 'IDLETIME', k)
    if idle == false then t = 'none'; out[n + 1] = t; idle = 0 end
    if type(idle) ~= 'number' then idle = -1 end
    out[n + 2] = idle
    if t ~= 'string' then
      out[n + 3] = 0; out[n + 4] = 0
    elseif idle >= 0 and idle < minIdle then
      out[n + 3] = -3; out[n + 4] = 0
    else
      out[n + 3] = redis.call('PTTL', k)
      local v = -1
      if mode == 'value' then v = redis.pcall('GET', k)
      elseif mode == 'strlen' then v = redis.pcall('STRLEN', k)
      elseif mode == 'memory' then v = redis.call('MEMORY', 'USAGE', k) or 0 end
      if type(v) == 'table' then out[n + 1] = 'other'; v = 0 end
      out[n + 4] = v
    end
  else
    out[n + 2] = 0; out[n + 3] = 0; out[n + 4] = 0
  end
end
return out`

// anySlotFlags lets a script reach keys of several slots (Redis 7.0+), all on
// the master that runs it: a cluster's walk and removal send one call per page
// or batch to each master instead of one per key.
const anySlotFlags = "#!lua flags=allow-cross-slot-keys,no-writes\n"

// anySlotWriteFlags are the flags of the scripts that remove: allow-oom, as a
// script with flags that may write is otherwise refused whole while the server
// is over its maxmemory, when a purge is most needed (they only read, DEL and
// UNLINK, which Redis allows then).
const anySlotWriteFlags = "#!lua flags=allow-cross-slot-keys,allow-oom\n"

// anySlotDescribe is describeScript for one cluster master: ARGV[1] to
// ARGV[3] as there, the keys from ARGV[4] on (keys of several slots cannot be
// KEYS). A key the master does not serve fails the call: the walk then reads
// that page with per-key commands.
var anySlotDescribe = redis.NewScript(anySlotFlags + `local KEYS = {}
for i = 4, #ARGV do KEYS[i - 3] = ARGV[i] end
` + describeBody)

// listScript is describeScript for the commonest walk, a listing (Walk without
// values and with NoSize) of keys SCAN … TYPE string gave: two values per key,
// OBJECT IDLETIME (-1 untracked: an LFU policy; -2 the key is gone) and PTTL
// (-3 not read: idle less than ARGV[1], see describeScript). Half the reply
// of describeScript: each value of a script's reply costs the server about as
// much as a command on a key.
var listScript = redis.NewScript(listBody)

const listBody = `local out = {}
local minIdle = tonumber(ARGV[1]) or -1
for i, k in ipairs(KEYS) do
  local idle = redis.pcall('OBJECT', 'IDLETIME', k)
  local ttl = 0
  if idle == false then idle = -2
  else
    if type(idle) ~= 'number' then idle = -1 end
    if idle >= 0 and idle < minIdle then ttl = -3 else ttl = redis.call('PTTL', k) end
  end
  out[2 * i - 1] = idle; out[2 * i] = ttl
end
return out`

// anySlotList is listScript for one cluster master: ARGV[1] as there, the keys
// from ARGV[2] on.
var anySlotList = redis.NewScript(anySlotFlags + `local KEYS = {}
for i = 2, #ARGV do KEYS[i - 1] = ARGV[i] end
` + listBody)

// anySlotRemove is removeScript for one cluster master: ARGV[1] is n, the keys
// ARGV[2..n+1], their minimum idle times ARGV[n+2..2n+1]. A key this master no
// longer serves (its slot moved since the walk) gets 4, left for the cluster
// client: every redis.call after TYPE is on a key the master has, so the
// script never stops half-way.
var anySlotRemove = redis.NewScript(anySlotWriteFlags + `local out = {}
local n = tonumber(ARGV[1])
for i = 1, n do
  local k = ARGV[1 + i]
  local t = redis.pcall('TYPE', k)
  if type(t) ~= 'table' or t['ok'] == nil then out[i] = 4
  else
    t = t['ok']
    if t == 'none' then out[i] = 0
    elseif t ~= 'string' then out[i] = 2
    else
      local min = tonumber(ARGV[1 + n + i])
      if min and redis.call('OBJECT', 'IDLETIME', k) < min then out[i] = 3
      else redis.call('DEL', k); out[i] = 1 end
    end
  end
end
return out`)

// minIdle is the idle time (whole seconds) below which a key read at or after
// sent cannot pass o's --older-than, whatever the walk measures its age from
// (see entry: age = Now − (at − idle) truncated to the second, at ≥ sent); -1
// without --older-than. Keys idle less are not described further.
func minIdle(o WalkOptions, now, sent time.Time) int64 {
	if o.OlderThan <= 0 {
		return -1
	}
	// age < Now − sent + idle + 1 s: below OlderThan when idle < OlderThan − (Now − sent) − 1 s;
	// one second more for the LRU clock's rounding
	b := o.OlderThan - now.Sub(sent) - 2*time.Second
	if b <= 0 {
		return -1
	}
	return int64(b / time.Second)
}

// keyFacts is what a walk learns of one key.
type keyFacts struct {
	typ      string
	idle     time.Duration
	idleErr  error // the server tracks no idle time (LFU), or the key vanished (redis.Nil)
	pttl     time.Duration
	size     int64
	value    string
	hasValue bool
	young    bool  // idle less than a walk's --older-than can match: neither TTL, size nor value read
	err      error // a failed command for this key
}

var errNoIdle = errors.New("idle time not tracked (an LFU maxmemory policy)")

// facts reads the facts of keys: one script call on a single server, per-key
// pipelined commands on a cluster (whose keys in one call must share a slot).
//
// next, when not nil, adds a command (the next SCAN) to the same pipeline. A
// string idle less than minIdle seconds (see minIdle) is only counted (young).
func (r *Redis) facts(ctx context.Context, c redis.Cmdable, noTouch, typed, noSize bool, keys []string, withValue bool, minIdle int64, next func(redis.Pipeliner)) ([]keyFacts, error) {
	mode := "memory"
	switch {
	case withValue:
		mode = "value"
	case noSize:
		mode = "none"
	case noTouch:
		mode = "strlen"
	}
	typedArg := "0"
	if typed {
		typedArg = "1"
	}
	list := typed && mode == "none" // listScript's two values per key
	if r.useAnySlot() {
		args := make([]any, 0, 3+len(keys))
		script := anySlotDescribe
		if list {
			script = anySlotList
			args = append(args, minIdle)
		} else {
			args = append(args, mode, minIdle, typedArg)
		}
		for _, k := range keys {
			args = append(args, k)
		}
		fs, err := r.factsScript(ctx, c, script, nil, args, keys, withValue, next)
		switch {
		case err == nil:
			return fs, nil
		case !isRedisReply(err):
			return nil, err
		case isCompileError(err):
			r.noAnySlot.Store(true)
		}
		// refused (a key of the page has moved to another master since the SCAN): per-key
		// commands, the next SCAN having been sent with the script
		return r.factsPipeline(ctx, c, noTouch, noSize, keys, withValue, nil)
	}
	if r.scriptKeys(2) == 1 {
		return r.factsPipeline(ctx, c, noTouch, noSize, keys, withValue, next)
	}
	if list {
		return r.factsScript(ctx, c, listScript, keys, []any{minIdle}, keys, false, next)
	}
	return r.factsScript(ctx, c, describeScript, keys, []any{mode, minIdle, typedArg}, keys, withValue, next)
}

// isCompileError: the server cannot run the script (Redis before 7.0 reads no
// flags line).
func isCompileError(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "compiling script") || strings.Contains(err.Error(), "Unknown lua shebang") ||
		strings.Contains(err.Error(), "Unexpected flag"))
}

// factsScript reads the facts of keys with one call of a describe script
// (describeScript with the keys as KEYS, or anySlotDescribe with them in args).
func (r *Redis) factsScript(ctx context.Context, c redis.Cmdable, script *redis.Script, scriptKeys []string, args []any, keys []string, withValue bool, next func(redis.Pipeliner)) ([]keyFacts, error) {
	p := c.Pipeline()
	cmd := script.EvalSha(ctx, p, scriptKeys, args...)
	if next != nil {
		next(p)
	}
	_, err := p.Exec(ctx)
	if err != nil && !isRedisReply(err) {
		return nil, err
	}
	v, err := cmd.Slice()
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		if err = script.Load(ctx, c).Err(); err == nil {
			v, err = script.EvalSha(ctx, c, scriptKeys, args...).Slice()
		}
	}
	if err != nil {
		return nil, err
	}
	if script == listScript || script == anySlotList {
		return listFacts(v, len(keys))
	}
	if len(v) != 4*len(keys) {
		return nil, fmt.Errorf("the describe script replied %d values for %d keys", len(v), len(keys))
	}
	fs := make([]keyFacts, len(keys))
	for i := range fs {
		f := &fs[i]
		f.typ, _ = v[4*i].(string)
		if f.typ != "string" {
			continue
		}
		idle, _ := v[4*i+1].(int64)
		if idle < 0 {
			f.idleErr = errNoIdle
		} else {
			f.idle = time.Duration(idle) * time.Second
		}
		pttl, _ := v[4*i+2].(int64)
		if pttl == -3 {
			f.young = true
			continue
		}
		f.pttl = time.Duration(pttl) * time.Millisecond
		if pttl < 0 {
			f.pttl = time.Duration(pttl) // -1: none, as PTTL's DurationCmd gives it
		}
		if withValue {
			f.value, _ = v[4*i+3].(string)
			f.size, f.hasValue = int64(len(f.value)), true
		} else {
			f.size, _ = v[4*i+3].(int64)
		}
	}
	return fs, nil
}

// listFacts reads listScript's reply: idle time and PTTL per key.
func listFacts(v []any, n int) ([]keyFacts, error) {
	if len(v) != 2*n {
		return nil, fmt.Errorf("the list script replied %d values for %d keys", len(v), n)
	}
	fs := make([]keyFacts, n)
	for i := range fs {
		f := &fs[i]
		idle, _ := v[2*i].(int64)
		pttl, _ := v[2*i+1].(int64)
		f.typ, f.size = "string", -1
		switch {
		case idle == -2:
			f.typ = "none"
			continue
		case idle < 0:
			f.idleErr = errNoIdle
		default:
			f.idle = time.Duration(idle) * time.Second
		}
		switch {
		case pttl == -3:
			f.young = true
		case pttl < 0:
			f.pttl = time.Duration(pttl) // -1: none, -2: gone, as PTTL's DurationCmd gives them
		default:
			f.pttl = time.Duration(pttl) * time.Millisecond
		}
	}
	return fs, nil
}

// factsPipeline reads the facts with TYPE, OBJECT IDLETIME, PTTL and the size
// (or GET) per key, pipelined; the idle time comes before a GET that may touch.
func (r *Redis) factsPipeline(ctx context.Context, c redis.Cmdable, noTouch, noSize bool, keys []string, withValue bool, next func(redis.Pipeliner)) ([]keyFacts, error) {
	typ := make([]*redis.StatusCmd, len(keys))
	idle := make([]*redis.DurationCmd, len(keys))
	ttl := make([]*redis.DurationCmd, len(keys))
	size := make([]*redis.IntCmd, len(keys))
	get := make([]*redis.StringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			typ[i] = p.Type(ctx, k)
			idle[i] = p.ObjectIdleTime(ctx, k)
			ttl[i] = p.PTTL(ctx, k)
			switch {
			case withValue:
				get[i] = p.Get(ctx, k)
			case noSize:
			case noTouch:
				size[i] = p.StrLen(ctx, k)
			default:
				size[i] = p.MemoryUsage(ctx, k, 0)
			}
		}
		if next != nil {
			next(p)
		}
		return nil
	})
	// per-command errors (redis.Nil, WRONGTYPE, the idle time under LFU) are
	// looked at one by one; a pipeline error that is not one of them is the
	// connection's
	if err != nil && !isRedisReply(err) {
		return nil, err
	}
	fs := make([]keyFacts, len(keys))
	for i := range fs {
		f := &fs[i]
		if f.typ, f.err = typ[i].Result(); f.err != nil || f.typ != "string" {
			continue
		}
		if f.idle, f.idleErr = idle[i].Result(); f.idleErr != nil && !errors.Is(f.idleErr, redis.Nil) {
			f.idleErr = errNoIdle
		}
		if f.pttl, err = ttl[i].Result(); err != nil {
			f.err = err
			continue
		}
		if withValue {
			f.value, err = get[i].Result()
			f.size, f.hasValue = int64(len(f.value)), true
		} else if size[i] == nil {
			f.size = -1 // noSize
		} else {
			f.size, err = size[i].Result()
		}
		if errors.Is(err, redis.Nil) {
			f.typ = "none" // vanished between the commands
		} else if err != nil {
			f.err = err
		}
	}
	return fs, nil
}

// describe makes the entries of one page and calls fn for those that match.
// The ages are measured from the time the page's facts were read.
func (r *Redis) describe(ctx context.Context, p redisPage, o WalkOptions, m *matcher, st *WalkStats, fn func(Entry) error) error {
	for i, k := range p.keys {
		if err := ctx.Err(); err != nil {
			return r.err("scan", "", err)
		}
		e, ok, err := r.entry(strings.TrimPrefix(k, r.prefix), p.facts[i], p.noTouch, m.ages, p.at, st)
		if err != nil {
			return err
		}
		if !ok || !m.age(e.Modified) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// entry builds the Entry of one key from its facts; ok is false for a key that
// vanished or is not a string (counted in st).
func (r *Redis) entry(id string, f keyFacts, noTouch, ages bool, now time.Time, st *WalkStats) (Entry, bool, error) {
	if f.err != nil {
		return Entry{}, false, r.err("scan", id, f.err)
	}
	switch f.typ {
	case "none":
		st.Vanished++
		return Entry{}, false, nil
	case "string":
	default:
		st.Files++
		st.Skipped++
		return Entry{}, false, nil
	}
	st.Files++
	if f.young {
		return Entry{}, false, nil
	}
	e := Entry{ID: id, TTL: -1, Size: f.size}
	switch {
	case errors.Is(f.idleErr, redis.Nil):
		st.Vanished++
		return Entry{}, false, nil
	case f.idleErr != nil && ages:
		return Entry{}, false, r.err("object idletime", id, f.idleErr)
	case f.idleErr == nil:
		e.Modified = now.Add(-f.idle).Truncate(time.Second)
		e.Version = redisVersion(e.Modified)
	}
	if f.hasValue {
		e.Value = r.codec.decodeOrRaw(f.value)
		if !noTouch {
			// the GET reset its idle time: from now on, it was last accessed now
			e.Touched = true
			st.Touched++
			if e.Version != (Version{}) {
				e.Version = redisVersion(now)
			}
		}
	}
	switch {
	case f.pttl == -2*time.Nanosecond || f.pttl == -2*time.Millisecond:
		st.Vanished++
		return Entry{}, false, nil
	case f.pttl >= 0:
		e.TTL = f.pttl
	}
	return e, true, nil
}

// Lookup returns the entry of one session (age, TTL, size, Version), with its
// value if withValue, with the commands and rules of a walk: the idle time is
// read before the value, and on Redis before 7.2 reading the value resets it
// (Entry.Touched). A missing key is ErrNotFound, another type ErrWrongType.
func (r *Redis) Lookup(ctx context.Context, id string, withValue bool) (Entry, error) {
	if err := r.ValidateID(id); err != nil {
		return Entry{}, r.err("read", id, err)
	}
	var e Entry
	var found bool
	var st WalkStats
	err := r.onConn(ctx, r.c, func(ctx context.Context, c redis.Cmdable, noTouch bool) error {
		fs, err := r.factsPipeline(ctx, c, noTouch, false, []string{r.prefix + id}, withValue, nil)
		if err != nil {
			return r.err("read", id, err)
		}
		e, found, err = r.entry(id, fs[0], noTouch, false, r.now(), &st)
		return err
	})
	switch {
	case err != nil:
		return Entry{}, err
	case st.Skipped > 0:
		return Entry{}, r.err("read", id, ErrWrongType)
	case !found:
		return Entry{}, r.err("read", id, ErrNotFound)
	case withValue && e.Value == "":
		return Entry{}, r.err("read", id, ErrEmpty)
	}
	return e, nil
}

// ParseRedisURL reads redis://[user:pass@]host:port/db?prefix=… and
// rediss:// (TLS) into client options and the key prefix. The other query
// options of go-redis (dial_timeout, …) are kept; the password may be set
// on the result by the caller instead of in the URL. It is ParseRedisStoreURL
// without SessionsOnly.
func ParseRedisURL(u string) (*redis.UniversalOptions, string, error) {
	ru, err := ParseRedisStoreURL(u)
	if err != nil {
		return nil, "", err
	}
	return ru.Options, ru.Prefix, nil
}

// RedisURL is a Redis storage's URL read by ParseRedisStoreURL.
type RedisURL struct {
	Options *redis.UniversalOptions
	Prefix  string
	// SessionsOnly: sessions_only=true, the database holds nothing but
	// sessions (for Redis.SessionsOnly).
	SessionsOnly bool
	// Layout: layout=, key=, value= (redislayout.go).
	Layout RedisLayout
}

// ParseRedisStoreURL reads redis://[user:pass@]host:port/db?prefix=…&sessions_only=true
// and rediss:// (TLS); the other query options are go-redis's (dial_timeout, …).
func ParseRedisStoreURL(u string) (RedisURL, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return RedisURL{}, &Error{Store: "redis", Op: "parse url", Err: errors.Join(ErrConfig, redactURLError(err))}
	}
	if pu.Scheme != "redis" && pu.Scheme != "rediss" {
		return RedisURL{}, &Error{Store: "redis", Op: "parse url", Err: fmt.Errorf("%w: scheme %q, want redis:// or rediss://", ErrConfig, pu.Scheme)}
	}
	q := pu.Query()
	layout, err := takeRedisLayout(q)
	if err != nil {
		return RedisURL{}, &Error{Store: "redis " + pu.Host, Op: "parse url", Err: err}
	}
	prefix := q.Get("prefix")
	q.Del("prefix")
	var only bool
	if q.Has("sessions_only") {
		if only, err = strconv.ParseBool(q.Get("sessions_only")); err != nil {
			return RedisURL{}, &Error{Store: "redis " + pu.Host, Op: "parse url", Err: fmt.Errorf("%w: sessions_only=%q: want true or false", ErrConfig, q.Get("sessions_only"))}
		}
		q.Del("sessions_only")
	}
	pu.RawQuery = q.Encode()
	o, err := redis.ParseURL(pu.String())
	if err != nil {
		return RedisURL{}, &Error{Store: "redis " + pu.Host, Op: "parse url", Err: fmt.Errorf("%w: %v", ErrConfig, err)}
	}
	return RedisURL{Prefix: prefix, SessionsOnly: only, Layout: layout, Options: &redis.UniversalOptions{
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
	}}, nil
}

// redactURLError keeps a password in a URL out of the message.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// useAnySlot: walks and removals go to each master of a cluster as one script
// call per page or batch (anySlotDescribe, anySlotRemove), unless a master
// refused those scripts.
func (r *Redis) useAnySlot() bool {
	if r.noAnySlot.Load() || r.perKey {
		return false
	}
	_, cluster := r.c.(*redis.ClusterClient)
	return cluster || r.anySlot
}

// masterOf is the client of the server that holds key: its master on a cluster.
func (r *Redis) masterOf(ctx context.Context, key string) (redis.Cmdable, error) {
	if cc, ok := r.c.(*redis.ClusterClient); ok {
		return cc.MasterForKey(ctx, key)
	}
	return r.c, nil
}

// removeAnySlot removes as removeKeys does, with one anySlotRemove call per 100
// keys of a master, the masters at once. Keys whose master is not known, that
// moved to another master, or whose call was refused for want of the script
// flags go through removeKeys (per key, following the cluster's redirections).
func (r *Redis) removeAnySlot(ctx context.Context, n int, item func(i int) (id, minIdle string)) (RemoveResult, error) {
	out := make([]Outcome, n)
	size := r.batch()
	const per = 100 // an unknown outcome covers one call: at most 100 keys
	for lo := 0; lo < n; lo += size {
		if err := ctx.Err(); err != nil {
			return resultOf(out), r.err("purge", "", err)
		}
		hi := min(lo+size, n)
		var rest []int // for removeKeys
		groups := map[redis.Cmdable][]int{}
		var order []redis.Cmdable
		for i := lo; i < hi; i++ {
			id, _ := item(i)
			m, err := r.masterOf(ctx, r.prefix+id)
			if err != nil {
				rest = append(rest, i)
				continue
			}
			if _, ok := groups[m]; !ok {
				order = append(order, m)
			}
			groups[m] = append(groups[m], i)
		}
		var mu sync.Mutex
		var failed, connErr error
		var wg sync.WaitGroup
		for _, m := range order {
			wg.Add(1)
			go func(m redis.Cmdable, idx []int) {
				defer wg.Done()
				again, ferr, cerr := r.removeOn(ctx, m, idx, per, item, out)
				mu.Lock()
				defer mu.Unlock()
				rest = append(rest, again...)
				firstErr(&failed, ferr)
				firstErr(&connErr, cerr)
			}(m, groups[m])
		}
		wg.Wait()
		if connErr != nil {
			return resultOf(out), r.err("purge", "", connErr)
		}
		if failed != nil {
			return resultOf(out), r.err("purge", "", failed)
		}
		if len(rest) > 0 {
			sort.Ints(rest)
			sub, err := r.removeKeys(ctx, len(rest), func(i int) (string, string) { return item(rest[i]) })
			for j, o := range sub.Outcomes {
				out[rest[j]] = o
			}
			if err != nil {
				return resultOf(out), err
			}
		}
	}
	return resultOf(out), nil
}

// removeOn sends the keys idx to master m, per keys a call, pipelined, and fills
// out; again are the keys for removeKeys (moved, NOSCRIPT after a failed load,
// a master without script flags), failed a refusal, connErr a lost connection
// (the outcomes of the calls without a reply are unknown).
func (r *Redis) removeOn(ctx context.Context, m redis.Cmdable, idx []int, per int, item func(i int) (id, minIdle string), out []Outcome) (again []int, failed, connErr error) {
	type call struct {
		cmd *redis.Cmd
		idx []int
	}
	var calls []call
	send := func(idx []int) error {
		calls = calls[:0]
		_, err := m.Pipelined(ctx, func(p redis.Pipeliner) error {
			for lo := 0; lo < len(idx); lo += per {
				chunk := idx[lo:min(lo+per, len(idx))]
				args := make([]any, 0, 4+2*len(chunk))
				args = append(args, "evalsha", anySlotRemove.Hash(), 0, len(chunk))
				mins := make([]any, 0, len(chunk))
				for _, i := range chunk {
					id, minIdle := item(i)
					args = append(args, r.prefix+id)
					mins = append(mins, minIdle)
				}
				c := redis.NewCmd(ctx, append(args, mins...)...)
				calls = append(calls, call{c, chunk})
				p.Process(ctx, noRetry{c})
			}
			return nil
		})
		return err
	}
	err := send(idx)
	var noScript []int
	for pass := 0; ; pass++ {
		for _, cl := range calls {
			codes, kind, cerr := readScript(cl.cmd, len(cl.idx), "removal script")
			switch {
			case kind == replied:
				for j, v := range codes {
					if v == 4 {
						again = append(again, cl.idx[j])
						continue
					}
					out[cl.idx[j]] = removalOutcome(v)
				}
			case kind == replyNoScript:
				noScript = append(noScript, cl.idx...)
			case kind == replyRefused && isCompileError(cerr): // a master without script flags
				r.noAnySlot.Store(true)
				again = append(again, cl.idx...)
			case kind == replyLost:
				for _, i := range cl.idx {
					out[i] = OutcomeUnknown
				}
			default:
				firstErr(&failed, cerr)
			}
		}
		if err != nil && !isRedisReply(err) {
			return again, failed, err
		}
		if len(noScript) == 0 || failed != nil {
			return again, failed, nil
		}
		if pass > 0 {
			return append(again, noScript...), failed, nil
		}
		if lerr := anySlotRemove.Load(ctx, m).Err(); lerr != nil {
			if isCompileError(lerr) {
				r.noAnySlot.Store(true)
				return append(again, noScript...), failed, nil
			}
			if !isRedisReply(lerr) {
				return again, failed, lerr
			}
			return again, lerr, nil
		}
		idx, noScript = noScript, nil
		err = send(idx)
	}
}
