// Command soracom_exporter exports the session status, inventory and usage
// of SORACOM IoT SIMs to Prometheus, over HTTP and as a node_exporter
// textfile. It polls the SORACOM API in the background; scrapes never call
// the API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	if err := runExporter(ctx, args, stdout, stderr, lookupEnv); err != nil {
		fmt.Fprintln(stderr, "soracom_exporter:", err)
		return exitCode(err)
	}
	return 0
}
