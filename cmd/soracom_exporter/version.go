package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// init fills in the version for binaries built without the Makefile's
// ldflags (go run, go install), so that build_info and the landing page never
// show an empty version.
func init() {
	if version.Version != "" {
		return
	}
	version.Version = "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version.Version = bi.Main.Version
	}
}
