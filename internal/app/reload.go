package app

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// A reload makes a new configuration the running one without losing what
// the old one learnt. A source whose settings did not change is kept, with
// its memory (counters, session event positions, pending exports); a client
// whose account, endpoint and credentials did not change is kept, with its
// token. Jobs take their new schedule from their next poll; jobs of removed
// accounts or disabled sources stop and their data is withdrawn.
//
// What the command line sets (listen addresses, --web.*, the textfile) and
// the webhook, which has its own secret and endpoint, need a restart: a
// file that changes the webhook is refused.

// wiring is what the running configuration built.
type wiring struct {
	settings Settings
	clients  map[targetID]*targetClient
	sources  map[string]source.Source
}

type targetID struct {
	account  string
	coverage soracom.Coverage
}

// targetClient is a target's client, and the target it was built for.
type targetClient struct {
	Target
	client *soracom.Client
}

// reloadState serializes reloads and reports on them.
type reloadState struct {
	mu      sync.Mutex // held by the reload in progress; guards running
	running *wiring
	now     func() time.Time

	successful  prometheus.Gauge
	lastSuccess prometheus.Gauge
}

func (r *reloadState) register(reg prometheus.Registerer, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	r.now = now
	r.successful = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "soracom_exporter_config_last_reload_successful",
		Help: "Whether the last configuration reload attempt was successful (1) or refused (0).",
	})
	r.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "soracom_exporter_config_last_reload_success_timestamp_seconds",
		Help: "When the configuration was last loaded successfully, at start or by a reload.",
	})
	reg.MustRegister(r.successful, r.lastSuccess)
	r.succeeded()
}

func (r *reloadState) succeeded() {
	r.successful.Set(1)
	r.lastSuccess.Set(float64(r.now().UnixMilli()) / 1000)
}

// Reload makes the configuration that load returns the running one. load
// reads and validates it as at start; when load or the configuration
// fails, the error is logged and returned and the running configuration
// stays. Only the Config, Targets and WebhookSecret of the result are
// used: the clients' options stay as New had them. Reloads run one at a
// time, while polls and scrapes go on.
func (a *App) Reload(load func() (Settings, error)) error {
	a.reload.mu.Lock()
	defer a.reload.mu.Unlock()
	err := func() error {
		s, err := load()
		if err != nil {
			return err
		}
		if err := a.sameWebhook(s); err != nil {
			return err
		}
		s.HTTPClient, s.ClientOptions, s.Now = a.base.HTTPClient, a.base.ClientOptions, a.base.Now
		changes, err := a.apply(s)
		if err != nil {
			return err
		}
		a.log.Info("configuration reloaded", changes.logArgs()...)
		return nil
	}()
	if err != nil {
		a.reload.successful.Set(0)
		a.log.Error("configuration reload refused; the running configuration stays", "err", err)
		return err
	}
	a.reload.succeeded()
	return nil
}

// sameWebhook refuses a configuration that changes the webhook: its
// handler, secret and rate limit are built once.
func (a *App) sameWebhook(s Settings) error {
	old := a.reload.running.settings
	if s.Config == nil || reflect.DeepEqual(old.Config.Webhook, s.Config.Webhook) && old.WebhookSecret == s.WebhookSecret {
		return nil
	}
	return errors.New("webhook: a reload cannot change the webhook section or its secret; restart soracom_exporter to apply the change")
}

// changes says what a reload did, for the log.
type changes struct {
	sourcesBuilt, sourcesKept, sourcesStopped    []string
	targetsAdded, targetsChanged, targetsRemoved []string
}

func (c changes) logArgs() []any {
	var args []any
	for _, f := range []struct {
		name string
		list []string
	}{
		{"sources_rebuilt", c.sourcesBuilt}, {"sources_kept", c.sourcesKept}, {"sources_stopped", c.sourcesStopped},
		{"targets_added", c.targetsAdded}, {"targets_changed", c.targetsChanged}, {"targets_removed", c.targetsRemoved},
	} {
		if len(f.list) > 0 {
			args = append(args, slog.Any(f.name, f.list))
		}
	}
	return args
}

// apply makes s the running configuration: at start, and on reload. On
// error nothing changed. The caller holds a.reload.mu, or is New.
func (a *App) apply(s Settings) (changes, error) {
	var ch changes
	if s.Config == nil {
		return ch, errors.New("no configuration")
	}
	if len(s.Targets) == 0 {
		return ch, errors.New("no SORACOM account configured")
	}
	if !slices.ContainsFunc(source.Registry, func(d source.Definition) bool { return d.Schedule(s.Config).Enabled }) {
		return ch, errors.New("every source is disabled: enable at least one (sources.sessions.enabled)")
	}
	old := a.reload.running
	if old == nil {
		old = &wiring{}
	}

	next := &wiring{settings: s, clients: map[targetID]*targetClient{}, sources: map[string]source.Source{}}
	for _, t := range s.Targets {
		id := targetID{t.Account, t.Coverage}
		name := t.Account + "/" + string(t.Coverage)
		prev := old.clients[id]
		if prev != nil && reflect.DeepEqual(prev.Target, t) {
			next.clients[id] = prev
			continue
		}
		client, err := newClient(a.base, t, a.api, a.log)
		if err != nil {
			return ch, err
		}
		next.clients[id] = &targetClient{Target: t, client: client}
		if prev == nil {
			ch.targetsAdded = append(ch.targetsAdded, name)
		} else {
			ch.targetsChanged = append(ch.targetsChanged, name)
		}
	}

	var (
		jobs    []scheduler.Job
		changed []store.Key
		refresh []refreshTarget
	)
	for _, def := range source.Registry {
		sched := def.Schedule(s.Config)
		if !sched.Enabled {
			if old.sources[def.Name] != nil {
				ch.sourcesStopped = append(ch.sourcesStopped, def.Name)
			}
			continue
		}
		src, kept := old.sources[def.Name], false
		if src != nil && sameSettings(def, old.settings.Config, s.Config) {
			kept = true
			ch.sourcesKept = append(ch.sourcesKept, def.Name)
		} else {
			src = def.New(s.Config, source.Env{Logger: a.log, Exports: a.exports})
			ch.sourcesBuilt = append(ch.sourcesBuilt, def.Name)
		}
		next.sources[def.Name] = src
		r, refreshes := src.(source.Refresher)
		for _, t := range s.Targets {
			tc := next.clients[targetID{t.Account, t.Coverage}]
			target := source.Target{Account: t.Account, Coverage: t.Coverage, Client: tc.client}
			key := store.Key{Account: t.Account, Coverage: string(t.Coverage), Source: def.Name}
			jobs = append(jobs, scheduler.Job{
				Key:      key,
				Interval: time.Duration(sched.Interval),
				Timeout:  time.Duration(sched.Timeout),
				MaxAge:   time.Duration(sched.MaxAge),
				Poll:     func(ctx context.Context) (*poll.Result, error) { return src.Poll(metered(ctx), target) },
				Budget:   apiBudget{target},
			})
			if !kept || old.clients[targetID{t.Account, t.Coverage}] != tc {
				changed = append(changed, key)
			}
			if refreshes {
				refresh = append(refresh, refreshTarget{Target: target, key: key, source: r})
			}
		}
	}
	if err := a.Scheduler.Reconfigure(jobs, changed...); err != nil {
		return ch, err
	}
	a.Scheduler.SetBudgetShare(s.Config.API.BudgetShare)
	a.refresher.set(refresh)
	// A stopped or rebuilt source's pending exports will never finish.
	if old.sources != nil {
		for _, name := range slices.Concat(ch.sourcesStopped, ch.sourcesBuilt) {
			a.exports.Forget(prometheus.Labels{"source": name})
		}
	}
	for id, tc := range old.clients {
		if next.clients[id] == nil {
			a.api.Forget(tc.Account, tc.Coverage)
			a.exports.Forget(prometheus.Labels{"account": tc.Account, "coverage": string(tc.Coverage)})
			ch.targetsRemoved = append(ch.targetsRemoved, tc.Account+"/"+string(tc.Coverage))
		}
	}
	a.reload.running = next
	return ch, nil
}

// sameSettings reports whether a source built from old can serve new: its
// section is the same, apart from the schedule, which the scheduler
// applies (sources do not read it).
func sameSettings(def source.Definition, old, new *config.Config) bool {
	return reflect.DeepEqual(withoutSchedule(def.Settings(old)), withoutSchedule(def.Settings(new)))
}

var scheduleType = reflect.TypeFor[config.SourceConfig]()

// withoutSchedule returns a copy of a source's section with every
// config.SourceConfig in it zeroed.
func withoutSchedule(section any) any {
	v := reflect.New(reflect.TypeOf(section)).Elem()
	v.Set(reflect.ValueOf(section))
	zeroSchedules(v)
	return v.Interface()
}

func zeroSchedules(v reflect.Value) {
	if v.Kind() != reflect.Struct {
		return
	}
	if v.Type() == scheduleType {
		v.SetZero()
		return
	}
	for i := range v.NumField() {
		if f := v.Field(i); f.CanSet() {
			zeroSchedules(f)
		}
	}
}
