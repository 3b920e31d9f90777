package soracomfake

import (
	"fmt"
	"strings"
	"time"
)

// Coverage names: Japan and Global are separate API hosts of one operator.
const (
	CoverageJapan  = "jp"
	CoverageGlobal = "g"
)

// DefaultStart is the fake clock's start when Options.Start is zero. It is a
// fixed instant so that the same seed always yields the same fleet JSON;
// demo runs usually pass time.Now() instead.
var DefaultStart = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

// Options configures a Fake. The zero value is usable: an empty fleet on
// both coverages with generated credentials.
type Options struct {
	// Seed makes everything random deterministic: fleet, credentials,
	// session changes, uneven pages, the 5xx fault rate.
	Seed int64
	// SIMs is the total number of SIMs, split evenly between the coverages
	// (the first coverage gets the odd one).
	SIMs int
	// Coverages served, out of "jp" and "g". Default: both.
	Coverages []string
	// OperatorID owns every SIM. Default: OP0012345678.
	OperatorID string

	// Accepted credentials. Empty ones are generated from the seed.
	AuthKeyID string
	AuthKey   string
	// Email and Password of the root account.
	Email    string
	Password string
	// SAMUserName and SAMPassword of a SAM user of OperatorID.
	SAMUserName string
	SAMPassword string

	// TokenTTL, when positive, overrides the token lifetime that the
	// request's tokenTimeoutSeconds (default 86400, at least 180) would
	// give. Token lifetimes run on WallClock, not the fake clock.
	TokenTTL time.Duration

	// WallClock tells the time of the things that run on real time at
	// SORACOM whatever the fleet does: token lifetimes, rate-limit windows
	// and how long an export stays processing. Default: time.Now; tests
	// share an injected clock with the client instead of sleeping.
	WallClock func() time.Time

	// DeniedOperations are operationIds ("getSubscriber", "exportAirStats")
	// that the credentials lack permission for: a valid token gets 403 on
	// them, as a SAM user whose policy does not allow the call does.
	// DenyOperations changes them at run time.
	DeniedOperations []string

	// ExportProcessing is how long an asynchronous export stays
	// "processing" on WallClock before getExportedFile answers "exported".
	// Zero keeps the quick behaviour: one "processing" answer, then
	// "exported". SetExports changes it at run time.
	ExportProcessing time.Duration

	// RateLimitPerMinute is the number of requests allowed per window,
	// keyed by path template without /v1 ("/sims", "/sims/{sim_id}",
	// "/auth", ...). Paths not listed get DefaultRateLimit.
	RateLimitPerMinute map[string]int
	// DefaultRateLimit applies to paths not in RateLimitPerMinute.
	// Default: 600.
	DefaultRateLimit int
	// RateLimitWindow is the length of a rate-limit window on WallClock.
	// Default: 1 minute.
	RateLimitWindow time.Duration
	// RateLimitGroups puts several path templates into one bucket, as
	// SORACOM's changelog describes limits per "API group": the key names
	// the group (its limit is RateLimitPerMinute[name], else
	// DefaultRateLimit), the value lists its templates. A template belongs
	// to at most one group.
	RateLimitGroups map[string][]string

	// Start is the fake clock's initial time. Default: DefaultStart.
	Start time.Time

	// SessionEventsPerSIM bounds the session log kept per SIM (oldest
	// events are dropped first). Default: 32.
	SessionEventsPerSIM int

	// Quirks makes the fake reproduce observed deviations of the real API
	// from its own definition: some cells report radioType "lte" in lower
	// case, which the spec's enum does not allow. Off by default so that
	// spec-validated tests stay strict.
	Quirks bool

	// OpaqueSubscriberKeys keys each profile's subscribers map by position
	// ("0", "1", ...) instead of by IMSI. The definition does not say what
	// the key is (additionalProperties), so a client must read each
	// entry's own imsi field; this makes one that reads the key fail.
	OpaqueSubscriberKeys bool

	// TrafficBucket is how often SIM data usage is recorded, on the fake
	// clock. Default: DefaultTrafficBucket (5m, as SORACOM); tests that run
	// the fake clock with the real one use a second or two.
	TrafficBucket time.Duration
}

const (
	defaultOperatorID   = "OP0012345678"
	defaultRateLimit    = 600
	defaultWindow       = time.Minute
	defaultEventsPerSIM = 32
)

// withDefaults returns a copy of o with every default filled in. Invalid
// options are programming errors and panic.
func (o Options) withDefaults() Options {
	if o.SIMs < 0 {
		panic(fmt.Sprintf("soracomfake: negative SIM count %d", o.SIMs))
	}
	if len(o.Coverages) == 0 {
		o.Coverages = []string{CoverageJapan, CoverageGlobal}
	}
	seen := map[string]bool{}
	for _, c := range o.Coverages {
		if c != CoverageJapan && c != CoverageGlobal {
			panic(fmt.Sprintf("soracomfake: unknown coverage %q (want jp or g)", c))
		}
		if seen[c] {
			panic(fmt.Sprintf("soracomfake: coverage %q listed twice", c))
		}
		seen[c] = true
	}
	o.Coverages = append([]string(nil), o.Coverages...)
	if o.OperatorID == "" {
		o.OperatorID = defaultOperatorID
	}
	r := newRNG(uint64(o.Seed), hashString("credentials"))
	if o.AuthKeyID == "" {
		o.AuthKeyID = "keyId-" + alnum(&r, 32)
	}
	if o.AuthKey == "" {
		o.AuthKey = "secret-" + alnum(&r, 64)
	}
	if o.Email == "" {
		o.Email = "root-" + strings.ToLower(alnum(&r, 8)) + "@example.com"
	}
	if o.Password == "" {
		o.Password = alnum(&r, 24)
	}
	if o.SAMUserName == "" {
		o.SAMUserName = "exporter-" + strings.ToLower(alnum(&r, 6))
	}
	if o.SAMPassword == "" {
		o.SAMPassword = alnum(&r, 24)
	}
	limits := make(map[string]int, len(o.RateLimitPerMinute))
	for k, v := range o.RateLimitPerMinute {
		limits[normalizeTemplate(k)] = v
	}
	o.RateLimitPerMinute = limits
	if o.DefaultRateLimit <= 0 {
		o.DefaultRateLimit = defaultRateLimit
	}
	groups := make(map[string][]string, len(o.RateLimitGroups))
	member := map[string]string{}
	for name, templates := range o.RateLimitGroups {
		for _, t := range templates {
			t = normalizeTemplate(t)
			if other, ok := member[t]; ok {
				panic(fmt.Sprintf("soracomfake: template %s is in rate-limit groups %s and %s", t, other, name))
			}
			member[t] = name
			groups[name] = append(groups[name], t)
		}
	}
	o.RateLimitGroups = groups
	if o.WallClock == nil {
		o.WallClock = time.Now
	}
	if o.ExportProcessing < 0 {
		panic(fmt.Sprintf("soracomfake: negative ExportProcessing %v", o.ExportProcessing))
	}
	if o.RateLimitWindow <= 0 {
		o.RateLimitWindow = defaultWindow
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	if o.SessionEventsPerSIM <= 0 {
		o.SessionEventsPerSIM = defaultEventsPerSIM
	}
	if o.TrafficBucket < time.Millisecond {
		o.TrafficBucket = DefaultTrafficBucket
	}
	return o
}

// alnum returns n characters of [A-Za-z0-9] from r.
func alnum(r *rng, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.intn(len(chars))]
	}
	return string(b)
}

// normalizeTemplate accepts a path template with or without the /v1 prefix.
func normalizeTemplate(t string) string {
	return strings.TrimPrefix(t, "/v1")
}

// Credentials are the credentials a Fake accepts on POST /v1/auth, on every
// coverage.
type Credentials struct {
	AuthKeyID string
	AuthKey   string
	// Root account.
	Email    string
	Password string
	// SAM user: OperatorID, UserName and UserPassword.
	OperatorID   string
	UserName     string
	UserPassword string
}
