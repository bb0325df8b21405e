//go:build unix

package sessions_test

import "syscall"

// processCPU is the CPU time the process has used (user + system, every
// thread: the garbage collector's included), in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
