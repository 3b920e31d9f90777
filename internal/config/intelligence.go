package config

import (
	"fmt"
	"net"
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
	// Enabled turns the reads on (default).
	Enabled bool `yaml:"enabled" flag:"sims.session-events" help:"Read the session events of the SIMs whose session changed since the previous poll."`
	// Budget is the number of calls one poll may make (default 200); the
	// SIMs left wait for the next poll.
	Budget int `yaml:"budget,omitempty" help:"Session event calls one poll may make; the SIMs left are read at the next poll."`
}

// CellLocations configures the optional cell position lookups.
type CellLocations struct {
	Enabled bool `yaml:"enabled,omitempty" flag:"sims.cell-locations" help:"Look up the position of the cells in use (GET /v1/cell_locations), each cell once."`
	// Budget is the number of lookups one poll may make (default 20).
	Budget int `yaml:"budget,omitempty" help:"Cell position lookups one poll may make."`
}

// Webhook configures the Event Handler endpoint. The shared secret is
// named (an environment variable or a file), never written here.
type Webhook struct {
	Enabled bool `yaml:"enabled,omitempty" flag:"webhook.enable" help:"Serve the SORACOM Event Handler webhook, which refreshes one SIM at once on a session change. Needs a shared secret (see README)."`
	// Path on the exporter's listener (default /webhook/session).
	Path string `yaml:"path,omitempty" help:"Path of the webhook on the exporter's listener."`
	// SecretEnv has no flag: without a file, the command line reads the
	// secret from a fixed variable.
	SecretEnv    string `yaml:"secret_env,omitempty" flag:"-"`
	SecretFile   string `yaml:"secret_file,omitempty" help:"File holding the webhook's shared secret."`
	SecretHeader string `yaml:"secret_header,omitempty" help:"Header carrying the shared secret."`
	// Rate is the calls per second accepted on average (default 5), Burst
	// how many at once (default 20).
	Rate  float64 `yaml:"rate,omitempty" help:"Webhook calls accepted per second on average; beyond, HTTP 429."`
	Burst int     `yaml:"burst,omitempty" help:"Webhook calls accepted at once."`
	// ListenAddress, when set, serves the webhook on a listener of its
	// own, which serves nothing else: the one part SORACOM must reach
	// from the internet, apart from /metrics and the landing page.
	ListenAddress string `yaml:"listen_address,omitempty" help:"Serve the webhook on its own listener at this address (host:port), and nothing else there; empty: on the exporter's listener."`
	// WebConfigFile is the exporter-toolkit web configuration (TLS, basic
	// auth) of that listener.
	WebConfigFile string `yaml:"web_config_file,omitempty" help:"exporter-toolkit web configuration file (TLS) of the webhook's own listener."`
}

// DefaultWebhookPath is where the webhook is served unless configured.
const DefaultWebhookPath = "/webhook/session"

// DefaultWebhookSecretHeader is the header that carries the shared secret
// unless configured.
const DefaultWebhookSecretHeader = "X-Soracom-Exporter-Secret"

func (s *SIMs) setDefaults() {
	s.Metrics = MetricsPerSIM
	s.SessionEvents = SessionEvents{Enabled: true, Budget: 200}
	s.CellLocations.Budget = 20
}

func (w *Webhook) setDefaults() {
	w.Path = DefaultWebhookPath
	w.SecretHeader = DefaultWebhookSecretHeader
	w.Rate, w.Burst = 5, 20
}

func (s SIMs) validateIntelligence(ps *problems) {
	switch s.Metrics {
	case MetricsPerSIM, MetricsAggregate:
	default:
		ps.add("sims.metrics", "unknown mode %q: use %s or %s", s.Metrics, MetricsPerSIM, MetricsAggregate)
	}
	if s.MaxSeries < 0 {
		ps.add("sims.max_series", "cannot be negative: use 0 for no cap")
	}
	if s.SessionEvents.Budget < 1 {
		ps.add("sims.session_events.budget", "%d: use at least 1 (default 200), or enabled: false to turn the reads off", s.SessionEvents.Budget)
	}
	if s.CellLocations.Budget < 1 {
		ps.add("sims.cell_locations.budget", "%d: use at least 1 (default 20), or enabled: false to turn the lookups off", s.CellLocations.Budget)
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
	if w.Path == "" {
		ps.add("webhook.path", "is empty: give a URL path such as %s", DefaultWebhookPath)
	}
	if w.SecretHeader == "" {
		ps.add("webhook.secret_header", "is empty: give a header name such as %s", DefaultWebhookSecretHeader)
	}
	if w.Rate <= 0 {
		ps.add("webhook.rate", "must be positive (default 5)")
	}
	if w.Burst < 1 {
		ps.add("webhook.burst", "must be at least 1 (default 20)")
	}
	if w.ListenAddress != "" {
		if _, port, err := net.SplitHostPort(w.ListenAddress); err != nil || port == "" {
			ps.add("webhook.listen_address", "%q is not host:port (such as :9882)", w.ListenAddress)
		}
	}
	if w.WebConfigFile != "" && w.ListenAddress == "" {
		ps.add("webhook.web_config_file", "applies to the webhook's own listener: set listen_address too (on the exporter's listener, --web.config.file applies)")
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
