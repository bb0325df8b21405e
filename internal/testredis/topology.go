package testredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a running Redis Cluster of three masters (no replicas) on loopback ports.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts a 3-master cluster for t (redis-server --cluster-enabled yes, then
// redis-cli --cluster create … --cluster-yes), killed when the test ends; skipped without
// redis-server as Start is.
func StartCluster(t TB) *Cluster {
	t.Helper()
	return startFor(t, "Redis Cluster", StartClusterIn)
}

// StartClusterIn starts the cluster with its files under dir; the caller kills it.
func StartClusterIn(dir string) (*Cluster, error) { return startCluster(dir, 0) }

// StartClusterReplicas starts a cluster of three masters with one replica each (six nodes) for
// t, for Failover; killed when the test ends, skipped as StartCluster.
func StartClusterReplicas(t TB) *Cluster {
	t.Helper()
	return startFor(t, "Redis Cluster", func(dir string) (*Cluster, error) { return startCluster(dir, 1) })
}

func startCluster(dir string, replicas int) (*Cluster, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, fmt.Errorf("%w (redis-cli, from redis-tools)", ErrNoBinary)
	}
	c := &Cluster{}
	for i := range 3 * (1 + replicas) {
		d := filepath.Join(dir, fmt.Sprintf("node%d", i))
		s, err := StartIn(d, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(d, "nodes.conf"),
			"--cluster-node-timeout", "2000")
		if err != nil {
			c.Kill()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-yes", "--cluster-replicas", strconv.Itoa(replicas))
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		c.Kill()
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		for {
			cl := n.Client()
			info, err := cl.ClusterInfo(ctx).Result()
			cl.Close()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Kill()
				return nil, fmt.Errorf("cluster on %s not ok: %v %s", n.Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// Addrs are the nodes' addresses.
func (c *Cluster) Addrs() []string {
	var a []string
	for _, n := range c.Nodes {
		a = append(a, n.Addr)
	}
	return a
}

// URL is the store URL of the cluster: redis+cluster://first?addr=second&addr=third&prefix=….
func (c *Cluster) URL(prefix string) string {
	a := c.Addrs()
	return "redis+cluster://" + a[0] + "?addr=" + a[1] + "&addr=" + a[2] + "&prefix=" + prefix
}

// Failover makes one replica take over its master with CLUSTER FAILOVER (the coordinated manual
// failover: the master stops taking writes until the replica has caught up) and waits until the
// replica is a master and every node says cluster_state:ok; it returns the old and the new
// master's addresses.
func (c *Cluster) Failover() (oldMaster, newMaster string, err error) {
	ctx := context.Background()
	var replica *Server
	// a replica links up with its master a moment after the cluster is created
	waitFor(20*time.Second, func() (bool, error) { replica = c.syncedReplica(ctx, &oldMaster); return replica != nil, nil })
	if replica == nil {
		return "", "", errors.New("no replica in sync: start the cluster with StartClusterReplicas")
	}
	return c.failoverTo(ctx, replica, oldMaster)
}

func (c *Cluster) syncedReplica(ctx context.Context, oldMaster *string) *Server {
	var replica *Server
	for _, n := range c.Nodes {
		cl := n.Client()
		info, err := cl.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
			for _, line := range strings.Split(info, "\n") {
				if h, ok := strings.CutPrefix(strings.TrimSpace(line), "master_host:"); ok {
					*oldMaster = h
				}
				if p, ok := strings.CutPrefix(strings.TrimSpace(line), "master_port:"); ok {
					*oldMaster = net.JoinHostPort(*oldMaster, p)
				}
			}
			replica = n
		}
		cl.Close()
		if replica != nil {
			break
		}
	}
	return replica
}

func (c *Cluster) failoverTo(ctx context.Context, replica *Server, oldMaster string) (string, string, error) {
	rc := replica.Client()
	defer rc.Close()
	if err := rc.ClusterFailover(ctx).Err(); err != nil {
		return "", "", fmt.Errorf("CLUSTER FAILOVER on %s: %v", replica.Addr, err)
	}
	err := waitFor(30*time.Second, func() (bool, error) {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "role:master") {
			return false, err
		}
		for _, n := range c.Nodes {
			cl := n.Client()
			ci, err := cl.ClusterInfo(ctx).Result()
			cl.Close()
			if err != nil || !strings.Contains(ci, "cluster_state:ok") {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return "", "", fmt.Errorf("failover to %s did not complete: %v", replica.Addr, err)
	}
	return oldMaster, replica.Addr, nil
}

// Client is a cluster client.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
}

// Kill stops every node.
func (c *Cluster) Kill() {
	for _, n := range c.Nodes {
		n.Kill()
	}
}

// Sentinel is a master, its replica and one sentinel monitoring them as MasterName.
type Sentinel struct {
	Master, Replica *Server
	Sentinel        *Server
	MasterName      string
}

// StartSentinel starts the master, the replica and the sentinel for t, killed when the test ends.
func StartSentinel(t TB) *Sentinel {
	t.Helper()
	return startFor(t, "Redis Sentinel", StartSentinelIn)
}

// StartSentinelIn starts them with their files under dir; the caller kills them.
func StartSentinelIn(dir string) (*Sentinel, error) {
	st := &Sentinel{MasterName: "sessions"}
	var err error
	if st.Master, err = StartIn(filepath.Join(dir, "master")); err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(st.Master.Addr)
	if st.Replica, err = StartIn(filepath.Join(dir, "replica"), "--replicaof", host, port); err != nil {
		st.Kill()
		return nil, err
	}
	ctx := context.Background()
	if err := waitFor(20*time.Second, func() (bool, error) {
		c := st.Replica.Client()
		defer c.Close()
		info, err := c.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up"), err
	}); err != nil {
		st.Kill()
		return nil, fmt.Errorf("replica of %s not in sync: %v", st.Master.Addr, err)
	}
	sdir := filepath.Join(dir, "sentinel")
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		st.Kill()
		return nil, err
	}
	conf := filepath.Join(sdir, "sentinel.conf")
	text := fmt.Sprintf("sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\nsentinel resolve-hostnames no\n",
		st.MasterName, host, port, st.MasterName, st.MasterName)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		st.Kill()
		return nil, err
	}
	// a sentinel is redis-server with its config file first and --sentinel
	if st.Sentinel, err = startArgs(sdir, []string{conf, "--sentinel"}); err != nil {
		st.Kill()
		return nil, err
	}
	if err := waitFor(20*time.Second, func() (bool, error) {
		c := redis.NewSentinelClient(&redis.Options{Addr: st.Sentinel.Addr})
		defer c.Close()
		a, err := c.GetMasterAddrByName(ctx, st.MasterName).Result()
		return err == nil && len(a) == 2 && net.JoinHostPort(a[0], a[1]) == st.Master.Addr, err
	}); err != nil {
		st.Kill()
		return nil, fmt.Errorf("sentinel does not see the master: %v", err)
	}
	return st, nil
}

// URL is the store URL: redis+sentinel://sentinel/0?master_name=…&prefix=….
func (s *Sentinel) URL(prefix string) string {
	return "redis+sentinel://" + s.Sentinel.Addr + "/0?master_name=" + s.MasterName + "&prefix=" + prefix
}

// Client is a failover client of the monitored master.
func (s *Sentinel) Client() *redis.Client {
	return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.MasterName, SentinelAddrs: []string{s.Sentinel.Addr}})
}

// Failover makes the sentinel promote the replica (SENTINEL FAILOVER) and waits until the
// sentinel names it as the master and it takes writes; it returns the new master.
func (s *Sentinel) Failover() (*Server, error) {
	ctx := context.Background()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinel.Addr})
	defer c.Close()
	// the sentinel learns of the replica from the master's INFO (every 10 s at first): until it
	// has, FAILOVER answers NOGOODSLAVE; ask again until it takes the order
	if err := waitFor(40*time.Second, func() (bool, error) {
		err := c.Failover(ctx, s.MasterName).Err()
		return err == nil, err
	}); err != nil {
		return nil, fmt.Errorf("SENTINEL FAILOVER: %v", err)
	}
	err := waitFor(30*time.Second, func() (bool, error) {
		a, err := c.GetMasterAddrByName(ctx, s.MasterName).Result()
		if err != nil || len(a) != 2 || net.JoinHostPort(a[0], a[1]) != s.Replica.Addr {
			return false, err
		}
		r := s.Replica.Client()
		defer r.Close()
		info, err := r.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "role:master") {
			return false, err
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("failover did not complete: %v", err)
	}
	// the old master takes writes until the sentinel gets round to reconfiguring it (seconds):
	// do now what it would do, and wait until it replicates the new master
	o := s.Master.Client()
	defer o.Close()
	h, p, _ := net.SplitHostPort(s.Replica.Addr)
	if err := o.SlaveOf(ctx, h, p).Err(); err != nil {
		return nil, fmt.Errorf("REPLICAOF on the old master: %v", err)
	}
	err = waitFor(30*time.Second, func() (bool, error) {
		info, err := o.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up"), err
	})
	if err != nil {
		return nil, fmt.Errorf("failover did not complete: %v", err)
	}
	s.Master, s.Replica = s.Replica, s.Master
	return s.Master, nil
}

// Kill stops the three servers.
func (s *Sentinel) Kill() {
	for _, x := range []*Server{s.Sentinel, s.Replica, s.Master} {
		if x != nil {
			x.Kill()
		}
	}
}

func waitFor(d time.Duration, ok func() (bool, error)) error {
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		done, err := ok()
		if done {
			return nil
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	if last == nil {
		last = errors.New("timed out")
	}
	return last
}

// startArgs starts redis-server with args first (a config file, --sentinel) and the usual
// loopback port options after.
func startArgs(dir string, first []string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoBinary
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := append(append([]string(nil), first...), "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd}
	if err := waitFor(10*time.Second, func() (bool, error) {
		c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		defer c.Close()
		err := c.Ping(context.Background()).Err()
		return err == nil, err
	}); err != nil {
		s.Kill()
		return nil, fmt.Errorf("redis-server %v on %s did not start: %v", first, s.Addr, err)
	}
	return s, nil
}
