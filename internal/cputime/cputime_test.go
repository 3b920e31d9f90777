package cputime

import (
	"runtime"
	"testing"
)

// TestUsedGrowsWithWork: spinning for a while shows as CPU time.
func TestUsedGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("CPU time is not read on this platform")
	}
	before := Used()
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	if after := Used(); after <= before {
		t.Fatalf("CPU time %v after work, %v before (x=%d)", after, before, x)
	}
}
