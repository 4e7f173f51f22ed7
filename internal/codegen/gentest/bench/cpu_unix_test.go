//go:build unix

package bench

import "syscall"

// cpuTime is the process's user and system CPU time in nanoseconds. On a
// machine shared with other work, CPU time per operation is steadier than
// wall time (the benchmarks allocate nothing, so it is the loop's time).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
