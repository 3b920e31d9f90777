// Package app wires the exporter together: SORACOM clients per account and
// coverage, the sources, the scheduler, the store and the self-metrics. The
// command line (cmd/soracom_exporter), the demo mode and the tests all build
// the exporter through it.
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

	"github.com/soracom-exporter/soracom_exporter/internal/output"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/selfmetrics"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
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

// SourceSettings say when a source polls.
type SourceSettings struct {
	Enabled  bool
	Interval time.Duration
	Timeout  time.Duration
	MaxAge   time.Duration
}

// Settings is everything the exporter needs, after flags and the
// configuration file were read and credentials resolved.
type Settings struct {
	Targets  []Target
	Sessions SourceSettings
	SIMs     source.SessionsOptions
	// HTTPClient, when set, is used for every API call (tests and the demo).
	HTTPClient *http.Client
	// ClientOptions adjusts the API clients (retry bounds, timeouts).
	ClientOptions soracom.Options
	// Air and Billing are the data usage and billing sources (off unless
	// enabled).
	Air            SourceSettings
	AirOptions     source.AirOptions
	Billing        SourceSettings
	BillingOptions source.BillingOptions
	// Webhook is the Event Handler endpoint (off by default).
	Webhook WebhookSettings
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
}

// New builds the exporter. It does not contact the API.
func New(s Settings, log *slog.Logger) (*App, error) {
	if len(s.Targets) == 0 {
		return nil, fmt.Errorf("no SORACOM account configured")
	}
	st := store.New()
	self := prometheus.NewRegistry()
	self.MustRegister(versioncollector.NewCollector("soracom_exporter"))
	api := selfmetrics.NewAPI(self)

	var jobs []scheduler.Job
	simOpts := s.SIMs
	if simOpts.Logger == nil {
		simOpts.Logger = log.With("source", source.SessionsName)
	}
	sessions := source.NewSessions(simOpts)
	air, billing := source.NewAir(s.AirOptions), source.NewBilling(s.BillingOptions)
	refresher := &sessionRefresher{sessions: sessions, store: st}
	for _, t := range s.Targets {
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
		target := scheduler.Target{Account: t.Account, Coverage: t.Coverage, Client: client}
		refresher.targets = append(refresher.targets, target)
		if s.Sessions.Enabled {
			jobs = append(jobs, scheduler.Job{Source: sessions, Target: target,
				Interval: s.Sessions.Interval, Timeout: s.Sessions.Timeout, MaxAge: s.Sessions.MaxAge})
		}
		if s.Air.Enabled {
			jobs = append(jobs, scheduler.Job{Source: air, Target: target,
				Interval: s.Air.Interval, Timeout: s.Air.Timeout, MaxAge: s.Air.MaxAge})
		}
		if s.Billing.Enabled {
			jobs = append(jobs, scheduler.Job{Source: billing, Target: target,
				Interval: s.Billing.Interval, Timeout: s.Billing.Timeout, MaxAge: s.Billing.MaxAge})
		}
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("every source is disabled: enable at least one (sources.sessions.enabled)")
	}
	sched := scheduler.New(st, log, jobs)
	self.MustRegister(selfmetrics.NewSourceCollector(sched.Statuses, st))

	runtime := prometheus.NewRegistry()
	runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var hook *webhook.Handler
	if s.Webhook.Enabled {
		var err error
		if hook, err = newWebhook(s.Webhook, refresher, self, log); err != nil {
			return nil, err
		}
	}
	return &App{
		Webhook:      hook,
		WebhookPath:  s.Webhook.Path,
		Store:        st,
		Scheduler:    sched,
		SelfRegistry: self,
		Exposition:   &output.Exposition{Store: st, Self: self, Runtime: runtime},
	}, nil
}

// Run polls in the background until ctx ends.
func (a *App) Run(ctx context.Context) {
	if a.Webhook != nil {
		go a.Webhook.Run(ctx)
	}
	a.Scheduler.Run(ctx)
}
