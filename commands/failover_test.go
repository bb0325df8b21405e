package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionctl/sessionctl/internal/testredis"
)

// TestPurgeSentinelFailover: `storage purge` of 20,000 of 40,000 sessions through a Sentinel URL
// while the sentinel fails the master over (testredis Failover). The purge ends with exit 0 or
// with exit 3 and an error naming the store; afterwards, on the new master, every session it
// printed as removed (--ids) is gone, none that was not matched is, and the summary's counts
// hold: removed <= gone <= removed + unknown. Without the WAIT after each batch (a removal the
// old master confirmed but its replica never got comes back) thousands were reported removed
// and were there.
func TestPurgeSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("a failover takes seconds")
	}
	redis.SetLogger(quietLogger{})
	st := testredis.StartSentinel(t)
	ctx := context.Background()
	mc := st.Master.Client()
	defer mc.Close()
	const n = 20000
	p := mc.Pipeline()
	for i := range n {
		p.Set(ctx, fmt.Sprintf("sess:a%063x", i), "userId=%23su-1", 0)
		p.Set(ctx, fmt.Sprintf("sess:b%063x", i), "userId=%23su-2", 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mc.Wait(ctx, 1, 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	cmd, out, errb := startBin(t, nil, "storage", "purge", "--store", st.URL("sess:"), "--id-prefix", "a", "--yes", "--ids", "--rate", "4000/s")
	for mc.DBSize(ctx).Val() > 2*n-2000 {
		time.Sleep(time.Millisecond)
	}
	if _, err := st.Failover(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	nm := redis.NewClient(&redis.Options{Addr: st.Master.Addr})
	defer nm.Close()
	if err := nm.Wait(ctx, 1, 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	code := cmd.ProcessState.ExitCode()
	printed := strings.Fields(out.String())
	back := 0
	for _, id := range printed {
		if nm.Exists(ctx, "sess:"+id).Val() == 1 {
			back++
		}
	}
	gone, kept := 0, 0
	for i := range n {
		if nm.Exists(ctx, fmt.Sprintf("sess:a%063x", i)).Val() == 0 {
			gone++
		}
		if nm.Exists(ctx, fmt.Sprintf("sess:b%063x", i)).Val() == 1 {
			kept++
		}
	}
	// the summary: the last stderr line ("purged N" or "purge stopped after removing N …; U in a
	// batch whose outcome is unknown")
	msg := strings.TrimSpace(errb.String())
	var removed, unknown int
	fmt.Sscanf(msg[strings.Index(msg, "removing ")+len("removing "):], "%d", &removed)
	if i := strings.Index(msg, " in a batch whose outcome is unknown"); i > 0 {
		j := strings.LastIndex(msg[:i], "; ")
		fmt.Sscanf(msg[j+2:i], "%d", &unknown)
	}
	if code == 0 {
		fmt.Sscanf(msg[strings.Index(msg, "purged ")+len("purged "):], "%d", &removed)
	}
	t.Logf("exit %d: %s; %d printed (%d back), %d gone, %d others there", code, msg, len(printed), back, gone, kept)
	if code != 0 && (code != ExitIO || !strings.Contains(msg, "redis")) {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if back > 0 || kept != n || removed != len(printed) || removed > gone || gone > removed+unknown {
		t.Fatalf("%d printed removed are back, %d of %d others there; removed %d, unknown %d, gone %d", back, kept, n, removed, unknown, gone)
	}
}
