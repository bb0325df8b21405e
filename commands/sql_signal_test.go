//go:build unix

package commands

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/sessionctl/sessionctl/internal/testsql"
)

// TestSQLPurgeSignals: SIGINT in the middle of a purge of a PostgreSQL table stops it, by both
// paths (the set-based DELETE … RETURNING per range of blocks, and the walk with --match that
// removes in locked batches): the transaction under way finishes, the summary's removed is
// exactly the rows gone (counted before and after), JSON says interrupted, exit 130.
func TestSQLPurgeSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a table of 400,000 rows")
	}
	srv := testsql.Postgres(t)
	for _, tc := range []struct {
		name  string
		args  []string
		first int // rows gone before the signal
	}{
		{"set-based", []string{"--older-than", "30d"}, 1},
		{"walk", []string{"--match", "admin=false"}, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := srv.CreateDatabase(t, "signal_"+strings.ReplaceAll(tc.name, "-", "_"))
			db := srv.Open(t, name)
			defer db.Close()
			const n = 400000
			if _, err := db.Exec(`CREATE TABLE s (id text PRIMARY KEY, data text NOT NULL, updated_at bigint NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			// Ktor 2 text sessions, all 40 days old before SESSIONCTL_TEST_NOW
			if _, err := db.Exec(fmt.Sprintf(`INSERT INTO s SELECT lpad(to_hex(g), 64, '0'), 'userId=%%23su-' || g || '&admin=%%23bof', 1696500000000 FROM generate_series(1, %d) g`, n)); err != nil {
				t.Fatal(err)
			}
			count := func() int {
				var left int
				if err := db.QueryRow(`SELECT count(*) FROM s`).Scan(&left); err != nil {
					t.Fatal(err)
				}
				return left
			}
			url := srv.URL(name) + "&table=s&value_column=data&updated_column=updated_at&updated_unit=ms"
			args := append([]string{"storage", "purge", "--store", url, "--yes", "--json"}, tc.args...)
			cmd, out, errb := startBin(t, nil, args...)
			waitFor(t, "the first removals", func() bool { return n-count() >= tc.first })
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			gone := n - count()
			var res purgeResult
			if err := json.Unmarshal([]byte(lastLine(out.String())), &res); err != nil {
				t.Fatalf("summary %q: %v (stderr %s)", lastLine(out.String()), err, errb)
			}
			t.Logf("exit %d; %s; %d rows gone", cmd.ProcessState.ExitCode(), strings.TrimSpace(errb.String()), gone)
			if cmd.ProcessState.ExitCode() != 130 || !res.Interrupted || res.Removed != gone || res.Unknown != 0 || gone == n {
				t.Fatalf("exit %d, summary %+v; %d of %d rows gone", cmd.ProcessState.ExitCode(), res, gone, n)
			}
			if lines := strings.Count(out.String(), "\n"); lines != gone+1 {
				t.Fatalf("%d lines for %d sessions removed and the summary", lines, gone)
			}
			if !strings.Contains(errb.String(), fmt.Sprintf("interrupted by SIGINT: removed %d of %d matched", gone, res.Matched)) {
				t.Fatalf("stderr %q", errb)
			}
		})
	}
}
