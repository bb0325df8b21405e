package commands

import (
	"database/sql"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sessionctl/sessionctl/internal/testsql"
)

// scriptTB adapts a testscript to the part of testing.TB that testsql needs.
type scriptTB struct{ ts *testscript.TestScript }

func (s scriptTB) Helper()                   {}
func (s scriptTB) Fatalf(f string, a ...any) { s.ts.Fatalf(f, a...) }
func (s scriptTB) Skip(a ...any) {
	s.ts.Fatalf("%s (guard the script with [postgres] or [mariadb])", fmt.Sprint(a...))
}

// sqlCmds: sql-db KIND VAR creates a fresh database on the suite's server of KIND (postgres,
// mariadb; sqlite: a file in $WORK) and sets VAR to its store URL, ending in a query so that
// mapping parameters follow with &; sql-exec VAR SQL runs a statement; sql-fill VAR TABLE N fills
// TABLE(id, data, updated_at ms) with N Ktor 2 text sessions (every 3rd 40 days old, the others
// an hour, every 10th admin=true); sql-count VAR TABLE N checks the row count.
func sqlCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	var dbs sync.Map // URL var value -> *sql.DB
	var seq struct {
		sync.Mutex
		n int
	}
	db := func(ts *testscript.TestScript, name string) *sql.DB {
		d, ok := dbs.Load(ts.Getenv(name))
		if !ok {
			ts.Fatalf("no database %s: sql-db first", name)
		}
		return d.(*sql.DB)
	}
	ph := func(ts *testscript.TestScript, name, q string) string {
		if !strings.HasPrefix(ts.Getenv(name), "postgres") {
			return q
		}
		n := 0
		var b strings.Builder
		for _, c := range q {
			if c == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sql-db": func(ts *testscript.TestScript, neg bool, args []string) {
			kind, name := args[0], args[1]
			var url string
			var d *sql.DB
			switch kind {
			case "sqlite":
				path := ts.MkAbs("sessions.db")
				var err error
				d, err = sql.Open("sqlite", path)
				ts.Check(err)
				url = "sqlite:" + path + "?_pragma=busy_timeout(10000)"
			default:
				var s *testsql.Server
				if kind == "postgres" {
					s = testsql.Postgres(scriptTB{ts})
				} else {
					s = testsql.MariaDB(scriptTB{ts})
				}
				seq.Lock()
				seq.n++
				n := seq.n
				seq.Unlock()
				dbName := s.CreateDatabase(scriptTB{ts}, fmt.Sprintf("script_%d_%d", os.Getpid(), n))
				d = s.Open(scriptTB{ts}, dbName)
				url = s.URL(dbName)
				if kind == "postgres" {
					url += "&application_name=sessionctl"
				} else {
					url += "?charset=utf8mb4"
				}
			}
			dbs.Store(url, d)
			ts.Defer(func() { d.Close() })
			ts.Setenv(name, url)
		},
		"sql-exec": func(ts *testscript.TestScript, neg bool, args []string) {
			_, err := db(ts, args[0]).Exec(strings.Join(args[1:], " "))
			if (err != nil) != neg {
				ts.Fatalf("sql-exec: %v", err)
			}
		},
		"sql-fill": func(ts *testscript.TestScript, neg bool, args []string) {
			d := db(ts, args[0])
			n, err := strconv.Atoi(args[2])
			ts.Check(err)
			now := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // SESSIONCTL_TEST_NOW
			tx, err := d.Begin()
			ts.Check(err)
			q := ph(ts, args[0], "INSERT INTO "+args[1]+" (id, data, updated_at) VALUES (?, ?, ?)")
			for i := range n {
				age := time.Hour
				if i%3 == 0 {
					age = 40 * 24 * time.Hour
				}
				v := fmt.Sprintf("userId=%%23su-%d&admin=%%23bo%s", i, map[bool]string{true: "t", false: "f"}[i%10 == 0])
				_, err := tx.Exec(q, fmt.Sprintf("%064x", i), v, now.Add(-age).UnixMilli())
				ts.Check(err)
			}
			ts.Check(tx.Commit())
		},
		"nul-file": func(ts *testscript.TestScript, neg bool, args []string) {
			// nul-file FILE ID...: the ids, in Go's quoted syntax, each followed by a NUL byte
			var b strings.Builder
			for _, a := range args[1:] {
				id, err := strconv.Unquote(a)
				ts.Check(err)
				b.WriteString(id + "\x00")
			}
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
		},
		"sql-count": func(ts *testscript.TestScript, neg bool, args []string) {
			var n int
			ts.Check(db(ts, args[0]).QueryRow("SELECT COUNT(*) FROM " + args[1]).Scan(&n))
			if strconv.Itoa(n) != args[2] {
				ts.Fatalf("%d rows in %s, want %s", n, args[1], args[2])
			}
		},
	}
}

// scriptCmds: every command the scripts have.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	m := redisCmds()
	maps.Copy(m, sqlCmds())
	maps.Copy(m, topologyCmds())
	maps.Copy(m, layoutCmds())
	return m
}

// scriptCondition: [postgres] and [mariadb] hold when the server is installed or CI requires
// the servers (SESSIONCTL_REQUIRE_SERVERS=1, where a missing one then fails); the others are
// redisCondition's.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "postgres", "mariadb":
		if testsql.RequireServers() {
			return true, nil
		}
		bin := filepath.Join(testsql.PGBin, "initdb")
		if cond == "mariadb" {
			p, err := exec.LookPath("mariadb-install-db")
			if err != nil {
				return false, nil
			}
			bin = p
		}
		_, err := os.Stat(bin)
		return err == nil, nil
	}
	return redisCondition(cond)
}
