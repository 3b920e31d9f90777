// Command soracom_fake runs the fake SORACOM API that soracom_exporter's
// tests, benchmarks and demo use, as a process of its own: one operator, a
// generated fleet on the Japan and Global hosts, answers held to the
// official API definition and to what the real API is known to do, and a
// control API under /_fake/ to move the clock, inject faults, deny
// permissions and slow exports down. It is not the exporter and never talks
// to SORACOM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
