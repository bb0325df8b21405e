package commands

import (
	"os"
	"runtime"
	"sync"
)

// dirProcs raises GOMAXPROCS to twice its default, once per process, for the
// commands that walk a directory storage (unless the GOMAXPROCS environment
// variable chose it). A walk is hundreds of thousands of short system calls
// (openat, getdents64, close: 3 per directory, 85 % of its CPU time in the
// kernel), and a thread in a system call keeps its P: when the kernel
// deschedules it for another process, that P's goroutines wait, and on a
// 2-core host with one other busy process the walk used 1.5 of its 2 CPUs.
// With a P per thread the kernel may run, the other goroutines go on. Listing
// the 8,000-session tree of checks/perf-storage-list with one CPU-bound
// process beside it took 0.62 s at GOMAXPROCS=2 and 0.51 s at 4 (medians of
// 5, alternating; 0.52 and 0.52 on a quiet host): BENCHMARKS.md, "directory
// walks and GOMAXPROCS".
var dirProcs = sync.OnceFunc(func() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	if p := runtime.GOMAXPROCS(0); p < 128 {
		runtime.GOMAXPROCS(2 * p)
	}
})
