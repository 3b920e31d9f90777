package config

import "time"

// A source's section holds its settings, their defaults (setDefaults, for
// what the file or the command line may override; derived, for what follows
// from other settings) and their checks (validate). The command-line flags
// are generated from the sections (see settings.go): a key needs a help tag,
// and its flag is --source.<source>.<key> unless a flag tag names it.

// SourceConfig is the schedule every source shares. A source with settings
// of its own embeds it inline next to them.
type SourceConfig struct {
	Enabled bool `yaml:"enabled" help:"Poll this source."`
	// Interval is the time between the starts of two polls.
	Interval Duration `yaml:"interval" help:"Time between the starts of two polls."`
	// Timeout bounds one poll; it is at most Interval so that polls of one
	// source never overlap.
	Timeout Duration `yaml:"timeout" help:"Time limit of one poll (default: the interval, capped per source)."`
	// MaxAge is how long a poll's data is served after it was taken; older
	// data is withdrawn rather than shown as if current.
	MaxAge Duration `yaml:"max_age" help:"Age after which the source's data is withdrawn from the output (default: 3 × interval)."`
}

// Schedule returns the schedule; every section embeds it.
func (s SourceConfig) Schedule() SourceConfig { return s }

// Sources holds the settings of each source.
type Sources struct {
	// Sessions lists every SIM (GET /v1/sims) for session status and
	// inventory. What it exports about the SIMs is the sims section.
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
	Mode string `yaml:"mode" help:"export: one usage file for the whole fleet per poll; per_sim: one call per SIM, for small fleets."`
	// PerSIMMaxCalls caps the per-SIM calls of one poll in per_sim mode.
	PerSIMMaxCalls int `yaml:"per_sim_max_calls" help:"In per_sim mode, at most this many per-SIM calls per poll (1 to 1000); a larger fleet is covered over several polls."`
	// SIMListRefresh is how often the SIMs are listed to name IMSIs by SIM ID.
	SIMListRefresh Duration `yaml:"sim_list_refresh" help:"How often the SIMs are listed to name the usage file's IMSIs by SIM ID."`
	// ExportWait is the wait before the first check of a usage export's
	// state; later checks back off.
	ExportWait Duration `yaml:"export_wait" help:"In export mode, wait before the first check of the usage export's state; later checks back off."`
}

// BillingSource is the billing source: off by default, since it needs the
// Billing permissions.
type BillingSource struct {
	SourceConfig `yaml:",inline"`
	// PerSIMExport reads every SIM's cost from the detailed billing CSV
	// instead of the top-100 summary.
	PerSIMExport bool `yaml:"per_sim_export" help:"Read every SIM's cost from the detailed billing CSV instead of the top-100 summary."`
	// SIMListRefresh: as for air, used with per_sim_export.
	SIMListRefresh Duration `yaml:"sim_list_refresh" help:"How often the SIMs are listed to name the billing CSV's SIMs (with per_sim_export)."`
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

// namedSource ties a source's schedule to its key and defaults.
type namedSource struct {
	key      string
	config   *SourceConfig
	defaults sourceDefaults
	// setOwn and extra default and validate the source's own keys, if it
	// has any.
	setOwn func()
	extra  func(path string, ps *problems)
}

// all lists every source. Adding a source means a field in Sources, its
// defaults, and one line here.
func (s *Sources) all() []namedSource {
	return []namedSource{
		{key: "sessions", config: &s.Sessions, defaults: sessionsDefaults},
		{key: "air", config: &s.Air.SourceConfig, defaults: airDefaults, setOwn: s.Air.setDefaults, extra: s.Air.validate},
		{key: "billing", config: &s.Billing.SourceConfig, defaults: billingDefaults, setOwn: s.Billing.setDefaults, extra: s.Billing.validate},
	}
}

// setDefaults sets what the file and the flags override.
func (s namedSource) setDefaults() {
	s.config.Enabled = !s.defaults.optIn
	s.config.Interval = Duration(s.defaults.interval)
	if s.setOwn != nil {
		s.setOwn()
	}
}

// derive fills in what follows from the interval, once it is final.
func (s namedSource) derive() {
	c := s.config
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

func (a *AirSource) setDefaults() {
	a.Mode = AirModeExport
	a.PerSIMMaxCalls = 100
	a.SIMListRefresh = Duration(time.Hour)
	a.ExportWait = Duration(time.Second)
}

func (b *BillingSource) setDefaults() {
	b.SIMListRefresh = Duration(time.Hour)
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
	if a.ExportWait <= 0 || a.ExportWait > a.Timeout {
		ps.add(path+".export_wait", "%s: use a positive duration within the timeout (%s), such as 1s", a.ExportWait, a.Timeout)
	}
}

func (b *BillingSource) validate(path string, ps *problems) {
	if b.SIMListRefresh <= 0 {
		ps.add(path+".sim_list_refresh", "must be a positive duration such as 1h")
	}
}

// SessionsSettings is everything the sessions source is built from.
type SessionsSettings struct {
	SourceConfig
	SIMs SIMs
}

// AirSettings is everything the air source is built from.
type AirSettings struct {
	AirSource
	Filters Filters
}

// BillingSettings is everything the billing source is built from.
type BillingSettings struct {
	BillingSource
}

// SessionsSettings returns the sessions source's section.
func (c *Config) SessionsSettings() SessionsSettings {
	return SessionsSettings{SourceConfig: c.Sources.Sessions, SIMs: c.SIMs}
}

// AirSettings returns the air source's section, with the SIM filters it
// applies.
func (c *Config) AirSettings() AirSettings {
	return AirSettings{AirSource: c.Sources.Air, Filters: c.SIMs.Filters}
}

// BillingSettings returns the billing source's section.
func (c *Config) BillingSettings() BillingSettings {
	return BillingSettings{BillingSource: c.Sources.Billing}
}
