package config

import (
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Config is the whole configuration file.
type Config struct {
	Accounts []Account `yaml:"accounts" flag:"-"`
	Sources  Sources   `yaml:"sources"`
	SIMs     SIMs      `yaml:"sims"`
	// Webhook is the Event Handler endpoint (see webhook.go).
	Webhook Webhook `yaml:"webhook,omitempty"`
	// API is the share of the SORACOM API the exporter may use (api.go).
	API API `yaml:"api"`

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
	TagLabels []string `yaml:"tag_labels,omitempty" flag:"sims.tag-label" help:"SIM tag to copy onto soracom_sim_info as label tag_<name>. Repeatable."`
	// Metrics is "per-sim" (default) or "aggregate"; MaxSeries caps the
	// per-SIM series of one account and coverage (0: no cap). See
	// intelligence.go for these and the session event and cell settings.
	Metrics       string        `yaml:"metrics,omitempty" flag:"sim.metrics" help:"per-sim: series per SIM and for the fleet; aggregate: fleet-level series only, for very large fleets."`
	MaxSeries     int           `yaml:"max_series,omitempty" help:"Most per-SIM series one account and coverage may export; beyond, only the fleet-level series are kept and a warning is logged. 0: no cap."`
	SessionEvents SessionEvents `yaml:"session_events,omitempty"`
	CellLocations CellLocations `yaml:"cell_locations,omitempty"`
	// SeedMetric also emits the original script's soracom_session_status.
	SeedMetric bool `yaml:"compat_seed_metric,omitempty" flag:"compat.seed-metric" help:"Also emit soracom_session_status{imsi,name} (1 online, 0 offline) as the original script did, while alerts migrate."`
}

// Filters keep a SIM only when it matches every filter that is set.
type Filters struct {
	Status   []string `yaml:"status,omitempty" flag:"sims.filter.status" help:"Export only SIMs with this status (ready, active, inactive, standby, suspended, terminated). Repeatable."`
	GroupIDs []string `yaml:"group_ids,omitempty" flag:"sims.filter.group-id" help:"Export only SIMs of this group (ID). Repeatable."`
	// Tags maps a tag name to the exact value the SIM's tag must have.
	Tags   map[string]string `yaml:"tags,omitempty" flag:"-"`
	SIMIDs []string          `yaml:"sim_ids,omitempty" flag:"sims.filter.sim-id" help:"Export only this SIM (ID). Repeatable."`
}

// Default returns the configuration an empty file would give, without the
// accounts, which have no default.
func Default() *Config {
	c := Template()
	c.applyDefaults()
	return c
}

// Template returns the defaults that do not depend on other settings: what
// a file is decoded over, and what command-line flags are bound to. The
// rest (a timeout from the interval that the file or the flags give, not
// from the default) is derived by Complete.
func Template() *Config {
	c := &Config{}
	for _, s := range c.Sources.all() {
		s.setDefaults()
	}
	c.SIMs.setDefaults()
	c.Webhook.setDefaults()
	c.API.setDefaults()
	return c
}

// applyDefaults fills in what depends on other settings, once the file has
// been decoded over the Template.
func (c *Config) applyDefaults() {
	for _, s := range c.Sources.all() {
		s.derive()
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		a.path = "accounts" + index(i)
		if len(a.Coverages) == 0 && a.Credentials.Profile == "" {
			a.Coverages = []soracom.Coverage{soracom.CoverageJapan}
		}
	}
}
