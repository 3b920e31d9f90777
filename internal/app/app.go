// Package app wires the exporter together: SORACOM clients per account and
// coverage, the sources of the registry, the scheduler, the store and the
// self-metrics. The command line (cmd/soracom_exporter), the demo mode and
// the tests all build the exporter through it. It names no source: what
// runs, and how, comes from the configuration and the source registry.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/output"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/selfmetrics"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// Target is one account on one coverage, resolved: where to connect and as
// whom.
type Target struct {
	Account     string
	Coverage    soracom.Coverage
	Endpoint    string
	Credentials soracom.Credentials
}

// Settings is everything the exporter needs, after flags and the
// configuration file were read and credentials resolved.
type Settings struct {
	// Config is the validated configuration: which sources poll, when and
	// how, and the webhook. Its accounts are given resolved, as Targets.
	Config  *config.Config
	Targets []Target
	// WebhookSecret is the webhook's shared secret, read from where
	// Config.Webhook names it.
	WebhookSecret string
	// HTTPClient, when set, is used for every API call (tests and the demo).
	HTTPClient *http.Client
	// ClientOptions adjusts the API clients (retry bounds, timeouts).
	ClientOptions soracom.Options
	// Now is the clock of the outputs, which withdraws data older than its
	// max age (default time.Now; tests).
	Now func() time.Time
}

// App is a configured exporter.
type App struct {
	Store      *store.Store
	Scheduler  *scheduler.Scheduler
	Exposition *output.Exposition
	// SelfRegistry holds soracom_up and soracom_exporter_* metrics.
	SelfRegistry *prometheus.Registry
	// Webhook is the Event Handler endpoint, nil unless enabled; serve it
	// under WebhookPath.
	Webhook     *webhook.Handler
	WebhookPath string
	// WebhookListen is the webhook's own listener (webhook.listen_address
	// and web_config_file); when its address is set, serve the webhook
	// with ServeWebhook and not on the exporter's listener.
	WebhookListen WebhookListener

	// runtime holds the go_*, process_* and promhttp_* metrics, served
	// over HTTP only.
	runtime *prometheus.Registry

	// base is the Settings New was given: the clients' options and HTTP
	// client, which a reload keeps. See reload.go for the rest.
	base      Settings
	log       *slog.Logger
	api       *selfmetrics.API
	exports   *selfmetrics.Exports
	refresher sessionRefresher
	reload    reloadState
}

// New builds the exporter. It does not contact the API.
func New(s Settings, log *slog.Logger) (*App, error) {
	st := store.New()
	self := prometheus.NewRegistry()
	self.MustRegister(versioncollector.NewCollector("soracom_exporter"))
	api := selfmetrics.NewAPI(self)

	share := scheduler.DefaultBudgetShare
	if s.Config != nil {
		share = s.Config.API.BudgetShare
	}
	sched, err := scheduler.New(st, log, nil, scheduler.WithBudgetShare(share))
	if err != nil {
		return nil, err
	}
	a := &App{Store: st, Scheduler: sched, SelfRegistry: self, base: s, log: log, api: api,
		exports: selfmetrics.NewExports(self)}
	a.refresher.scheduler = sched
	if _, err := a.apply(s); err != nil {
		return nil, err
	}
	a.reload.register(self, s.Now)
	self.MustRegister(selfmetrics.NewSourceCollector(sched.Statuses, st, s.Now), selfmetrics.NewBudgetCollector(sched.APIUse))

	runtime := prometheus.NewRegistry()
	runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Exposition = &output.Exposition{Store: st, Self: self, Runtime: runtime, Now: s.Now}
	a.runtime = runtime
	if w := s.Config.Webhook; w.Enabled {
		if a.Webhook, err = newWebhook(w, s.WebhookSecret, &a.refresher, self, log); err != nil {
			return nil, err
		}
		a.WebhookPath = w.Path
		a.WebhookListen = WebhookListener{Address: w.ListenAddress, WebConfigFile: w.WebConfigFile}
	}
	return a, nil
}

func newClient(s Settings, t Target, api *selfmetrics.API, log *slog.Logger) (*soracom.Client, error) {
	opts := s.ClientOptions
	opts.Endpoint = t.Endpoint
	opts.Credentials = t.Credentials
	opts.Observer = api.For(t.Account, t.Coverage)
	opts.Logger = log.With("account", t.Account, "coverage", string(t.Coverage))
	opts.UserAgent = "soracom_exporter/" + version.Version
	if s.HTTPClient != nil {
		opts.HTTPClient = s.HTTPClient
	}
	client, err := soracom.New(opts)
	if err != nil {
		return nil, fmt.Errorf("account %s, coverage %s: %w", t.Account, t.Coverage, err)
	}
	return client, nil
}

// Run polls in the background until ctx ends.
func (a *App) Run(ctx context.Context) {
	if a.Webhook != nil {
		go a.Webhook.Run(ctx)
	}
	a.Scheduler.Run(ctx)
}
