package config

import "time"

// SourceConfig is the schedule every source shares. A source with settings
// of its own embeds it inline next to them.
type SourceConfig struct {
	Enabled bool `yaml:"enabled"`
	// Interval is the time between the starts of two polls.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one poll; it is at most Interval so that polls of one
	// source never overlap.
	Timeout Duration `yaml:"timeout"`
	// MaxAge is how long a poll's data is served after it was taken; older
	// data is withdrawn rather than shown as if current.
	MaxAge Duration `yaml:"max_age"`
}

// Sources holds the settings of each source.
type Sources struct {
	// Sessions lists every SIM (GET /v1/sims) for session status and
	// inventory.
	Sessions SourceConfig `yaml:"sessions"`
	// Air reads every SIM's data usage of the current month.
	Air AirSource `yaml:"air"`
	// Billing reads the current and the previous month's bills.
	Billing BillingSource `yaml:"billing"`
}

// AirSource is the data usage source: off by default, since it needs the
// Stats permissions (exportAirStats, getAirStatsOfSim) and Files
// (getExportedFile) besides Sim:listSims.
type AirSource struct {
	SourceConfig `yaml:",inline"`
	// Mode is "export" (one operator-wide file per poll, default) or
	// "per_sim" (one call per SIM, for small fleets).
	Mode string `yaml:"mode"`
	// PerSIMMaxCalls caps the per-SIM calls of one poll in per_sim mode.
	PerSIMMaxCalls int `yaml:"per_sim_max_calls"`
	// SIMListRefresh is how often the SIMs are listed to name IMSIs by SIM ID.
	SIMListRefresh Duration `yaml:"sim_list_refresh"`
}

// BillingSource is the billing source: off by default, since it needs the
// Billing permissions.
type BillingSource struct {
	SourceConfig `yaml:",inline"`
	// PerSIMExport reads every SIM's cost from the detailed billing CSV
	// instead of the top-100 summary.
	PerSIMExport bool `yaml:"per_sim_export"`
	// SIMListRefresh: as for air, used with per_sim_export.
	SIMListRefresh Duration `yaml:"sim_list_refresh"`
}

// Air source modes.
const (
	AirModeExport = "export"
	AirModePerSIM = "per_sim"
)

// sourceDefaults are one source's defaults and limits.
type sourceDefaults struct {
	interval time.Duration
	// minInterval refuses polling so often that it would only spend the
	// per-minute API rate limit that the other sources share.
	minInterval time.Duration
	// timeoutCap: the default timeout is the smaller of the interval and this.
	timeoutCap time.Duration
	// maxAgeIntervals: the default max_age is this many intervals, so that
	// one or two failed polls do not make the data disappear.
	maxAgeIntervals int
	// optIn sources are disabled unless the file enables them.
	optIn bool
}

var sessionsDefaults = sourceDefaults{
	interval:        60 * time.Second,
	minInterval:     10 * time.Second,
	timeoutCap:      60 * time.Second,
	maxAgeIntervals: 3,
}

// Usage is recorded about every 5 minutes; bills are recomputed a few times
// a day.
var airDefaults = sourceDefaults{
	interval: 5 * time.Minute,
	// An export cycle costs three calls, so polling as often as the
	// sessions source does is harmless, if rarely useful.
	minInterval:     10 * time.Second,
	timeoutCap:      4 * time.Minute,
	maxAgeIntervals: 3,
	optIn:           true,
}

var billingDefaults = sourceDefaults{
	interval:        time.Hour,
	minInterval:     5 * time.Minute,
	timeoutCap:      5 * time.Minute,
	maxAgeIntervals: 3,
	optIn:           true,
}

// namedSource ties a source's settings to its key and defaults.
type namedSource struct {
	key      string
	config   *SourceConfig
	defaults sourceDefaults
	// fill and extra default and validate the source's own keys, if it
	// has any.
	fill  func()
	extra func(path string, ps *problems)
}

// all lists every source. Adding a source means a field in Sources, its
// defaults, and one line here.
func (s *Sources) all() []namedSource {
	return []namedSource{
		{key: "sessions", config: &s.Sessions, defaults: sessionsDefaults},
		{key: "air", config: &s.Air.SourceConfig, defaults: airDefaults, fill: s.Air.fill, extra: s.Air.validate},
		{key: "billing", config: &s.Billing.SourceConfig, defaults: billingDefaults, fill: s.Billing.fill, extra: s.Billing.validate},
	}
}

func (s namedSource) applyDefaults() {
	c := s.config
	if s.fill != nil {
		s.fill()
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(min(time.Duration(c.Interval), s.defaults.timeoutCap))
	}
	if c.MaxAge == 0 {
		c.MaxAge = c.Interval * Duration(s.defaults.maxAgeIntervals)
	}
}

func (s namedSource) validate(ps *problems) {
	path := "sources." + s.key
	c := s.config
	for _, d := range []struct {
		key   string
		value Duration
	}{{"interval", c.Interval}, {"timeout", c.Timeout}, {"max_age", c.MaxAge}} {
		if d.value <= 0 {
			ps.add(path+"."+d.key, "must be a positive duration such as 60s")
		}
	}
	if c.Interval > 0 && time.Duration(c.Interval) < s.defaults.minInterval {
		ps.add(path+".interval", "%s is below the minimum of %s: polling more often only spends the API rate limit",
			c.Interval, Duration(s.defaults.minInterval))
	}
	if c.Timeout > c.Interval && c.Interval > 0 {
		ps.add(path+".timeout", "%s is longer than the interval (%s): a poll must end before the next one starts; lower timeout or raise interval",
			c.Timeout, c.Interval)
	}
	if s.extra != nil {
		s.extra(path, ps)
	}
	if c.MaxAge > 0 && c.MaxAge < c.Interval {
		ps.add(path+".max_age", "%s is shorter than the interval (%s), so the data would vanish between polls; use at least the interval (default: %d × interval)",
			c.MaxAge, c.Interval, s.defaults.maxAgeIntervals)
	}
}

func (a *AirSource) fill() {
	if a.Mode == "" {
		a.Mode = AirModeExport
	}
	if a.PerSIMMaxCalls == 0 {
		a.PerSIMMaxCalls = 100
	}
	if a.SIMListRefresh == 0 {
		a.SIMListRefresh = Duration(time.Hour)
	}
}

func (b *BillingSource) fill() {
	if b.SIMListRefresh == 0 {
		b.SIMListRefresh = Duration(time.Hour)
	}
}

func (a *AirSource) validate(path string, ps *problems) {
	switch a.Mode {
	case AirModeExport, AirModePerSIM:
	default:
		ps.add(path+".mode", "unknown mode %q: use %q (one file for the whole fleet) or %q (one call per SIM, small fleets)",
			a.Mode, AirModeExport, AirModePerSIM)
	}
	if a.PerSIMMaxCalls < 1 || a.PerSIMMaxCalls > 1000 {
		ps.add(path+".per_sim_max_calls", "%d is out of range: use 1 to 1000 (default 100)", a.PerSIMMaxCalls)
	}
	if a.SIMListRefresh <= 0 {
		ps.add(path+".sim_list_refresh", "must be a positive duration such as 1h")
	}
}

func (b *BillingSource) validate(path string, ps *problems) {
	if b.SIMListRefresh <= 0 {
		ps.add(path+".sim_list_refresh", "must be a positive duration such as 1h")
	}
}
