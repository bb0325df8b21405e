// Package testredis starts a private redis-server on a free loopback port for tests, and stops it
// when the test ends. Without the binary a test is skipped, unless SESSIONCTL_REQUIRE_REDIS=1 (CI),
// where it fails.
package testredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	args []string // of redis-server, for Restart
}

// TB is the part of testing.TB that Start needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skip(args ...any)
	TempDir() string
	Cleanup(func())
}

// ErrNoBinary: redis-server is not installed.
var ErrNoBinary = errors.New("redis-server is not installed (apt-get install -y redis-server)")

// Start starts a server for t (skipping t when there is no redis-server and CI does not require it);
// extra are more redis-server arguments.
func Start(t TB, extra ...string) *Server {
	t.Helper()
	return startFor(t, "Redis", func(dir string) (*Server, error) { return StartIn(dir, extra...) })
}

// startFor starts what start starts under t's temporary directory and kills it when t ends;
// without redis-server t is skipped ("skipping the <what> tests"), or fails under
// SESSIONCTL_REQUIRE_REDIS=1.
func startFor[T interface{ Kill() }](t TB, what string, start func(dir string) (T, error)) T {
	t.Helper()
	s, err := start(t.TempDir())
	if errors.Is(err, ErrNoBinary) {
		if os.Getenv("SESSIONCTL_REQUIRE_REDIS") == "1" {
			t.Fatalf("%v and SESSIONCTL_REQUIRE_REDIS=1", err)
		}
		t.Skip("skipping the "+what+" tests: ", err)
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Kill)
	return s
}

// StartIn starts a server whose files go to dir, with the extra arguments; the caller kills it.
func StartIn(dir string, extra ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoBinary
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	port, err := freePort(slices.Contains(extra, "--cluster-enabled"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, extra...)
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), args: args}
	if err := s.start(bin); err != nil {
		return nil, err
	}
	return s, nil
}

// freePort is a free loopback port; for a cluster node one of at most 55535 whose port + 10000
// (the node's cluster bus) is free too: redis-server refuses a higher one, and the kernel hands
// out ports up to 60999.
func freePort(cluster bool) (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !cluster {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		if b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000)); err == nil {
			b.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free loopback port with a free cluster bus port")
}

func (s *Server) start(bin string) error {
	s.cmd = exec.Command(bin, s.args...)
	if err := s.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		err := c.Ping(context.Background()).Err()
		c.Close()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server on %s did not start: %v", s.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server (idempotent).
func (s *Server) Kill() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// Restart starts a killed server again: the same port, directory and arguments (with
// --appendonly yes it reloads what it had written).
func (s *Server) Restart() error {
	s.Kill()
	return s.start(s.cmd.Path)
}

// Signal sends sig to the server process (syscall.SIGSTOP pauses it, SIGCONT resumes it).
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Client is a client of the server.
func (s *Server) Client() *redis.Client { return redis.NewClient(&redis.Options{Addr: s.Addr}) }
