package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// Exit codes, as soracom_exporter's: 1 when serving failed, 2 for bad usage.
const (
	exitFailure = 1
	exitUsage   = 2
)

// info is printed as one JSON line on standard output, so that scripts and
// tests can read where the fake listens and how to log in to it.
type info struct {
	Endpoints  map[string]string `json:"endpoints"`
	AuthKeyID  string            `json:"authKeyId"`
	AuthKey    string            `json:"authKey"`
	OperatorID string            `json:"operatorId"`
	SIMs       map[string]int    `json:"sims"`
}

// run is main without the process: tests call it with their own arguments
// and output. It serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := kingpin.New("soracom_fake", "Run the fake SORACOM API used by soracom_exporter's tests, benchmarks and demo: one operator, "+
		"a generated fleet on the Japan and Global hosts, spec-shaped answers, pagination, rate limits, the real API's error codes, "+
		"and a control API under /_fake/ (fault injection, clock, SIMs online/offline, permissions, exports).\n"+
		"Prints one JSON line with the endpoints and credentials, then serves until interrupted.")
	a.HelpFlag.Short('h')
	a.Version(version.Print("soracom_fake"))
	a.UsageWriter(stdout)
	a.ErrorWriter(stderr)
	helped := false
	a.Terminate(func(int) { helped = true })
	var (
		sims       = a.Flag("sims", "Number of SIMs, split between the coverages.").Default("1000").Int()
		seed       = a.Flag("seed", "Seed of the generated fleet and of everything random.").Default("1").Int64()
		host       = a.Flag("listen-host", "Loopback address to listen on (one free port per coverage).").Default("127.0.0.1").String()
		coverages  = a.Flag("coverage", "Coverage to serve (jp, g). Repeatable; default both.").Strings()
		speed      = a.Flag("clock.speed", "How fast the fleet's clock runs compared with real time (0 stops it; move it with POST /_fake/advance).").Default("1").Float64()
		rateLimit  = a.Flag("rate-limit", "Requests per minute allowed per API path (see --rate-limit.path).").Default("600").Int()
		pathLimits = a.Flag("rate-limit.path", "Requests per minute allowed on one API path, as /sims=20 (a path template, as in /_fake/counters); other paths get --rate-limit. Repeatable.").Strings()
		groups     = a.Flag("rate-limit.group", "Paths that share one rate-limit bucket, as NAME=/path,/path (limit: --rate-limit). Repeatable.").Strings()
		quirks     = a.Flag("quirks", "Reproduce the real API's deviations from its definition (lower-case radioType).").Bool()
		bucket     = a.Flag("traffic.bucket", "How often SIM data usage is recorded on the fake clock (SORACOM: about 5m; tests use a second or two).").Default("5m").Duration()
		deny       = a.Flag("deny", "operationId the credentials lack permission for: answered 403 (as a SAM user without it). Repeatable; PUT /_fake/permissions changes it.").Strings()
		processing = a.Flag("export.processing", "How long an asynchronous export stays \"processing\" (0: one check; PUT /_fake/exports changes it).").Default("0s").Duration()
	)
	eventHandler := addEventHandlerFlags(a)
	_, err := a.Parse(args)
	switch {
	case helped:
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "soracom_fake: %v (see --help)\n", err)
		return exitUsage
	}
	opts := soracomfake.Options{Seed: *seed, SIMs: *sims, Coverages: *coverages, DefaultRateLimit: *rateLimit,
		Start: time.Now(), Quirks: *quirks, TrafficBucket: *bucket, ExportProcessing: *processing}
	if err := checkFlags(&opts, *speed, *groups, *deny); err != nil {
		fmt.Fprintf(stderr, "soracom_fake: %v\n", err)
		return exitUsage
	}
	if err := pathRateLimits(&opts, *pathLimits); err != nil {
		fmt.Fprintf(stderr, "soracom_fake: %v\n", err)
		return exitUsage
	}
	fake := soracomfake.New(opts)
	endpoints, err := fake.Serve(ctx, *host)
	if err != nil {
		fmt.Fprintln(stderr, "soracom_fake:", err)
		return exitFailure
	}
	out := info{Endpoints: endpoints, OperatorID: fake.OperatorID(), SIMs: map[string]int{}}
	cr := fake.Credentials()
	out.AuthKeyID, out.AuthKey = cr.AuthKeyID, cr.AuthKey
	for _, c := range fake.Coverages() {
		out.SIMs[c] = fake.SimCount(c)
	}
	line, _ := json.Marshal(out)
	fmt.Fprintf(stdout, "%s\n", line)
	for _, c := range fake.Coverages() {
		fmt.Fprintf(stderr, "fake SORACOM API, coverage %s: %s (SORACOM_ENDPOINT form, no /v1), %d SIMs\n", c, endpoints[c], out.SIMs[c])
	}
	fmt.Fprintf(stderr, "credentials: SORACOM_AUTH_KEY_ID=%s SORACOM_AUTH_KEY=%s (fake, generated from the seed)\n", cr.AuthKeyID, cr.AuthKey)
	go fake.RunDemoClock(ctx, time.Second, *speed)
	if err := eventHandler.start(ctx, fake); err != nil {
		fmt.Fprintln(stderr, "soracom_fake:", err)
		return exitUsage
	}
	<-ctx.Done()
	return 0
}

// checkFlags refuses values the fake cannot serve, with a message naming
// the flag, and fills in the rate-limit groups.
func checkFlags(o *soracomfake.Options, speed float64, groups, deny []string) error {
	for _, c := range o.Coverages {
		if c != soracomfake.CoverageJapan && c != soracomfake.CoverageGlobal {
			return fmt.Errorf("--coverage=%s: use jp or g", c)
		}
	}
	if o.SIMs < 0 || o.DefaultRateLimit < 1 || speed < 0 || o.ExportProcessing < 0 {
		return fmt.Errorf("--sims, --rate-limit, --clock.speed and --export.processing must not be negative (--rate-limit at least 1)")
	}
	known := map[string]bool{}
	for _, id := range soracomfake.OperationIDs() {
		known[id] = true
	}
	for _, id := range deny {
		if !known[id] || id == "auth" {
			return fmt.Errorf("--deny=%s: not an operation the fake serves; use one of %s", id, strings.Join(soracomfake.OperationIDs()[1:], ", "))
		}
	}
	o.DeniedOperations = deny
	seen := map[string]string{}
	for _, g := range groups {
		name, paths, ok := strings.Cut(g, "=")
		if !ok || name == "" || paths == "" {
			return fmt.Errorf("--rate-limit.group=%s: write NAME=/path,/path", g)
		}
		if o.RateLimitGroups == nil {
			o.RateLimitGroups = map[string][]string{}
		}
		for _, p := range strings.Split(paths, ",") {
			p = strings.TrimPrefix(strings.TrimSpace(p), "/v1")
			if other, dup := seen[p]; dup {
				return fmt.Errorf("--rate-limit.group: %s is in groups %s and %s", p, other, name)
			}
			seen[p] = name
			o.RateLimitGroups[name] = append(o.RateLimitGroups[name], p)
		}
	}
	return nil
}

// pathRateLimits reads --rate-limit.path values (/sims=20) into the
// per-path limits. A path of a --rate-limit.group counts against the
// group's bucket, whose limit is --rate-limit: a limit of its own would
// never apply, so it is refused.
func pathRateLimits(o *soracomfake.Options, values []string) error {
	grouped := map[string]string{}
	for name, paths := range o.RateLimitGroups {
		for _, p := range paths {
			grouped[p] = name
		}
	}
	for _, v := range values {
		path, n, ok := strings.Cut(v, "=")
		path = strings.TrimPrefix(strings.TrimSpace(path), "/v1")
		limit, err := strconv.Atoi(n)
		if !ok || err != nil || limit < 1 {
			return fmt.Errorf("--rate-limit.path=%s: write /path=N, N requests per minute (at least 1), for example /sims=20", v)
		}
		if !slices.Contains(soracomfake.PathTemplates(), path) {
			return fmt.Errorf("--rate-limit.path=%s: %s is not a path the fake serves; use one of %s", v, path, strings.Join(soracomfake.PathTemplates(), ", "))
		}
		if g, ok := grouped[path]; ok {
			return fmt.Errorf("--rate-limit.path=%s: %s is in --rate-limit.group %s, which has one limit for all its paths (--rate-limit)", v, path, g)
		}
		if _, dup := o.RateLimitPerMinute[path]; dup {
			return fmt.Errorf("--rate-limit.path: %s given twice", path)
		}
		if o.RateLimitPerMinute == nil {
			o.RateLimitPerMinute = map[string]int{}
		}
		o.RateLimitPerMinute[path] = limit
	}
	return nil
}
