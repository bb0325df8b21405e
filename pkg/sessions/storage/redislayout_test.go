package storage

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedisValueCodec: with value=hex or base64 the store writes what a Ktor SessionStorage
// doing setex("sess:$id", ttl, hex(value)) writes, byte for byte, and reads, walks and looks
// up the session text; a value that does not decode is an error for Read and Lookup, and a
// walk yields it as stored (so --match counts it undecodable).
func TestRedisValueCodec(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	text := "userId=%23su-1&admin=%23bot"
	for _, tc := range []struct {
		codec  ValueCodec
		stored string
	}{
		{ValueText, text},
		{ValueHex, hex.EncodeToString([]byte(text))},
		{ValueBase64, base64.StdEncoding.EncodeToString([]byte(text))},
	} {
		t.Run(string(tc.codec), func(t *testing.T) {
			prefix := "sess_" + string(tc.codec) + ":"
			r := NewRedis(c, prefix, time.Hour)
			r.SetValueCodec(tc.codec)
			if err := r.Write(ctx, "a", text); err != nil {
				t.Fatal(err)
			}
			if raw := c.Get(ctx, prefix+"a").Val(); raw != tc.stored {
				t.Fatalf("stored %q, want %q", raw, tc.stored)
			}
			// what the application wrote, upper-case hex included
			c.Set(ctx, prefix+"b", strings.ToUpper(tc.stored), 0)
			if tc.codec == ValueHex {
				if v, err := r.Read(ctx, "b"); err != nil || v != text {
					t.Fatalf("upper-case hex: %q %v", v, err)
				}
			}
			if v, err := r.Read(ctx, "a"); err != nil || v != text {
				t.Fatalf("Read %q %v", v, err)
			}
			if e, err := r.Lookup(ctx, "a", true); err != nil || e.Value != text || e.Size == 0 {
				t.Fatalf("Lookup %+v %v", e, err)
			}
			c.Set(ctx, prefix+"bad", "%%% not hex or base64", 0)
			if tc.codec != ValueText {
				if _, err := r.Read(ctx, "bad"); !errors.Is(err, ErrBadValue) {
					t.Fatalf("bad value: %v", err)
				}
			}
			got := map[string]string{}
			if err := r.Walk(ctx, WalkOptions{WithValue: true}, func(e Entry) error { got[e.ID] = e.Value; return nil }); err != nil {
				t.Fatal(err)
			}
			if got["a"] != text || got["bad"] != "%%% not hex or base64" || len(got) != 3 {
				t.Fatalf("walk %q", got)
			}
		})
	}
}

// TestParseRedisLayout: layout=, key= and value= of a store URL (one server and the
// topologies), strict: an unknown value, a parameter given twice, key= without layout=hash,
// layout=hash without key= or with prefix= are errors naming it.
func TestParseRedisLayout(t *testing.T) {
	ru, err := ParseRedisStoreURL("redis://127.0.0.1:6379/2?layout=hash&key=app:sessions&value=base64")
	if err != nil || !ru.Layout.Hash || ru.Layout.HashKey != "app:sessions" || ru.Layout.Value != ValueBase64 || ru.Options.DB != 2 {
		t.Fatalf("%+v %v", ru, err)
	}
	ru, err = ParseRedisStoreURL("redis://127.0.0.1:6379/0?prefix=sess:&value=hex")
	if err != nil || ru.Layout.Hash || ru.Layout.Value != ValueHex || ru.Prefix != "sess:" {
		t.Fatalf("%+v %v", ru, err)
	}
	topo, err := ParseRedisTopologyURL("redis+cluster://127.0.0.1:7000?addr=127.0.0.1:7001&layout=hash&key=sessions")
	if err != nil || !topo.Layout.Hash || topo.Layout.HashKey != "sessions" || topo.Layout.Value != ValueText {
		t.Fatalf("%+v %v", topo, err)
	}
	for url, want := range map[string]string{
		"redis://h:1/0?layout=list":                        `layout="list": want string`,
		"redis://h:1/0?layout=hash":                        "layout=hash needs key=NAME",
		"redis://h:1/0?key=sessions":                       "key=sessions is the hash of layout=hash",
		"redis://h:1/0?layout=hash&key=s&prefix=sess:":     "prefix= and sessions_only= do not apply",
		"redis://h:1/0?value=json":                         `value="json": want text, hex or base64`,
		"redis://h:1/0?prefix=s:&value=hex&value=base64":   "parameter value given twice",
		"unix:///tmp/r.sock?layout=hash&key=a&key=b":       "parameter key given twice",
		"redis+sentinel://h:1/0?master_name=m&value=hexes": `value="hexes"`,
	} {
		var err error
		if strings.HasPrefix(url, "redis://") {
			_, err = ParseRedisStoreURL(url)
		} else {
			_, err = ParseRedisTopologyURL(url)
		}
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", url, err, want)
		}
	}
}

// TestRedisHash: the hash layout reads and writes what a SessionStorage doing
// hset("sessions", id, value) keeps; a walk (HSCAN) sees every field, filters by id prefix,
// refuses an age filter; InvalidateMany and RemoveUnchanged remove fields (HDEL) with
// per-field outcomes, the other fields and keys untouched.
func TestRedisHash(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	h := NewRedisHash(c, "sessions", ValueHex)
	h.BatchSize = 7
	for i := range 50 {
		if err := h.Write(ctx, fmt.Sprintf("s%02d", i), fmt.Sprintf("userId=%%23su-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(ctx, "sess:other", "not in the hash", 0)
	if raw := c.HGet(ctx, "sessions", "s01").Val(); raw != hex.EncodeToString([]byte("userId=%23su-1")) {
		t.Fatalf("stored %q", raw)
	}
	if v, err := h.Read(ctx, "s01"); err != nil || v != "userId=%23su-1" {
		t.Fatal(v, err)
	}
	if _, err := h.Read(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	var ids []string
	if err := h.Walk(ctx, WalkOptions{IDPrefix: "s1", WithValue: true, Sorted: true}, func(e Entry) error {
		if e.Value != "userId=%23su-"+strings.TrimPrefix(strings.TrimPrefix(e.ID, "s"), "0") || e.TTL != -1 || e.Version == (Version{}) {
			t.Errorf("entry %+v", e)
		}
		ids = append(ids, e.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10 || ids[0] != "s10" {
		t.Fatalf("walk s1*: %v", ids)
	}
	if err := h.Walk(ctx, WalkOptions{OlderThan: time.Hour}, func(Entry) error { return nil }); !errors.Is(err, ErrConfig) {
		t.Fatalf("age filter: %v", err)
	}
	var es []Entry
	h.Walk(ctx, WalkOptions{}, func(e Entry) error { es = append(es, e); return nil })
	if len(es) != 50 {
		t.Fatalf("walk: %d", len(es))
	}
	// the application rewrites five and removes five after the walk: RemoveUnchanged keeps the
	// rewritten ones (Changed), counts the gone ones (Missing), removes the rest
	changed, gone := map[string]bool{}, map[string]bool{}
	for _, e := range es[:5] {
		h.Write(ctx, e.ID, "userId=%23snew")
		changed[e.ID] = true
	}
	for _, e := range es[5:10] {
		h.Invalidate(ctx, e.ID)
		gone[e.ID] = true
	}
	r, err := h.RemoveUnchanged(ctx, es)
	if err != nil || r.RemoveCounts != (RemoveCounts{Removed: 40, Changed: 5, Missing: 5}) {
		t.Fatalf("RemoveUnchanged: %+v %v", r.RemoveCounts, err)
	}
	for i, o := range r.Outcomes {
		want := OutcomeRemoved
		switch {
		case changed[es[i].ID]:
			want = OutcomeChanged
		case gone[es[i].ID]:
			want = OutcomeMissing
		}
		if o != want {
			t.Fatalf("%s: %v, want %v", es[i].ID, o, want)
		}
	}
	if n := c.HLen(ctx, "sessions").Val(); n != 5 {
		t.Fatalf("%d fields left", n)
	}
	r, err = h.InvalidateMany(ctx, []string{es[0].ID, "nope", es[1].ID})
	if err != nil || r.RemoveCounts != (RemoveCounts{Removed: 2, Missing: 1}) {
		t.Fatalf("InvalidateMany: %+v %v", r.RemoveCounts, err)
	}
	if c.Get(ctx, "sess:other").Val() != "not in the hash" {
		t.Fatal("another key was touched")
	}
	// an entry of another store is refused before anything is removed
	if _, err := h.RemoveUnchanged(ctx, []Entry{{ID: es[2].ID}}); err == nil || c.HLen(ctx, "sessions").Val() != 3 {
		t.Fatalf("no version: %v", err)
	}
	// the key holding another type is an error naming it
	w := NewRedisHash(c, "sess:other", ValueText)
	if _, err := w.Read(ctx, "x"); !errors.Is(err, ErrWrongType) || !strings.Contains(err.Error(), "sess:other") {
		t.Fatalf("wrong type: %v", err)
	}
}

// TestRedisHashPurgeLiveWriters: while RemoveUnchanged removes 20,000 walked fields in batches,
// the application rewrites fields at random; not one rewritten session is lost (the script
// compares each field's value with the walk's digest and HDELs in one step), and the counts are
// exact: removed + changed = walked, removed = the fields gone.
func TestRedisHashPurgeLiveWriters(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := redisClient(t, srv)
	h := NewRedisHash(c, "sessions", ValueBase64)
	h.BatchSize = 200
	const n = 20000
	p := c.Pipeline()
	for i := range n {
		p.HSet(ctx, "sessions", fmt.Sprintf("%06d", i), base64.StdEncoding.EncodeToString([]byte("old")))
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var es []Entry
	h.Walk(ctx, WalkOptions{}, func(e Entry) error { es = append(es, e); return nil })
	if len(es) != n {
		t.Fatalf("walked %d", len(es))
	}
	app := NewRedisHash(redisClient(t, srv), "sessions", ValueBase64)
	var rewritten sync.Map
	var writes atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i = (i + 7919) % n {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("%06d", i)
			if err := app.Write(ctx, id, "new-"+id); err != nil {
				t.Error(err)
				return
			}
			rewritten.Store(id, true)
			writes.Add(1)
		}
	}()
	r, err := h.RemoveUnchanged(ctx, es)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	nrew := 0
	rewritten.Range(func(k, _ any) bool {
		nrew++
		if v, err := h.Read(ctx, k.(string)); err != nil || v != "new-"+k.(string) {
			lost++
		}
		return true
	})
	// every field still holding the walk's value was to go: none is left
	old := 0
	all, _ := c.HGetAll(ctx, "sessions").Result()
	for _, v := range all {
		if v == base64.StdEncoding.EncodeToString([]byte("old")) {
			old++
		}
	}
	t.Logf("%d writes of %d sessions during the purge; %+v; %d left", writes.Load(), nrew, r.RemoveCounts, len(all))
	if lost > 0 || old > 0 {
		t.Fatalf("%d rewritten sessions lost, %d unchanged ones left", lost, old)
	}
	if r.Removed+r.Changed != n || r.Unknown != 0 || r.Missing != 0 || r.Changed == 0 || r.Changed > nrew || r.Removed < n-nrew {
		t.Fatalf("counts %+v for %d walked, %d rewritten", r.RemoveCounts, n, nrew)
	}
}
