package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// fakeAPIInfo is printed as one JSON line on standard output, so that scripts
// and tests can read where the fake listens and how to log in to it.
type fakeAPIInfo struct {
	Endpoints  map[string]string `json:"endpoints"`
	AuthKeyID  string            `json:"authKeyId"`
	AuthKey    string            `json:"authKey"`
	OperatorID string            `json:"operatorId"`
	SIMs       map[string]int    `json:"sims"`
}

// runFakeAPI runs the fake SORACOM API on loopback until interrupted.
func runFakeAPI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := kingpin.New("soracom_exporter fake-api", "Run the fake SORACOM API used by the tests and the demo: one operator, a generated fleet on the Japan and Global hosts, "+
		"spec-shaped answers, pagination, rate limits, and a control API under /_fake/ (fault injection, clock, SIMs online/offline).\n"+
		"Prints one JSON line with the endpoints and credentials, then serves until interrupted.")
	a.HelpFlag.Short('h')
	a.UsageWriter(stdout)
	a.ErrorWriter(stderr)
	var (
		sims      = a.Flag("sims", "Number of SIMs, split between the coverages.").Default("1000").Int()
		seed      = a.Flag("seed", "Seed of the generated fleet and of everything random.").Default("1").Int64()
		host      = a.Flag("listen-host", "Loopback address to listen on (one free port per coverage).").Default("127.0.0.1").String()
		coverages = a.Flag("coverage", "Coverage to serve (jp, g). Repeatable; default both.").Strings()
		speed     = a.Flag("clock.speed", "How fast the fleet's clock runs compared with real time (0 stops it; move it with POST /_fake/advance).").Default("1").Float64()
		rateLimit = a.Flag("rate-limit", "Requests per minute allowed per API path.").Default("600").Int()
		quirks    = a.Flag("quirks", "Reproduce the real API's deviations from its definition (lower-case radioType).").Bool()
		bucket    = a.Flag("traffic.bucket", "How often SIM data usage is recorded on the fake clock (SORACOM: about 5m; tests use a second or two).").Default("5m").Duration()
	)
	eventHandler := addEventHandlerFlags(a)
	if err := parseArgs(a, args); errors.Is(err, errHelpShown) {
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "soracom_exporter fake-api: %v (see --help)\n", err)
		return exitUsage
	}
	for _, c := range *coverages {
		if c != soracomfake.CoverageJapan && c != soracomfake.CoverageGlobal {
			fmt.Fprintf(stderr, "soracom_exporter fake-api: --coverage=%s: use jp or g\n", c)
			return exitUsage
		}
	}
	if *sims < 0 || *rateLimit < 1 || *speed < 0 {
		fmt.Fprintln(stderr, "soracom_exporter fake-api: --sims, --rate-limit and --clock.speed must not be negative (--rate-limit at least 1)")
		return exitUsage
	}
	fake := soracomfake.New(soracomfake.Options{Seed: *seed, SIMs: *sims, Coverages: *coverages,
		DefaultRateLimit: *rateLimit, Start: time.Now(), Quirks: *quirks, TrafficBucket: *bucket})
	endpoints, err := fake.Serve(ctx, *host)
	if err != nil {
		fmt.Fprintln(stderr, "soracom_exporter fake-api:", err)
		return exitFailure
	}
	info := fakeAPIInfo{Endpoints: endpoints, OperatorID: fake.OperatorID(), SIMs: map[string]int{}}
	cr := fake.Credentials()
	info.AuthKeyID, info.AuthKey = cr.AuthKeyID, cr.AuthKey
	for _, c := range fake.Coverages() {
		info.SIMs[c] = fake.SimCount(c)
	}
	line, _ := json.Marshal(info)
	fmt.Fprintf(stdout, "%s\n", line)
	for _, c := range fake.Coverages() {
		fmt.Fprintf(stderr, "fake SORACOM API, coverage %s: %s (SORACOM_ENDPOINT form, no /v1), %d SIMs\n", c, endpoints[c], info.SIMs[c])
	}
	fmt.Fprintf(stderr, "credentials: SORACOM_AUTH_KEY_ID=%s SORACOM_AUTH_KEY=%s (fake, generated from the seed)\n", cr.AuthKeyID, cr.AuthKey)
	go fake.RunDemoClock(ctx, time.Second, *speed)
	if err := eventHandler.start(ctx, fake); err != nil {
		fmt.Fprintln(stderr, "soracom_exporter fake-api:", err)
		return exitUsage
	}
	<-ctx.Done()
	return 0
}
