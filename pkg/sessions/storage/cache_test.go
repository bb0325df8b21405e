package storage

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counting wraps a storage and counts the calls that reach it.
type counting struct {
	Storage
	reads, writes, invalidates atomic.Int64
	block                      chan struct{} // when set, reads wait for it
}

func (c *counting) Read(ctx context.Context, id string) (string, error) {
	c.reads.Add(1)
	if c.block != nil {
		<-c.block
	}
	return c.Storage.Read(ctx, id)
}
func (c *counting) Write(ctx context.Context, id, v string) error {
	c.writes.Add(1)
	return c.Storage.Write(ctx, id, v)
}
func (c *counting) Invalidate(ctx context.Context, id string) error {
	c.invalidates.Add(1)
	return c.Storage.Invalidate(ctx, id)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func newTestCache(idle time.Duration) (*Cache, *counting, *fakeClock) {
	back := &counting{Storage: NewMemory()}
	c := NewCache(back, idle)
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c.now = clk.now
	return c, back, clk
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	type step struct {
		do      string // read, write, invalidate, advance, backdoor (write to the delegate directly)
		id, val string
		d       time.Duration
		want    string
		wantErr error
		reads   int64 // delegate reads so far
		writes  int64
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"read through once", []step{
			{do: "backdoor", id: "a", val: "1"},
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "backdoor", id: "a", val: "2"},
			{do: "read", id: "a", want: "1", reads: 1}, // still cached
		}},
		{"idle expiry, touched on read", []step{
			{do: "backdoor", id: "a", val: "1"},
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "advance", d: 40 * time.Second},
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "advance", d: 40 * time.Second}, // 80 s after the first read, 40 after the last
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "backdoor", id: "a", val: "2"},
			{do: "advance", d: 60 * time.Second},
			{do: "read", id: "a", want: "2", reads: 2},
		}},
		{"not found is cached, as Ktor caches the failed read", []step{
			{do: "read", id: "a", wantErr: ErrNotFound, reads: 1},
			{do: "backdoor", id: "a", val: "1"},
			{do: "read", id: "a", wantErr: ErrNotFound, reads: 1},
			{do: "advance", d: time.Minute},
			{do: "read", id: "a", want: "1", reads: 2},
		}},
		{"write drops the entry", []step{
			{do: "write", id: "a", val: "1", reads: 1, writes: 1}, // Ktor 3 reads first
			{do: "read", id: "a", want: "1", reads: 2, writes: 1},
			{do: "write", id: "a", val: "2", reads: 2, writes: 2},
			{do: "read", id: "a", want: "2", reads: 3, writes: 2},
		}},
		{"write of the same value is skipped (Ktor 3)", []step{
			{do: "backdoor", id: "a", val: "1"},
			{do: "write", id: "a", val: "1", reads: 1, writes: 0},
			{do: "read", id: "a", want: "1", reads: 1},
		}},
		{"invalidate", []step{
			{do: "backdoor", id: "a", val: "1"},
			{do: "read", id: "a", want: "1", reads: 1},
			{do: "invalidate", id: "a", reads: 1},
			{do: "read", id: "a", wantErr: ErrNotFound, reads: 2},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, back, clk := newTestCache(0)
			for i, s := range tc.steps {
				var got string
				var err error
				switch s.do {
				case "read":
					got, err = c.Read(ctx, s.id)
				case "write":
					err = c.Write(ctx, s.id, s.val)
				case "invalidate":
					err = c.Invalidate(ctx, s.id)
				case "advance":
					clk.add(s.d)
					continue
				case "backdoor":
					back.Storage.Write(ctx, s.id, s.val)
					continue
				}
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("step %d: err %v, want %v", i, err, s.wantErr)
					}
				} else if err != nil || got != s.want {
					t.Fatalf("step %d: %q, %v; want %q", i, got, err, s.want)
				}
				if r := back.reads.Load(); r != s.reads {
					t.Fatalf("step %d: %d delegate reads, want %d", i, r, s.reads)
				}
				if w := back.writes.Load(); w != s.writes {
					t.Fatalf("step %d: %d delegate writes, want %d", i, w, s.writes)
				}
			}
		})
	}
}

func TestCacheSharesConcurrentReads(t *testing.T) {
	ctx := context.Background()
	c, back, _ := newTestCache(time.Minute)
	back.Storage.Write(ctx, "a", "1")
	back.block = make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Read(ctx, "a"); v != "1" || err != nil {
				t.Error(v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(back.block)
	wg.Wait()
	if n := back.reads.Load(); n != 1 {
		t.Errorf("%d delegate reads for 20 concurrent readers", n)
	}
}

func TestCacheSweep(t *testing.T) {
	ctx := context.Background()
	c, _, clk := newTestCache(time.Minute)
	for i := range 100 {
		c.Read(ctx, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if c.Len() != 100 {
		t.Fatalf("len %d", c.Len())
	}
	clk.add(2 * time.Minute)
	c.Read(ctx, "zz")
	if c.Len() != 1 {
		t.Errorf("after expiry len %d, want 1", c.Len())
	}
}

func TestCacheTransientErrorNotCached(t *testing.T) {
	c, back, _ := newTestCache(time.Minute)
	back.Storage.Write(context.Background(), "a", "1")
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Read(cctx, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
	if v, err := c.Read(context.Background(), "a"); v != "1" || err != nil {
		t.Errorf("after a cancelled read: %q %v", v, err)
	}
}

func TestDirectoryCached(t *testing.T) {
	ctx := context.Background()
	c, err := NewDirectoryCached(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.idle != 60*time.Second {
		t.Errorf("idle %v", c.idle)
	}
	if err := c.Write(ctx, "abcd", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Read(ctx, "abcd"); v != "v" || err != nil {
		t.Fatal(v, err)
	}
	n := 0
	if err := c.Walk(ctx, WalkOptions{}, func(Entry) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("walk through the cache: %d %v", n, err)
	}
	if k, err := c.InvalidateMany(ctx, []string{"abcd"}); k.Removed != 1 || err != nil {
		t.Errorf("InvalidateMany: %d %v", k, err)
	}
	if _, err := c.Read(ctx, "abcd"); !errors.Is(err, ErrNotFound) {
		t.Errorf("read after purge: %v", err)
	}
	if _, err := c.Read(ctx, "a/b"); !errors.Is(err, ErrBadID) {
		t.Errorf("bad id through the cache: %v", err)
	}
}

// TestCacheOutsideInvalidate: what README says of a running service's cache: a session removed
// from outside (another process's Directory on the same root, as the CLI's invalidate) is still
// served by the service's Cache while it keeps being read, until it has been idle for the idle
// timeout; and a write of a changed session through the cache puts the file back.
func TestCacheOutsideInvalidate(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	service, _ := NewDirectoryCached(root)
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	service.now = clock.now
	cli, _ := OpenDirectory(root) // the command line, in another process
	service.Write(ctx, "abcd", "userId=%23su-1")
	service.Read(ctx, "abcd")
	if err := cli.Invalidate(ctx, "abcd"); err != nil {
		t.Fatal(err)
	}
	for range 5 { // the user keeps using it: every read within the idle timeout
		clock.add(50 * time.Second)
		if v, err := service.Read(ctx, "abcd"); v != "userId=%23su-1" || err != nil {
			t.Fatalf("the cache stopped serving it: %q %v", v, err)
		}
	}
	if err := service.Write(ctx, "abcd", "userId=%23su-1&n=%23i2"); err != nil {
		t.Fatal(err)
	}
	if v, err := cli.Read(ctx, "abcd"); err != nil || v != "userId=%23su-1&n=%23i2" {
		t.Errorf("a changed session written through the cache: %q %v (want the file back)", v, err)
	}
	cli.Invalidate(ctx, "abcd")
	clock.add(DefaultCacheIdle)
	if _, err := service.Read(ctx, "abcd"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after %v idle: %v, want not found", DefaultCacheIdle, err)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.Read(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c", "", "a/b"} { // Ktor's memory storage takes any id
		if err := m.Write(ctx, id, "v"+id); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := m.Read(ctx, "a/b"); v != "va/b" {
		t.Errorf("read %q", v)
	}
	var got []string
	var st WalkStats
	m.Walk(ctx, WalkOptions{Sorted: true, WithValue: true, Stats: &st}, func(e Entry) error {
		got = append(got, e.ID+"="+e.Value)
		return nil
	})
	if len(got) != 5 || got[0] != "=v" || got[1] != "a=va" || st.Matched != 5 {
		t.Errorf("walk %v %+v", got, st)
	}
	m.Invalidate(ctx, "a")
	if err := m.Invalidate(ctx, "a"); err != nil {
		t.Errorf("second invalidate: %v", err)
	}
	if n, err := m.InvalidateMany(ctx, []string{"b", "c", "zz"}); n.Removed != 2 || n.Missing != 1 || err != nil {
		t.Errorf("InvalidateMany %d %v", n, err)
	}
	n := 0
	m.Walk(ctx, WalkOptions{IDPrefix: "a"}, func(Entry) error { n++; return nil })
	if n != 1 {
		t.Errorf("prefix walk %d", n)
	}
}

func TestDefaultIDGenerator(t *testing.T) {
	// one 16-character nonce before 1.5.0, two from 1.5.0 (2.x included: the
	// JVM nonce is 16 hex characters), generateNonceBlocking(64) from 3.5.0
	for p, n := range map[string]int{"1.0": 16, "1.4.3": 16, "1.5.0": 32, "1.6": 32, "2": 32, "3.4.3": 32, "3.5.0": 64, "3": 64, "": 64} {
		id, err := DefaultIDGenerator(p)()
		if err != nil || len(id) != n || ValidateID(id) != nil {
			t.Errorf("%s: %q %v", p, id, err)
		}
		for _, c := range id {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				t.Errorf("%s: %q not lower-case hex", p, id)
			}
		}
	}
}

// failing is a delegate whose reads fail with an I/O error, counted.
type failing struct {
	Storage
	reads atomic.Int64
}

var errExpected = errors.New("ExpectedException")

func (f *failing) Read(context.Context, string) (string, error) {
	f.reads.Add(1)
	return "", errExpected
}

// TestCacheRememberAllFailures follows Ktor's CacheTest.kt
// testInvalidateWithError (main, ktor-server-sessions common test): a failed
// computation is remembered (the counter does not move on the second read),
// invalidate forgets it without computing, the next read computes again.
// Without RememberAllFailures the failure is not remembered.
func TestCacheRememberAllFailures(t *testing.T) {
	ctx := context.Background()
	for _, all := range []bool{true, false} {
		back := &failing{Storage: NewMemory()}
		c := NewCacheWith(back, CacheOptions{Idle: time.Minute, RememberAllFailures: all})
		read := func(want int64) {
			t.Helper()
			if _, err := c.Read(ctx, "1"); !errors.Is(err, errExpected) {
				t.Fatalf("all=%v: read: %v", all, err)
			}
			if n := back.reads.Load(); n != want {
				t.Fatalf("all=%v: %d reads of the delegate, want %d", all, n, want)
			}
		}
		if all {
			read(1)
			read(1)
			c.Invalidate(ctx, "1")
			if n := back.reads.Load(); n != 1 {
				t.Fatalf("invalidate computed: %d", n)
			}
			read(2)
			// a write through the cache forgets it too
			c.Write(ctx, "1", "v")
			read(3)
		} else {
			read(1)
			read(2)
		}
	}
	// a remembered failure goes when the id is left idle
	back0 := &failing{Storage: NewMemory()}
	c0 := NewCacheWith(back0, CacheOptions{Idle: time.Minute, RememberAllFailures: true})
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c0.now = clk.now
	c0.Read(ctx, "1")
	clk.add(59 * time.Second)
	c0.Read(ctx, "1")
	clk.add(59 * time.Second) // each read touches it: still there
	c0.Read(ctx, "1")
	if n := back0.reads.Load(); n != 1 {
		t.Fatalf("%d delegate reads while the failure was touched, want 1", n)
	}
	clk.add(time.Minute)
	c0.Read(ctx, "1")
	if n := back0.reads.Load(); n != 2 {
		t.Fatalf("%d delegate reads after an idle minute, want 2", n)
	}
	// Ktor runs the read outside the caller's Job: a cancelled caller does
	// not leave a cancellation behind for everyone else.
	back := &counting{Storage: NewMemory()}
	back.Storage.Write(ctx, "a", "1")
	c := NewCacheWith(back, CacheOptions{RememberAllFailures: true})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	c.Read(cctx, "a")
	if v, err := c.Read(ctx, "a"); v != "1" || err != nil {
		t.Fatalf("after a cancelled read: %q %v", v, err)
	}
}
