package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestWalkSeesEverySession: repeated parallel walks of a Ktor tree of 5,000 sessions yield every
// session, every time. (A getdents short read taken for the end of a directory once lost 1 to 14
// sessions per walk, a different number each run.)
func TestWalkSeesEverySession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5,000-session tree")
	}
	root := t.TempDir()
	rnd := rand.New(rand.NewPCG(7, 7))
	const n = 5000
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%016x%016x", rnd.Uint64(), rnd.Uint64())
		p := filepath.Join(root, relPath(id))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("n=%23i1"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 8} {
		for run := 0; run < 6; run++ {
			seen := map[string]bool{}
			err := d.Walk(context.Background(), WalkOptions{Workers: workers}, func(e Entry) error {
				if seen[e.ID] {
					return fmt.Errorf("%s twice", e.ID)
				}
				seen[e.ID] = true
				return nil
			})
			if err != nil || len(seen) != n {
				t.Fatalf("workers %d, run %d: %d of %d sessions, %v", workers, run, len(seen), n, err)
			}
		}
	}
}
