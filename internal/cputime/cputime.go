// Package cputime reads the CPU time the process has used, for benchmarks:
// on a shared machine, unlike wall time, other work hardly changes it, and
// it counts every goroutine's share (parallel compression, for one).
package cputime

import "time"

// Used is the CPU time (user and system) the process has used so far, or 0
// where the platform does not say.
func Used() time.Duration { return used() }
