//go:build unix

package transform_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time: on a machine shared with other work it measures
// what a benchmark costs better than the wall clock, which counts the time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
