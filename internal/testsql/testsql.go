// Package testsql starts private database servers for tests: a PostgreSQL 15 cluster (initdb in a
// temporary directory, as the user nobody when the tests run as root, since postgres refuses root)
// and a MariaDB server (mariadb-install-db + mariadbd), each on a free loopback port. One server
// of each kind is shared by the whole test binary (start-up costs about a second); tests keep
// apart by their own table names or databases. A package that uses them stops them at the end
// with Main (or StopAll from its own TestMain); the servers are also killed when the test binary
// dies (Pdeathsig), so a timed-out test run leaves nothing behind.
//
// Without the binaries a test is skipped with a message, unless SESSIONCTL_REQUIRE_SERVERS=1
// (set by .ci/run, as SESSIONCTL_REQUIRE_REDIS=1 is for Redis), where it fails.
package testsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// TB is the part of testing.TB that the servers need.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skip(args ...any)
}

// ErrNoBinary: the server is not installed.
var ErrNoBinary = errors.New("not installed")

// Server is a running database server.
type Server struct {
	Kind string // "postgres" | "mariadb"
	Host string // 127.0.0.1
	Port int
	Dir  string // its data and log files
	cmd  *exec.Cmd
	log  string
	mu   sync.Mutex
}

// PGBin is where Debian's PostgreSQL puts its programs: postgresql-15's (what .ci/run installs on
// Debian 12), else the newest other major version installed.
var PGBin = findPGBin("/usr/lib/postgresql")

// findPGBin returns base/15/bin when it has initdb, else the bin directory with initdb of the
// highest major version under base, else base/15/bin (whose absence the tests then report).
func findPGBin(base string) string {
	want := filepath.Join(base, "15", "bin")
	if _, err := os.Stat(filepath.Join(want, "initdb")); err == nil {
		return want
	}
	best, bestMajor := want, -1
	dirs, _ := os.ReadDir(base)
	for _, d := range dirs {
		major, err := strconv.Atoi(d.Name())
		if err != nil || major <= bestMajor {
			continue
		}
		if _, err := os.Stat(filepath.Join(base, d.Name(), "bin", "initdb")); err == nil {
			best, bestMajor = filepath.Join(base, d.Name(), "bin"), major
		}
	}
	return best
}

// RequireServers reports whether a missing server fails the tests instead of skipping them.
func RequireServers() bool {
	return os.Getenv("SESSIONCTL_REQUIRE_SERVERS") == "1"
}

var (
	mu     sync.Mutex
	shared = map[string]*Server{}
	failed = map[string]error{}
)

// Postgres returns the test binary's PostgreSQL server, starting it on first use; t is skipped
// when PostgreSQL is not installed (and fails under SESSIONCTL_REQUIRE_SERVERS=1).
func Postgres(t TB) *Server {
	t.Helper()
	return get(t, "postgres", StartPostgres)
}

// MariaDB returns the test binary's MariaDB server, starting it on first use.
func MariaDB(t TB) *Server {
	t.Helper()
	return get(t, "mariadb", StartMariaDB)
}

func get(t TB, kind string, start func(dir string) (*Server, error)) *Server {
	t.Helper()
	mu.Lock()
	s, err := shared[kind], failed[kind]
	if s == nil && err == nil {
		dir, derr := os.MkdirTemp("", "sessionctl-"+kind+"-")
		if derr != nil {
			err = derr
		} else if s, err = start(dir); err != nil {
			os.RemoveAll(dir)
		}
		if err != nil {
			failed[kind] = err
		} else {
			shared[kind] = s
		}
	}
	mu.Unlock()
	if errors.Is(err, ErrNoBinary) {
		if RequireServers() {
			t.Fatalf("%s: %v and SESSIONCTL_REQUIRE_SERVERS=1", kind, err)
		}
		t.Skip("skipping the ", kind, " tests: ", err)
	}
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return s
}

// StopAll stops the shared servers and removes their files.
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	for k, s := range shared {
		s.Stop()
		delete(shared, k)
	}

}

// M is the part of *testing.M that Main needs.
type M interface{ Run() int }

// Main runs the tests of m and stops the shared servers; use as
// func TestMain(m *testing.M) { os.Exit(testsql.Main(m)) }.
func Main(m M) int {
	defer StopAll()
	return m.Run()
}

// Wrap returns m whose Run also stops the servers, for a TestMain that hands m to another
// runner (testscript.Main).
func Wrap(m M) M { return wrapped{m} }

type wrapped struct{ m M }

func (w wrapped) Run() int { return Main(w.m) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// asUser returns the credential to run a server that refuses root (nil when not root) and
// makes dir theirs.
func asUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root and there is no user nobody to run the server as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func command(cred *syscall.Credential, log *os.File, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	return cmd
}

// StartPostgres runs initdb in dir/data and starts postgres on a free loopback port (TCP only),
// tuned for tests: no fsync, but every commit is written before it is acknowledged
// (synchronous_commit stays on), so a killed server keeps what it said it did. The caller
// stops it.
func StartPostgres(dir string) (*Server, error) {
	initdb := filepath.Join(PGBin, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		return nil, fmt.Errorf("%w: %s (apt-get install -y postgresql)", ErrNoBinary, initdb)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	cred, err := asUser(dir)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "server.log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if cred != nil {
		os.Chown(logPath, int(cred.Uid), int(cred.Gid))
	}
	data := filepath.Join(dir, "data")
	cmd := command(cred, log, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Dir = dir
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("initdb: %v\n%s", err, b)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd = command(cred, log, filepath.Join(PGBin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200",
		"-c", "shared_buffers=128MB", "-c", "timezone=UTC")
	cmd.Dir = dir
	s := &Server{Kind: "postgres", Host: "127.0.0.1", Port: port, Dir: dir, cmd: cmd, log: logPath}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.wait("pgx", s.adminDSN()); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// StartMariaDB runs mariadb-install-db in dir/data and starts mariadbd on a free loopback
// port, tuned for tests. The caller stops it.
func StartMariaDB(dir string) (*Server, error) {
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		return nil, fmt.Errorf("%w: mariadb-install-db (apt-get install -y mariadb-server)", ErrNoBinary)
	}
	server, err := exec.LookPath("mariadbd")
	if err != nil {
		if server, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			return nil, fmt.Errorf("%w: mariadbd (apt-get install -y mariadb-server)", ErrNoBinary)
		}
	}
	logPath := filepath.Join(dir, "server.log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	data := filepath.Join(dir, "data")
	who := "root"
	if os.Geteuid() != 0 {
		u, _ := user.Current()
		who = u.Username
	}
	// mariadbd runs as root when told --user=root (it does not refuse it as postgres does)
	cmd := command(nil, log, install, "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--user="+who)
	cmd.Dir = dir
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, b)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd = command(nil, log, server, "--no-defaults", "--datadir="+data, "--port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--socket="+filepath.Join(dir, "mysqld.sock"), "--user="+who,
		"--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=128M",
		"--innodb-doublewrite=0", "--skip-log-bin", "--max-connections=200", "--pid-file="+filepath.Join(dir, "mysqld.pid"),
		"--log-error="+filepath.Join(dir, "error.log"), "--default-time-zone=+00:00")
	cmd.Dir = dir
	s := &Server{Kind: "mariadb", Host: "127.0.0.1", Port: port, Dir: dir, cmd: cmd, log: filepath.Join(dir, "error.log")}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.wait("mysql", s.adminDSN()); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// adminDSN is the driver's DSN of the superuser on the default database.
func (s *Server) adminDSN() string {
	if s.Kind == "postgres" {
		return fmt.Sprintf("postgres://postgres@%s:%d/postgres?sslmode=disable", s.Host, s.Port)
	}
	return fmt.Sprintf("root@tcp(%s:%d)/mysql", s.Host, s.Port)
}

func (s *Server) wait(driver, dsn string) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		db, err := sql.Open(driver, dsn)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		if s.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(s.log)
	return fmt.Errorf("%s on %s:%d did not start: %v\n%s", s.Kind, s.Host, s.Port, last, tail(b))
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// CreateDatabase creates a fresh database (postgres: a database; mariadb: a schema) named
// after the test and returns its name.
func (s *Server) CreateDatabase(t TB, name string) string {
	t.Helper()
	name = sanitize(name)
	db := s.Admin(t)
	defer db.Close()
	var stmts []string
	if s.Kind == "postgres" {
		stmts = []string{`DROP DATABASE IF EXISTS "` + name + `"`, `CREATE DATABASE "` + name + `"`}
	} else {
		stmts = []string{"DROP DATABASE IF EXISTS `" + name + "`", "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %s: %v", s.Kind, q, err)
		}
	}
	return name
}

func sanitize(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[len(s)-60:]
	}
	return "t_" + s
}

// Admin opens the superuser's connection to the default database.
func (s *Server) Admin(t TB) *sql.DB {
	t.Helper()
	return s.Open(t, "")
}

// Open opens a connection pool on database db ("" = the default) as the superuser.
func (s *Server) Open(t TB, db string) *sql.DB {
	t.Helper()
	driver := "pgx"
	if s.Kind == "mariadb" {
		driver = "mysql"
	}
	d, err := sql.Open(driver, s.DSN(db))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return d
}

// DSN is the driver's DSN (pgx: a URL; go-sql-driver: user@tcp(host:port)/db) for database db.
func (s *Server) DSN(db string) string {
	if s.Kind == "postgres" {
		if db == "" {
			db = "postgres"
		}
		return fmt.Sprintf("postgres://postgres@%s:%d/%s?sslmode=disable", s.Host, s.Port, db)
	}
	if db == "" {
		db = "mysql"
	}
	return fmt.Sprintf("root@tcp(%s:%d)/%s", s.Host, s.Port, db)
}

// URL is the sessionctl store URL of database db, without the table parameters
// (postgres://…?sslmode=disable, mysql://root@127.0.0.1:PORT/db).
func (s *Server) URL(db string) string {
	if s.Kind == "postgres" {
		return s.DSN(db)
	}
	return fmt.Sprintf("mysql://root@%s:%d/%s", s.Host, s.Port, db)
}

// signal sends sig to the server and every process under it (postgres's backends each
// call setsid, so a process group does not hold them).
func (s *Server) signal(sig syscall.Signal) {
	pids := []int{s.cmd.Process.Pid}
	for i := 0; i < len(pids); i++ {
		pids = append(pids, children(pids[i])...)
	}
	for _, p := range pids {
		syscall.Kill(p, sig)
	}
}

// children lists the processes whose parent is pid (from /proc).
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			if pp, _ := strconv.Atoi(f[1]); pp == pid {
				out = append(out, n)
			}
		}
	}
	return out
}

// Pause stops the server's processes (SIGSTOP) until Resume; a statement sent meanwhile hangs.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

// Kill kills the server and its processes at once (a crash); Restart starts it again.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		pids := []int{s.cmd.Process.Pid}
		for i := 0; i < len(pids); i++ {
			pids = append(pids, children(pids[i])...)
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
			syscall.Kill(p, syscall.SIGCONT)
		}
		s.cmd.Wait()
		// the backends are not our children: wait until they are gone (or zombies), else a
		// restarted postmaster finds their shared memory still attached and refuses to start
		deadline := time.Now().Add(10 * time.Second)
		for _, p := range pids[1:] {
			for time.Now().Before(deadline) {
				b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
				if err != nil {
					break
				}
				f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
				if len(f) > 0 && f[0] == "Z" {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
}

// Restart starts a killed server again on its files and port (its crash recovery runs), so a
// test can count what a crash left.
func (s *Server) Restart() error {
	s.Kill()
	cmd := exec.Command(s.cmd.Path, s.cmd.Args[1:]...)
	cmd.SysProcAttr, cmd.Stdout, cmd.Stderr, cmd.Env, cmd.Dir = s.cmd.SysProcAttr, s.cmd.Stdout, s.cmd.Stderr, s.cmd.Env, s.cmd.Dir
	if f, ok := cmd.Stdout.(*os.File); ok {
		// the log file was closed when start returned: open it again
		nf, err := os.OpenFile(f.Name(), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		defer nf.Close()
		cmd.Stdout, cmd.Stderr = nf, nf
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	driver := "pgx"
	if s.Kind == "mariadb" {
		driver = "mysql"
	}
	return s.wait(driver, s.adminDSN())
}

// Stop kills the server and removes its files.
func (s *Server) Stop() {
	s.Kill()
	os.RemoveAll(s.Dir)
}

// Start starts a private server of kind ("postgres" | "mariadb") for one test (one that kills
// it, say), stopped when the test ends; a missing binary skips or fails as for the shared ones.
func Start(t interface {
	TB
	Cleanup(func())
}, kind string) *Server {
	t.Helper()
	start := StartPostgres
	if kind == "mariadb" {
		start = StartMariaDB
	}
	dir, err := os.MkdirTemp("", "sessionctl-"+kind+"-")
	if err != nil {
		t.Fatalf("%v", err)
	}
	s, err := start(dir)
	if err != nil {
		os.RemoveAll(dir)
		if errors.Is(err, ErrNoBinary) {
			if RequireServers() {
				t.Fatalf("%s: %v and SESSIONCTL_REQUIRE_SERVERS=1", kind, err)
			}
			t.Skip("skipping the ", kind, " tests: ", err)
		}
		t.Fatalf("%s: %v", kind, err)
	}
	t.Cleanup(s.Stop)
	return s
}
