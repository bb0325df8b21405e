package storage

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var benchTree = flag.String("storage.tree", "", "walk this existing Ktor tree in BenchmarkWalk instead of a generated 20k one")

// genBenchTree writes n sessions with 32-hex ids (16 levels), as Ktor 1.6/2 would.
func genBenchTree(b *testing.B, root string, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%016x%016x", uint64(i+1)*0x9E3779B97F4A7C15, uint64(i+1)*0xC2B2AE3D27D4EB4F)
		p := root + "/" + relPath(ids[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf("userId=%%23su-%d&n=%%23i%d", i, i)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// BenchmarkWalk lists a warm tree of 20,000 sessions (or -storage.tree):
// one op = the whole tree; sessions/s is reported.
func BenchmarkWalk(b *testing.B) {
	root := *benchTree
	if root == "" {
		root = b.TempDir()
		genBenchTree(b, root, 20000)
	}
	d, err := NewDirectory(root)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    WalkOptions
	}{
		{"parallel", WalkOptions{}},
		{"parallel-values", WalkOptions{WithValue: true}},
		{"sorted", WalkOptions{Sorted: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = 0
				if err := d.Walk(context.Background(), tc.o, func(Entry) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
		})
	}
}

// BenchmarkInvalidateMany purges half of a 4,000-session tree per op (the
// tree is rebuilt outside the timer).
func BenchmarkInvalidateMany(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(b.TempDir(), fmt.Sprint(i))
		ids := genBenchTree(b, root, 4000)
		d, _ := NewDirectory(root)
		half := ids[:len(ids)/2]
		b.StartTimer()
		n, err := d.InvalidateMany(context.Background(), half)
		if err != nil || n.Removed != len(half) {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkRedis lists and purges 100,000 sessions on a private redis-server.
func BenchmarkRedis(b *testing.B) {
	srv := startRedis(b)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	ctx := context.Background()
	const n = 100000
	r := NewRedis(c, "sess:", 0)
	b.Run("list-100k", func(b *testing.B) {
		c.FlushDB(ctx)
		fillRedis(b, c, "sess:", n)
		b.ReportAllocs()
		for b.Loop() {
			k := 0
			if err := r.Walk(ctx, WalkOptions{}, func(Entry) error { k++; return nil }); err != nil || k < n {
				b.Fatal(k, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	})
	b.Run("list-values-100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k := 0
			if err := r.Walk(ctx, WalkOptions{WithValue: true}, func(Entry) error { k++; return nil }); err != nil || k < n {
				b.Fatal(k, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	})
	b.Run("purge-100k", func(b *testing.B) {
		b.ReportAllocs()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			c.FlushDB(ctx)
			ids := fillRedis(b, c, "sess:", n)
			b.StartTimer()
			t := time.Now()
			k, err := r.InvalidateMany(ctx, ids)
			total += time.Since(t)
			if err != nil || k.Removed != n {
				b.Fatal(k, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "sessions/s")
	})
}
