package config

import (
	"fmt"
	"os"
	"strings"
)

// Metrics modes of sims.metrics.
const (
	MetricsPerSIM    = "per-sim"
	MetricsAggregate = "aggregate"
)

// SessionEvents configures the session event reads of the SIMs whose
// session changed between two polls.
type SessionEvents struct {
	// Disabled turns the reads off.
	Disabled bool `yaml:"disabled,omitempty"`
	// Budget is the number of calls one poll may make (default 200); the
	// SIMs left wait for the next poll.
	Budget int `yaml:"budget,omitempty"`
}

// CellLocations configures the optional cell position lookups.
type CellLocations struct {
	Enabled bool `yaml:"enabled,omitempty"`
	// Budget is the number of lookups one poll may make (default 20).
	Budget int `yaml:"budget,omitempty"`
}

// Webhook configures the Event Handler endpoint. The shared secret is
// named (an environment variable or a file), never written here.
type Webhook struct {
	Enabled bool `yaml:"enabled,omitempty"`
	// Path on the exporter's listener (default /webhook/session).
	Path         string `yaml:"path,omitempty"`
	SecretEnv    string `yaml:"secret_env,omitempty"`
	SecretFile   string `yaml:"secret_file,omitempty"`
	SecretHeader string `yaml:"secret_header,omitempty"`
	// Rate is the calls per second accepted on average (default 5), Burst
	// how many at once (default 20).
	Rate  float64 `yaml:"rate,omitempty"`
	Burst int     `yaml:"burst,omitempty"`
}

// DefaultWebhookPath is where the webhook is served unless configured.
const DefaultWebhookPath = "/webhook/session"

func (s SIMs) validateIntelligence(ps *problems) {
	switch s.Metrics {
	case "", MetricsPerSIM, MetricsAggregate:
	default:
		ps.add("sims.metrics", "unknown mode %q: use %s or %s", s.Metrics, MetricsPerSIM, MetricsAggregate)
	}
	if s.MaxSeries < 0 {
		ps.add("sims.max_series", "cannot be negative: use 0 for no cap")
	}
	if s.SessionEvents.Budget < 0 {
		ps.add("sims.session_events.budget", "cannot be negative: use disabled: true to turn the reads off")
	}
	if s.CellLocations.Budget < 0 {
		ps.add("sims.cell_locations.budget", "cannot be negative")
	}
}

func (w Webhook) validate(ps *problems) {
	if !w.Enabled {
		return
	}
	if w.Path != "" && (!strings.HasPrefix(w.Path, "/") || strings.ContainsAny(w.Path, " ?#")) {
		ps.add("webhook.path", "%q must be a URL path starting with /", w.Path)
	}
	switch {
	case w.SecretEnv == "" && w.SecretFile == "":
		ps.add("webhook", "enabled without a shared secret: set secret_env or secret_file")
	case w.SecretEnv != "" && w.SecretFile != "":
		ps.add("webhook", "set secret_env or secret_file, not both")
	}
	if w.Rate < 0 {
		ps.add("webhook.rate", "cannot be negative")
	}
	if w.Burst < 0 {
		ps.add("webhook.burst", "cannot be negative")
	}
}

// ResolveSecret reads the webhook's shared secret from where the
// configuration names it. Errors name the place, never the value.
func (w Webhook) ResolveSecret(lookupEnv func(string) (string, bool)) (string, error) {
	var v string
	switch {
	case w.SecretFile != "":
		b, err := os.ReadFile(w.SecretFile)
		if err != nil {
			return "", fmt.Errorf("webhook.secret_file: %w", err)
		}
		v = strings.TrimSpace(string(b))
	case w.SecretEnv != "":
		s, _ := lookupEnv(w.SecretEnv)
		v = strings.TrimSpace(s)
	}
	if v == "" {
		return "", fmt.Errorf("webhook: the shared secret (%s) is empty or unset", w.secretPlace())
	}
	return v, nil
}

func (w Webhook) secretPlace() string {
	if w.SecretFile != "" {
		return "file " + w.SecretFile
	}
	return "$" + w.SecretEnv
}
