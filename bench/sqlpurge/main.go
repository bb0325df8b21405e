// Command sqlpurge measures `sessionctl storage purge --older-than` on a PostgreSQL table against
// a plain `DELETE … WHERE updated_at < …` in psql, side by side, on a private PostgreSQL 15 it
// starts (internal/testsql: initdb in a temp dir, as nobody under root) and stops; with -db
// mariadb the same on a private MariaDB against the `mariadb` client.
//
//	go run ./bench/sqlpurge -sessionctl /tmp/sessionctl -rows 2000000 -old 1000000 -runs 3
//	go run ./bench/sqlpurge -db mariadb -sessionctl /tmp/sessionctl -rows 200000 -old 100000
//
// Before every run the table is loaded again (rows sessions, of which old are 40 days old and
// the rest an hour, interleaved; 64-hex ids in random order; a ~60-byte Ktor text value), then
// VACUUM ANALYZE and CHECKPOINT; after every run the rows left are counted (rows-old, or the run
// is wrong). Runs alternate (ours first on even rounds). It prints one JSON object per run and a
// summary with the medians and the ratio.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/sessionctl/sessionctl/internal/testsql"
)

func main() {
	bin := flag.String("sessionctl", "", "the sessionctl binary")
	rows := flag.Int("rows", 2000000, "rows in the table")
	old := flag.Int("old", 1000000, "of which 40 days old (purged)")
	runs := flag.Int("runs", 3, "runs of each")
	kind := flag.String("db", "postgres", "postgres or mariadb")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "sqlpurge: give -sessionctl BINARY")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "sessionctl-bench-sql-")
	check(err)
	var srv *testsql.Server
	var db *sql.DB
	var store, refName string
	var refCmd []string
	switch *kind {
	case "postgres":
		srv, err = testsql.StartPostgres(dir)
		check(err)
		dsn := srv.DSN("")
		db, err = sql.Open("pgx", dsn)
		check(err)
		refName = "psql"
		refCmd = []string{filepath.Join(testsql.PGBin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn,
			"-c", "DELETE FROM sessions WHERE updated_at < now() - interval '30 days'"}
		store = dsn + "&table=sessions&value_column=data&updated_column=updated_at"
	case "mariadb":
		srv, err = testsql.StartMariaDB(dir)
		check(err)
		db, err = sql.Open("mysql", srv.DSN("mysql"))
		check(err)
		_, err = db.Exec("CREATE DATABASE IF NOT EXISTS bench")
		check(err)
		// the suite's server has a 128 MB buffer pool; a 2,000,000-row table (~400 MB) would be
		// read from disk by both tools: give it the memory a production server would
		_, err = db.Exec("SET GLOBAL innodb_buffer_pool_size = 2147483648")
		check(err)
		db.Close()
		db, err = sql.Open("mysql", srv.DSN("bench"))
		check(err)
		refName = "mariadb"
		refCmd = []string{"mariadb", "--no-defaults", "-h", srv.Host, "-P", fmt.Sprint(srv.Port), "-u", "root", "bench",
			"-e", "DELETE FROM sessions WHERE updated_at < now(6) - interval 30 day"}
		store = srv.URL("bench") + "?table=sessions&value_column=data&updated_column=updated_at"
	default:
		check(fmt.Errorf("-db %q: want postgres or mariadb", *kind))
	}
	cleanup = srv.Stop
	defer srv.Stop()
	defer db.Close()
	type result struct {
		Tool    string  `json:"tool"`
		Run     int     `json:"run"`
		Seconds float64 `json:"seconds"`
		Removed int     `json:"removed"`
	}
	var ours, ref []float64
	for r := 0; r < *runs; r++ {
		order := []string{"sessionctl", refName}
		if r%2 == 1 {
			order = []string{refName, "sessionctl"}
		}
		for _, tool := range order {
			load(db, *kind, *rows, *old)
			var cmd *exec.Cmd
			if tool == refName {
				cmd = exec.Command(refCmd[0], refCmd[1:]...)
			} else {
				cmd = exec.Command(*bin, "storage", "purge", "--store", store, "--older-than", "30d", "--yes")
			}
			cmd.Stderr = os.Stderr
			start := time.Now()
			out, err := cmd.Output()
			secs := time.Since(start).Seconds()
			if err != nil {
				check(fmt.Errorf("%s: %v\n%s", tool, err, out))
			}
			var left int
			check(db.QueryRow("SELECT count(*) FROM sessions").Scan(&left))
			if left != *rows-*old {
				check(fmt.Errorf("%s left %d rows, want %d", tool, left, *rows-*old))
			}
			res := result{Tool: tool, Run: r, Seconds: secs, Removed: *rows - left}
			b, _ := json.Marshal(res)
			fmt.Println(string(b))
			if tool == refName {
				ref = append(ref, secs)
			} else {
				ours = append(ours, secs)
			}
		}
	}
	mo, mr := median(ours), median(ref)
	b, _ := json.Marshal(map[string]any{"summary": map[string]any{"rows": *rows, "purged": *old, "runs": *runs,
		"db": *kind, "sessionctl_median_s": mo, refName + "_median_s": mr, "ratio": mo / mr, "target": 1.5, "met": mo/mr <= 1.5}})
	fmt.Println(string(b))
}

// load makes the table anew: rows sessions, every other one (up to old) 40 days old.
func load(db *sql.DB, kind string, rows, old int) {
	ctx := context.Background()
	qs := []string{
		"DROP TABLE IF EXISTS sessions",
		// an Exposed table: varchar id as the primary key, the text, a timestamp
		"CREATE TABLE sessions (id varchar(128) PRIMARY KEY, data text NOT NULL, updated_at timestamptz NOT NULL)",
		fmt.Sprintf(`INSERT INTO sessions (id, data, updated_at)
			SELECT md5(g::text) || md5((g::bigint * 7919)::text),
			       'userId=%%23su-' || g || '&cart=%%23l%%5B%%23si-1%%2C%%23si-2%%5D&admin=%%23bof',
			       CASE WHEN g %% 2 = 0 AND g / 2 <= %d THEN now() - interval '40 days' ELSE now() - interval '1 hour' END
			FROM generate_series(1, %d) g`, old, rows),
		"VACUUM ANALYZE sessions",
		"CHECKPOINT",
	}
	count := "SELECT count(*) FROM sessions WHERE updated_at < now() - interval '30 days'"
	if kind == "mariadb" {
		// Exposed's datetime() on MySQL/MariaDB: DATETIME(6); seq_1_to_N is MariaDB's Sequence engine
		qs = []string{
			"DROP TABLE IF EXISTS sessions",
			"CREATE TABLE sessions (id varchar(128) PRIMARY KEY, data text NOT NULL, updated_at datetime(6) NOT NULL) ENGINE=InnoDB",
			fmt.Sprintf(`INSERT INTO sessions (id, data, updated_at)
				SELECT concat(md5(seq), md5(seq * 7919)),
				       concat('userId=%%23su-', seq, '&cart=%%23l%%5B%%23si-1%%2C%%23si-2%%5D&admin=%%23bof'),
				       IF(seq %% 2 = 0 AND seq DIV 2 <= %d, now(6) - interval 40 day, now(6) - interval 1 hour)
				FROM seq_1_to_%d`, old, rows),
			"ANALYZE TABLE sessions",
		}
		count = "SELECT count(*) FROM sessions WHERE updated_at < now(6) - interval 30 day"
	}
	for _, q := range qs {
		if _, err := db.ExecContext(ctx, q); err != nil {
			check(fmt.Errorf("%s: %v", q, err))
		}
	}
	var n int
	check(db.QueryRow(count).Scan(&n))
	if n != old {
		check(fmt.Errorf("loaded %d old rows, want %d (old must be at most rows/2)", n, old))
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// cleanup stops the server when a check fails (os.Exit skips the deferred Stop).
var cleanup = func() {}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlpurge:", err)
		cleanup()
		os.Exit(1)
	}
}
