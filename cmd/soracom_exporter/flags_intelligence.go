package main

import (
	"github.com/alecthomas/kingpin/v2"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// intelligenceFlags are the command-line forms of the sims.metrics,
// sims.max_series, sims.session_events, sims.cell_locations and webhook
// settings of the configuration file.
type intelligenceFlags struct {
	metrics       string
	maxSeries     int
	sessionEvents bool
	eventBudget   int
	cells         bool
	cellBudget    int

	webhookEnable bool
	webhookPath   string
	webhookFile   string
	webhookHeader string
	webhookRate   float64
	webhookBurst  int
}

// webhookSecretEnv is where the webhook's secret is read from without a
// configuration file, unless --webhook.secret-file is given.
const webhookSecretEnv = "SORACOM_EXPORTER_WEBHOOK_SECRET"

// intelligenceFlagNames describe what the configuration file describes, so
// they cannot be combined with --config.file.
var intelligenceFlagNames = []string{
	"sim.metrics", "sims.max-series", "sims.session-events", "sims.session-events.budget", "sims.cell-locations",
	"sims.cell-locations.budget", "webhook.enable", "webhook.path", "webhook.secret-file", "webhook.secret-header",
	"webhook.rate", "webhook.burst",
}

func addIntelligenceFlags(a *kingpin.Application, f *intelligenceFlags, track func(*kingpin.FlagClause, string) *kingpin.FlagClause) {
	track(a.Flag("sim.metrics", "per-sim: series per SIM and for the fleet; aggregate: fleet-level series only, for very large fleets (config sims.metrics)."),
		"sim.metrics").Default(config.MetricsPerSIM).EnumVar(&f.metrics, config.MetricsPerSIM, config.MetricsAggregate)
	track(a.Flag("sims.max-series", "Most per-SIM series one account and coverage may export; beyond, only the fleet-level series are kept and a warning is logged. 0: no cap (config sims.max_series)."),
		"sims.max-series").Default("0").IntVar(&f.maxSeries)
	track(a.Flag("sims.session-events", "Read the session events of the SIMs whose session changed since the previous poll (use --no-sims.session-events to turn off)."),
		"sims.session-events").Default("true").BoolVar(&f.sessionEvents)
	track(a.Flag("sims.session-events.budget", "Session event calls one poll may make; the SIMs left are read at the next poll."),
		"sims.session-events.budget").Default("200").IntVar(&f.eventBudget)
	track(a.Flag("sims.cell-locations", "Look up the position of the cells in use (GET /v1/cell_locations), each cell once."),
		"sims.cell-locations").BoolVar(&f.cells)
	track(a.Flag("sims.cell-locations.budget", "Cell position lookups one poll may make."),
		"sims.cell-locations.budget").Default("20").IntVar(&f.cellBudget)

	track(a.Flag("webhook.enable", "Serve the SORACOM Event Handler webhook, which refreshes one SIM at once on a session change. Needs a shared secret in $"+webhookSecretEnv+" or --webhook.secret-file."),
		"webhook.enable").BoolVar(&f.webhookEnable)
	track(a.Flag("webhook.path", "Path of the webhook on the exporter's listener."),
		"webhook.path").Default(config.DefaultWebhookPath).StringVar(&f.webhookPath)
	track(a.Flag("webhook.secret-file", "File holding the webhook's shared secret."),
		"webhook.secret-file").StringVar(&f.webhookFile)
	track(a.Flag("webhook.secret-header", "Header carrying the shared secret."),
		"webhook.secret-header").Default(webhook.DefaultSecretHeader).StringVar(&f.webhookHeader)
	track(a.Flag("webhook.rate", "Webhook calls accepted per second on average; beyond, HTTP 429."),
		"webhook.rate").Default("5").Float64Var(&f.webhookRate)
	track(a.Flag("webhook.burst", "Webhook calls accepted at once."),
		"webhook.burst").Default("20").IntVar(&f.webhookBurst)
}

// applyTo writes the flags into a configuration built from flags.
func (f *intelligenceFlags) applyTo(cfg *config.Config) {
	cfg.SIMs.Metrics = f.metrics
	cfg.SIMs.MaxSeries = f.maxSeries
	cfg.SIMs.SessionEvents = config.SessionEvents{Disabled: !f.sessionEvents, Budget: f.eventBudget}
	cfg.SIMs.CellLocations = config.CellLocations{Enabled: f.cells, Budget: f.cellBudget}
	cfg.Webhook = config.Webhook{Enabled: f.webhookEnable, Path: f.webhookPath, SecretFile: f.webhookFile,
		SecretHeader: f.webhookHeader, Rate: f.webhookRate, Burst: f.webhookBurst}
	if f.webhookEnable && f.webhookFile == "" {
		cfg.Webhook.SecretEnv = webhookSecretEnv
	}
}

// applyIntelligence maps the configuration's session intelligence settings
// onto the exporter's, reading the webhook secret.
func applyIntelligence(s *app.Settings, cfg *config.Config, lookupEnv func(string) (string, bool)) error {
	sims := cfg.SIMs
	o := &s.SIMs
	o.Aggregate = sims.Metrics == config.MetricsAggregate
	o.MaxSeries = sims.MaxSeries
	o.EventBudget = sims.SessionEvents.Budget
	if sims.SessionEvents.Disabled {
		o.EventBudget = -1
	}
	o.CellLocations = sims.CellLocations.Enabled
	o.CellBudget = sims.CellLocations.Budget
	if o.CellBudget == 0 {
		o.CellBudget = source.DefaultCellBudget
	}

	w := cfg.Webhook
	if !w.Enabled {
		return nil
	}
	secret, err := w.ResolveSecret(lookupEnv)
	if err != nil {
		return err
	}
	path := w.Path
	if path == "" {
		path = config.DefaultWebhookPath
	}
	s.Webhook = app.WebhookSettings{Enabled: true, Path: path, Secret: secret, SecretHeader: w.SecretHeader,
		Rate: w.Rate, Burst: w.Burst}
	return nil
}

// applyToDemo gives the demo the session intelligence flags (the webhook
// needs a secret, which the demo does not have: it stays off).
func (f *intelligenceFlags) applyToDemo(s *app.Settings) {
	o := &s.SIMs
	o.Aggregate = f.metrics == config.MetricsAggregate
	o.MaxSeries = f.maxSeries
	o.EventBudget = f.eventBudget
	if !f.sessionEvents {
		o.EventBudget = -1
	}
	o.CellLocations, o.CellBudget = f.cells, f.cellBudget
}
