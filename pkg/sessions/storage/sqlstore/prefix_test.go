package sqlstore

import (
	"slices"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// TestPrefixBeforeSpace: an id prefix finds every id that starts with it, also those whose next
// byte sorts below the space (a newline, ESC): MariaDB's index range for LIKE 'ev%' under a PAD
// SPACE collation missed them.
func TestPrefixBeforeSpace(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "value "+ty.text)
		s := b.store(t, Mapping{Table: table})
		for _, id := range []string{"ev\x1b[2J\nil", "evil", "ev\nx", "ev\x01", "ev x", "e", "EVIL"} {
			if err := s.Write(ctx, id, "v"); err != nil {
				t.Fatal(err)
			}
		}
		got := ids(walkAll(t, s, storage.WalkOptions{IDPrefix: "ev"}))
		slices.Sort(got)
		if want := []string{"ev\x01", "ev\nx", "ev\x1b[2J\nil", "ev x", "evil"}; !slices.Equal(got, want) {
			t.Fatalf("prefix ev: %q, want %q", got, want)
		}
	})
}
