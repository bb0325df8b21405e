package commands

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/audit"
)

// keys check flags every key on audit's list of known keys (known-keys.json and the keys derived
// from its text keys), sessionctl's own example keys included.
func TestKeysCheckFlagsEveryKnownKey(t *testing.T) {
	var b strings.Builder
	want := map[string]string{}
	for i, k := range audit.KnownKeys() {
		if k.Len() == 0 {
			continue // the empty key is no keyring material (hex = "" is refused)
		}
		id := fmt.Sprintf("k%04d", i)
		want[id] = k.ID
		fmt.Fprintf(&b, "[keys.%s]\nhex = %q\n", id, k.Hex())
	}
	path := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "keys", "check", "--keys", path, "--json")
	if code != ExitInvalid {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Findings []keyFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, f := range res.Findings {
		if f.ID == "known-key" {
			flagged[f.Key] = true
		}
	}
	for id, known := range want {
		if !flagged[id] {
			t.Errorf("known key %s (%s) not flagged", known, id)
		}
	}
	if len(want) < 1000 {
		t.Errorf("only %d known keys", len(want))
	}
}
