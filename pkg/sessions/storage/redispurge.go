package storage

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// purgeBody decides and removes in one step, per key of KEYS: it reads the
// key's idle time (OBJECT IDLETIME, which does not touch), keeps the key when
// the idle time is not above ARGV[1] or not below ARGV[2] (whole seconds, ""
// for no bound: the purge's --older-than and --newer-than, see ageBounds), and
// otherwise removes it if it holds a string (a session): GETDEL, which refuses
// any other type (WRONGTYPE) and answers the value, or before Redis 6.2 TYPE
// (which does not touch), STRLEN and DEL. Three values per key: a code (0 not
// there, 1 removed, 2 not a string: left alone, 3 outside the ages: kept, 4 not
// served by this server: see anySlotPurge, 5 no idle time tracked, an LFU
// policy, with an age bound: kept), the idle time (-1 untracked), and the
// length of a removed key's value: the size reported, exact as a directory's
// file size (not the MEMORY USAGE a walk reports on Redis before 7.2, which
// would cost a command more per key). Nothing happens in the server between the
// test and the removal: a key is removed only as it is when it matches.
const purgeBody = `local out = {}
local older = tonumber(ARGV[1])
local newer = tonumber(ARGV[2])
for i, k in ipairs(KEYS) do
  local n = (i - 1) * 3
  out[n + 2] = 0; out[n + 3] = 0
  local idle = redis.pcall('OBJECT', 'IDLETIME', k)
  local code
  if idle == false then code = 0
  elseif type(idle) == 'table' and not string.find(idle['err'] or '', 'LFU', 1, true) then code = 4
  else
    if type(idle) ~= 'number' then idle = -1 end
    out[n + 2] = idle
    if idle < 0 and (older or newer) then code = 5
    elseif (older and idle <= older) or (newer and idle >= newer) then code = 3
    else
      local v = redis.pcall('GETDEL', k)
      local size = 0
      if type(v) == 'string' then code = 1; size = #v
      elseif type(v) == 'table' and string.find(v['err'] or '', 'WRONGTYPE', 1, true) then code = 2
      elseif type(v) == 'table' then
        if redis.call('TYPE', k)['ok'] ~= 'string' then code = 2
        else size = redis.call('STRLEN', k); redis.call('DEL', k); code = 1 end
      else code = 0 end
      if code == 1 then out[n + 3] = size end
    end
  end
  out[n + 1] = code
end
return out`

// purgeScript runs purgeBody with the keys as KEYS (one server, or one key on a
// cluster, routed by its slot).
var purgeScript = redis.NewScript(purgeBody)

// anySlotPurge is purgeBody for one cluster master: ARGV[1] and ARGV[2] as
// there, the keys from ARGV[3] on (keys of several slots cannot be KEYS); a key
// the master does not serve (its slot moved since the SCAN) gets 4 and is left
// for the cluster client.
var anySlotPurge = redis.NewScript(anySlotWriteFlags + `local KEYS = {}
for i = 3, #ARGV do KEYS[i - 2] = ARGV[i] end
` + purgeBody)

// purgeChunk is how many keys one purge call takes: a call whose answer is lost
// counts its keys unknown.
const purgeChunk = 100

// ageBounds turns o's ages into purgeBody's bounds on the idle time of a key
// whose facts are read at sent: the key matches, as a walk would judge it from
// an Entry whose Modified is sent − idle truncated to the second, when idle >
// older and idle < newer ("" = no bound). With T = sent truncated to the second,
// the age is Now − T + idle: above OlderThan when idle > OlderThan − (Now − T),
// that is (idle being whole seconds) idle > floor of it; below NewerThan when
// idle < ceil(NewerThan − (Now − T)).
func ageBounds(o WalkOptions, now, sent time.Time) (older, newer string) {
	off := now.Sub(sent.Truncate(time.Second))
	if o.OlderThan > 0 {
		older = strconv.FormatInt(int64(math.Floor((o.OlderThan - off).Seconds())), 10)
	}
	if o.NewerThan > 0 {
		newer = strconv.FormatInt(int64(math.Ceil((o.NewerThan - off).Seconds())), 10)
	}
	return older, newer
}

// PurgeMatching removes the sessions matching o's id prefix and ages in Redis
// itself: SCAN MATCH prefix* finds the keys a page at a time (on a connection of
// its own, read ahead), and one script call per 100 keys of the page
// (purgeBody) reads each key's idle time and removes it in the same step when it
// matches; every master of a cluster at once. A key used between the SCAN and
// its call is judged by its new idle time, so nothing used since it matched is
// removed, with no second pass. What a call removed counts once its answer
// arrives (and, with ConfirmReplicas, once WAIT says the replicas have it); the
// keys of a call whose answer is lost are Unknown. A Limit, or a server that
// refuses the scripts, is ErrNotSetBased, nothing removed; under an LFU policy
// an age filter fails, nothing removed.
func (r *Redis) PurgeMatching(ctx context.Context, o WalkOptions, rep PurgeReport) (Purged, error) {
	if o.Limit > 0 || r.perKey {
		return Purged{}, ErrNotSetBased
	}
	if err := r.CheckRemoval(); err != nil {
		return Purged{}, err
	}
	if o.Now.IsZero() {
		o.Now = r.now()
	}
	var mu sync.Mutex // the report's callbacks and the totals, from one server at a time
	var total Purged
	report := func(p Purged, removed []Entry) {
		mu.Lock()
		defer mu.Unlock()
		total.Removed += p.Removed
		total.Unknown += p.Unknown
		total.Bytes += p.Bytes
		if rep.Counted != nil && p.Removed > 0 {
			rep.Counted(p.Removed, p.Bytes)
		}
		if rep.Removed != nil && rep.IDs && len(removed) > 0 {
			rep.Removed(removed)
		}
	}
	cc, cluster := r.c.(*redis.ClusterClient)
	anySlot := r.useAnySlot()
	if cluster && !anySlot {
		return Purged{}, ErrNotSetBased // a master without script flags: per-key removal
	}
	// the scripts are loaded first: a server that cannot run them (a cluster master before
	// Redis 7.0 reads no script flags) refuses before anything is removed
	load := func(ctx context.Context, c redis.Scripter) error {
		s := purgeScript
		if anySlot {
			s = anySlotPurge
		}
		err := s.Load(ctx, c).Err()
		if isCompileError(err) {
			return ErrNotSetBased
		}
		return err
	}
	var err error
	if cluster {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return load(ctx, c) })
	} else {
		err = load(ctx, r.c)
	}
	if errors.Is(err, ErrNotSetBased) {
		return Purged{}, err
	}
	if err != nil {
		return Purged{}, r.err("purge", "", err)
	}
	if !cluster {
		err = r.purgeServer(ctx, r.c, anySlot, o, report)
		return total, err
	}
	var first error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ferr := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		if err := r.purgeServer(ctx, c, anySlot, o, report); err != nil {
			once.Do(func() { first = err; cancel() }) // one master failing stops the others
		}
		return nil
	})
	if first == nil && ferr != nil {
		first = r.err("purge", "", ferr)
	}
	return total, first
}

// purgeServer purges one server (a cluster master) page by page; report gets
// what each page's calls confirmed. SCAN reads up to two pages ahead on a
// connection of its own, so that the server always has the next page's calls
// or SCAN to run.
func (r *Redis) purgeServer(ctx context.Context, c redis.Cmdable, anySlot bool, o WalkOptions, report func(Purged, []Entry)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type page struct {
		keys []string
		err  error
	}
	pages := make(chan page, 2)
	// one connection for the whole SCAN: a cursor means something only to the server that gave
	// it, and a pool would carry it on to another (Sentinel's new master after a failover), which
	// could skip keys without saying so; a broken connection ends the purge with an error instead
	var sc redis.Cmdable = c
	if cl, ok := c.(*redis.Client); ok {
		conn := cl.Conn()
		sc = conn
		defer conn.Close() // after the SCANs have stopped (below)
	}
	defer func() {
		cancel()
		for range pages { // the producer sees the cancel and ends
		}
	}()
	go func() {
		defer close(pages)
		pattern := scanMatch(r.prefix + o.IDPrefix)
		// plain SCAN: the script tests each key's type as it removes it (GETDEL refuses any
		// other), and SCAN's TYPE option would cost a lookup per key more
		var cursor uint64
		for {
			keys, next, err := sc.Scan(ctx, cursor, pattern, int64(r.batch())).Result()
			select {
			case pages <- page{keys, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || next == 0 {
				return
			}
			cursor = next
		}
	}()
	var removed []Entry
	for pg := range pages {
		if pg.err != nil {
			return r.err("scan", "", pg.err)
		}
		if err := ctx.Err(); err != nil {
			return r.err("purge", "", err)
		}
		if len(pg.keys) == 0 {
			continue
		}
		sent := r.now()
		at := sent.Truncate(time.Second)
		older, newer := ageBounds(o, o.Now, sent)
		var p Purged
		removed = removed[:0]
		tally := func(keys []string, res []purgeFact) {
			for i, f := range res {
				switch f.code {
				case 1:
					p.Removed++
					p.Bytes += f.size
					e := Entry{ID: strings.TrimPrefix(keys[i], r.prefix), TTL: -1, Size: f.size}
					if f.idle >= 0 {
						e.Modified = at.Add(-time.Duration(f.idle) * time.Second)
					}
					removed = append(removed, e)
				case -1:
					p.Unknown++
				}
			}
		}
		res, moved, err := r.purgeKeys(ctx, c, anySlot, pg.keys, older, newer)
		tally(pg.keys, res)
		if len(moved) > 0 && err == nil {
			// their slot moved to another master since the SCAN: one call per key through the
			// cluster client, which follows the redirection
			res, _, err = r.purgeKeys(ctx, r.c, false, moved, older, newer)
			tally(moved, res)
		}
		report(p, removed)
		if err != nil {
			return r.err("purge", "", err)
		}
	}
	return ctx.Err()
}

// purgeFact is purgeBody's answer for one key; code -1: unknown (the call's
// answer was lost).
type purgeFact struct {
	code int64
	idle int64
	size int64
}

// purgeKeys sends keys to c in calls of purgeChunk keys (anySlotPurge with the
// keys in ARGV when anySlot; else purgeScript, one key per call on a cluster
// client), pipelined, with ConfirmReplicas followed by a WAIT. moved are the keys the server no longer serves. A
// call's lost answer makes its keys' code -1 and err the connection's error; a
// refusal is err with the refused calls' keys left at code 0 (nothing ran).
func (r *Redis) purgeKeys(ctx context.Context, c redis.Cmdable, anySlot bool, keys []string, older, newer string) (res []purgeFact, moved []string, err error) {
	res = make([]purgeFact, len(keys))
	per := purgeChunk
	script := purgeScript
	if anySlot {
		script = anySlotPurge
	} else if _, ok := c.(*redis.ClusterClient); ok {
		per = 1 // the keys of one call must share a slot
	}
	type call struct {
		cmd    *redis.Cmd
		lo, hi int
	}
	var calls []call
	send := func(idx [][2]int) (*redis.IntCmd, error) {
		calls = calls[:0]
		var wait *redis.IntCmd
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, b := range idx {
				args := make([]any, 0, 5+b[1]-b[0])
				if anySlot {
					args = append(args, "evalsha", script.Hash(), 0, older, newer)
					for _, k := range keys[b[0]:b[1]] {
						args = append(args, k)
					}
				} else {
					args = append(args, "evalsha", script.Hash(), b[1]-b[0])
					for _, k := range keys[b[0]:b[1]] {
						args = append(args, k)
					}
					args = append(args, older, newer)
				}
				cmd := redis.NewCmd(ctx, args...)
				calls = append(calls, call{cmd, b[0], b[1]})
				p.Process(ctx, noRetry{cmd})
			}
			if _, ok := c.(*redis.ClusterClient); !ok {
				wait = r.queueWait(ctx, p) // on the connection that removed
			}
			return nil
		})
		return wait, err
	}
	var idx [][2]int
	for lo := 0; lo < len(keys); lo += per {
		idx = append(idx, [2]int{lo, min(lo+per, len(keys))})
	}
	var failed error
	for pass := 0; len(idx) > 0; pass++ {
		wait, perr := send(idx)
		var again [][2]int // NOSCRIPT: nothing ran; load the script and send them again
		for _, cl := range calls {
			v, kind, cerr := readScript(cl.cmd, 3*(cl.hi-cl.lo), "purge script")
			switch {
			case kind == replied:
				for j := cl.lo; j < cl.hi; j++ {
					f := purgeFact{code: v[3*(j-cl.lo)], idle: v[3*(j-cl.lo)+1], size: v[3*(j-cl.lo)+2]}
					switch f.code {
					case 4:
						moved = append(moved, keys[j])
						f.code = 0
					case 5:
						firstErr(&failed, errNoIdle)
					}
					res[j] = f
				}
			case kind == replyNoScript && pass == 0:
				again = append(again, [2]int{cl.lo, cl.hi})
			case kind == replyLost:
				for j := cl.lo; j < cl.hi; j++ {
					res[j].code = -1
				}
			default: // refused (NOSCRIPT again after the load too), or short
				firstErr(&failed, cerr)
			}
		}
		if werr := waitShort(wait, r.ConfirmReplicas); werr != nil {
			for j := range res {
				if res[j].code == 1 {
					res[j].code = -1 // removed on the master, perhaps not on its replicas
				}
			}
			firstErr(&failed, werr)
		}
		if perr != nil && !isRedisReply(perr) {
			return res, nil, perr
		}
		if failed != nil {
			return res, nil, failed
		}
		if len(again) > 0 {
			if err := script.Load(ctx, c).Err(); err != nil {
				return res, nil, err
			}
		}
		idx = again
	}
	return res, moved, nil
}
