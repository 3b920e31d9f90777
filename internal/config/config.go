package config

import (
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Config is the whole configuration file.
type Config struct {
	Accounts []Account `yaml:"accounts"`
	Sources  Sources   `yaml:"sources"`
	SIMs     SIMs      `yaml:"sims"`
	// Webhook is the Event Handler endpoint (see webhook.go).
	Webhook Webhook `yaml:"webhook,omitempty"`

	// file and pos let Validate name the file and the line of a problem;
	// both are empty for a Config built in code.
	file string
	pos  *positions
}

// Account is one SORACOM operator and how to log in to it.
type Account struct {
	// Name identifies the account in logs and on the landing page.
	Name string `yaml:"name"`
	// Coverages to poll. Parse sets [jp] when the file gives none, except
	// for a profile account, which takes the profile's coverage type when
	// its credentials are resolved. It is always a list: "coverages: jp"
	// is refused rather than read as [jp], so that every list in the file
	// is written one way and a typo cannot turn a list into a string.
	Coverages []soracom.Coverage `yaml:"coverages,omitempty"`
	// Sandbox selects the API sandbox hosts.
	Sandbox bool `yaml:"sandbox"`
	// Endpoints overrides the API base URL (without /v1) per coverage.
	Endpoints   map[soracom.Coverage]string `yaml:"endpoints,omitempty"`
	Credentials CredentialSource            `yaml:"credentials"`

	// path is the account's key path ("accounts[1]"), for messages.
	path string
}

// SIMs selects the SIMs to export and what to export about them.
type SIMs struct {
	Filters Filters `yaml:"filters"`
	// TagLabels are SIM tags copied onto soracom_sim_info as tag_<name>.
	TagLabels []string `yaml:"tag_labels,omitempty"`
	// Metrics is "per-sim" (default) or "aggregate"; MaxSeries caps the
	// per-SIM series of one account and coverage (0: no cap). See
	// intelligence.go for these and the session event and cell settings.
	Metrics       string        `yaml:"metrics,omitempty"`
	MaxSeries     int           `yaml:"max_series,omitempty"`
	SessionEvents SessionEvents `yaml:"session_events,omitempty"`
	CellLocations CellLocations `yaml:"cell_locations,omitempty"`
}

// Filters keep a SIM only when it matches every filter that is set.
type Filters struct {
	Status   []string `yaml:"status,omitempty"`
	GroupIDs []string `yaml:"group_ids,omitempty"`
	// Tags maps a tag name to the exact value the SIM's tag must have.
	Tags   map[string]string `yaml:"tags,omitempty"`
	SIMIDs []string          `yaml:"sim_ids,omitempty"`
}

// Default returns the configuration an empty file would give, without the
// accounts, which have no default.
func Default() *Config {
	c := defaultsToDecodeOver()
	c.applyDefaults()
	return c
}

// defaultsToDecodeOver holds the defaults that do not depend on other
// settings. The file is decoded over them; applyDefaults then derives the
// rest (a timeout from the interval the file gives, not from the default).
func defaultsToDecodeOver() *Config {
	c := &Config{}
	for _, s := range c.Sources.all() {
		s.config.Enabled = !s.defaults.optIn
		s.config.Interval = Duration(s.defaults.interval)
	}
	return c
}

// applyDefaults fills in what depends on other settings, once the file has
// been decoded over Default's values.
func (c *Config) applyDefaults() {
	for _, s := range c.Sources.all() {
		s.applyDefaults()
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		a.path = "accounts" + index(i)
		if len(a.Coverages) == 0 && a.Credentials.Profile == "" {
			a.Coverages = []soracom.Coverage{soracom.CoverageJapan}
		}
	}
}
