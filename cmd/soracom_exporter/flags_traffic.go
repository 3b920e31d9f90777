package main

import (
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
)

// trafficFlags are the command-line settings of the air (data usage) and
// billing sources; zero values leave the configuration defaults.
type trafficFlags struct {
	airEnabled          bool
	airInterval         time.Duration
	airMode             string
	airPerSIMMaxCalls   int
	billingEnabled      bool
	billingInterval     time.Duration
	billingPerSIMExport bool
}

// trafficFlagNames describe what the configuration file describes, so they
// cannot be combined with --config.file.
var trafficFlagNames = []string{
	"source.air.enabled", "source.air.interval", "source.air.mode", "source.air.per-sim-max-calls",
	"source.billing.enabled", "source.billing.interval", "source.billing.per-sim-export",
}

func addTrafficFlags(a *kingpin.Application, f *trafficFlags, track func(*kingpin.FlagClause, string) *kingpin.FlagClause) {
	track(a.Flag("source.air.enabled", "Export each SIM's data usage of the current UTC month (needs Stats and Files permissions)."), "source.air.enabled").BoolVar(&f.airEnabled)
	track(a.Flag("source.air.interval", "How often to read data usage (default 5m; SORACOM records it about every 5 minutes)."), "source.air.interval").DurationVar(&f.airInterval)
	track(a.Flag("source.air.mode", "export: one usage file for the whole fleet per poll (default); per_sim: one call per SIM, for small fleets."), "source.air.mode").StringVar(&f.airMode)
	track(a.Flag("source.air.per-sim-max-calls", "In per_sim mode, at most this many per-SIM calls per poll (default 100)."), "source.air.per-sim-max-calls").IntVar(&f.airPerSIMMaxCalls)
	track(a.Flag("source.billing.enabled", "Export the current and previous month's bills (needs Billing permissions)."), "source.billing.enabled").BoolVar(&f.billingEnabled)
	track(a.Flag("source.billing.interval", "How often to read the bills (default 1h)."), "source.billing.interval").DurationVar(&f.billingInterval)
	track(a.Flag("source.billing.per-sim-export", "Read every SIM's cost from the detailed billing CSV instead of the top-100 summary."), "source.billing.per-sim-export").BoolVar(&f.billingPerSIMExport)
}

// applyTo puts the flags into a configuration built from the command line.
func (f *trafficFlags) applyTo(cfg *config.Config) {
	a, b := &cfg.Sources.Air, &cfg.Sources.Billing
	// Timeout and max_age follow the interval (Complete derives them).
	a.Timeout, a.MaxAge, b.Timeout, b.MaxAge = 0, 0, 0, 0
	a.Enabled = f.airEnabled
	if f.airInterval != 0 {
		a.Interval = config.Duration(f.airInterval)
	}
	a.Mode = f.airMode
	a.PerSIMMaxCalls = f.airPerSIMMaxCalls
	b.Enabled = f.billingEnabled
	if f.billingInterval != 0 {
		b.Interval = config.Duration(f.billingInterval)
	}
	b.PerSIMExport = f.billingPerSIMExport
}

// applyTraffic maps the validated configuration to the app's settings.
func applyTraffic(s *app.Settings, cfg *config.Config) {
	a, b := cfg.Sources.Air, cfg.Sources.Billing
	s.Air = sourceSettings(a.SourceConfig)
	s.AirOptions = source.AirOptions{Mode: a.Mode, PerSIMMaxCalls: a.PerSIMMaxCalls,
		SIMListRefresh: time.Duration(a.SIMListRefresh), Filter: s.SIMs.Filter}
	s.Billing = sourceSettings(b.SourceConfig)
	s.BillingOptions = source.BillingOptions{PerSIMExport: b.PerSIMExport, SIMListRefresh: time.Duration(b.SIMListRefresh)}
}

func sourceSettings(c config.SourceConfig) app.SourceSettings {
	return app.SourceSettings{Enabled: c.Enabled, Interval: time.Duration(c.Interval),
		Timeout: time.Duration(c.Timeout), MaxAge: time.Duration(c.MaxAge)}
}

// applyTrafficToDemo turns both sources on in the demo, polling often
// enough to watch the counters move.
func (f *trafficFlags) applyTrafficToDemo(s *app.Settings) {
	s.Air = app.SourceSettings{Enabled: true, Interval: cmpDuration(f.airInterval, time.Minute), Timeout: 50 * time.Second, MaxAge: 5 * time.Minute}
	s.AirOptions = source.AirOptions{Mode: f.airMode, PerSIMMaxCalls: f.airPerSIMMaxCalls}
	s.Billing = app.SourceSettings{Enabled: true, Interval: cmpDuration(f.billingInterval, 5*time.Minute), Timeout: time.Minute, MaxAge: 15 * time.Minute}
	s.BillingOptions = source.BillingOptions{PerSIMExport: f.billingPerSIMExport}
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
