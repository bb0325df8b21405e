package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReplicaWait is how long a removal batch waits for its replicas (ConfirmReplicas).
const ReplicaWait = 2 * time.Second

// A master confirms a removal before its replicas have it: if it fails over to a replica that
// has not (Sentinel promotes one, the old master then resyncs from it), the sessions come back.
// With Redis.ConfirmReplicas set, each removal batch ends with WAIT on the same connection: a
// batch that ConfirmReplicas replicas have not acknowledged within ReplicaWait has its
// removals reported as Unknown (they may come back), and the removal stops with an error.

// queueWait adds WAIT to a removal pipeline when ConfirmReplicas is set.
func (r *Redis) queueWait(ctx context.Context, p redis.Pipeliner) *redis.IntCmd {
	if r.ConfirmReplicas <= 0 {
		return nil
	}
	c := redis.NewIntCmd(ctx, "wait", r.ConfirmReplicas, ReplicaWait.Milliseconds())
	p.Process(ctx, noRetryInt{c})
	return c
}

type noRetryInt struct{ *redis.IntCmd }

func (noRetryInt) NoRetry() bool { return true }

// ErrNotReplicated: the replicas did not acknowledge a removal (ConfirmReplicas).
var ErrNotReplicated = fmt.Errorf("removal not acknowledged by the master's replicas within %v: a failover may bring those sessions back (counted unknown)", ReplicaWait)

// checkWait turns the removals of a batch whose WAIT fell short into OutcomeUnknown.
func (r *Redis) checkWait(wait *redis.IntCmd, out []Outcome) error {
	return checkWait(wait, r.ConfirmReplicas, out)
}

func checkWait(wait *redis.IntCmd, want int, out []Outcome) error {
	err := waitShort(wait, want)
	if err != nil {
		for i, o := range out {
			if o == OutcomeRemoved {
				out[i] = OutcomeUnknown
			}
		}
	}
	return err
}

// waitShort is ErrNotReplicated when a batch's WAIT (nil: none was sent) did not see want
// replicas acknowledge it: what the batch removed is then unknown.
func waitShort(wait *redis.IntCmd, want int) error {
	if wait == nil {
		return nil
	}
	n, err := wait.Result()
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrNotReplicated, err)
	case n < int64(want):
		return fmt.Errorf("%w: %d of %d replicas", ErrNotReplicated, n, want)
	}
	return nil
}

// ConnectedReplicas is the number of replicas connected to the master c reaches (INFO
// replication, connected_slaves), for ConfirmReplicas.
func ConnectedReplicas(ctx context.Context, c redis.UniversalClient) (int, error) {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, nil
}
