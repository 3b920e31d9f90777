package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// reload reloads h's exporter with cfg and the harness's targets, or only
// those on the given coverages.
func (h *harness) reload(cfg *config.Config, coverages ...soracom.Coverage) error {
	s := Settings{Config: cfg, WebhookSecret: h.settings.WebhookSecret}
	for _, t := range h.settings.Targets {
		if len(coverages) == 0 || slices.Contains(coverages, t.Coverage) {
			s.Targets = append(s.Targets, t)
		}
	}
	return h.app.Reload(func() (Settings, error) { return s, nil })
}

func (h *harness) running() *wiring {
	h.app.reload.mu.Lock()
	defer h.app.reload.mu.Unlock()
	return h.app.reload.running
}

func (h *harness) status(t *testing.T, key store.Key) (found bool, polls uint64, interval time.Duration) {
	t.Helper()
	for _, st := range h.app.Scheduler.Statuses() {
		if st.Key == key {
			return true, st.Polls, st.Interval
		}
	}
	return false, 0, 0
}

var jpSessions = store.Key{Account: "main", Coverage: "jp", Source: source.SessionsName}

// TestReloadKeepsWhatDidNotChange: a reload that changes only a schedule
// keeps the sources (with their memory), the clients (with their token),
// the stored data and the jobs' counts; the new interval and max age apply.
func TestReloadKeepsWhatDidNotChange(t *testing.T) {
	h := newHarnessConfig(t, 50, sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour))
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := h.running()
	snap := h.app.Store.Get(jpSessions)
	calls := h.fake.TotalCalls()

	if err := h.reload(sessionsOnly(2*time.Hour, 30*time.Second, 6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	after := h.running()
	if after.sources[source.SessionsName] != before.sources[source.SessionsName] {
		t.Error("a schedule change rebuilt the sessions source, losing its memory")
	}
	for id, c := range before.clients {
		if after.clients[id] != c {
			t.Errorf("the client of %v was built again although its account did not change", id)
		}
	}
	if h.app.Store.Get(jpSessions) != snap {
		t.Error("the reload replaced or dropped the stored data")
	}
	if found, polls, interval := h.status(t, jpSessions); !found || polls != 1 || interval != 2*time.Hour {
		t.Errorf("status after the reload: found %v, polls %d, interval %s; want the poll kept and the new interval", found, polls, interval)
	}
	if h.fake.TotalCalls() != calls {
		t.Error("the reload called the API")
	}
	mfs := h.scrape(t)
	if v, _ := value(mfs, "soracom_exporter_source_max_age_seconds", map[string]string{"coverage": "jp", "source": "sessions"}); v != 6*3600 {
		t.Errorf("max age after the reload: %v", v)
	}
	if v, ok := value(mfs, "soracom_exporter_config_last_reload_successful", nil); !ok || v != 1 {
		t.Errorf("soracom_exporter_config_last_reload_successful = %v, %v", v, ok)
	}
}

// TestReloadRebuildsAChangedSource: a source whose settings changed is
// built again, and its next poll comes soon, as at start, so the change
// shows long before the (hour-long) interval.
func TestReloadRebuildsAChangedSource(t *testing.T) {
	h := newHarnessConfig(t, 50, sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.app.Run(ctx)
	// Per-SIM series carry no coverage label: both targets must have
	// polled before the test looks at them.
	perSIM := func() bool {
		_, ok := value(h.scrape(t), "soracom_sim_session_online", nil)
		return ok
	}
	waitFor(t, "the first poll of both targets", func() bool {
		for _, st := range h.app.Scheduler.Statuses() {
			if st.Polls == 0 {
				return false
			}
		}
		return perSIM()
	})
	before := h.running().sources[source.SessionsName]

	cfg := sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)
	cfg.SIMs.Metrics = config.MetricsAggregate
	if err := h.reload(cfg); err != nil {
		t.Fatal(err)
	}
	if h.running().sources[source.SessionsName] == before {
		t.Fatal("the sessions source was kept although its settings changed")
	}
	waitFor(t, "per-SIM series to go after a reload to aggregate metrics", func() bool { return !perSIM() })
	for _, st := range h.app.Scheduler.Statuses() {
		if st.Polls < 2 {
			t.Errorf("%s: %d polls: the job's count restarted, or no poll since the reload", st.Key, st.Polls)
		}
	}
	if _, ok := value(h.scrape(t), "soracom_sims_online", map[string]string{"coverage": "jp"}); !ok {
		t.Error("the fleet series went too")
	}
}

// TestReloadRemovesAndAddsTargets: a target that leaves the configuration
// stops polling and its data, status and API series leave the output; one
// that comes back polls again.
func TestReloadRemovesAndAddsTargets(t *testing.T) {
	cfg := func() *config.Config { return sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour) }
	h := newHarnessConfig(t, 50, cfg())
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.reload(cfg(), soracom.CoverageJapan); err != nil {
		t.Fatal(err)
	}
	global := store.Key{Account: "main", Coverage: "g", Source: source.SessionsName}
	if h.app.Store.Get(global) != nil {
		t.Error("the removed target's data is still stored")
	}
	if found, _, _ := h.status(t, global); found {
		t.Error("the removed target still has a job")
	}
	mfs := h.scrape(t)
	for _, name := range []string{"soracom_up", "soracom_sims_online", "soracom_exporter_api_requests_total", "soracom_exporter_auth_total"} {
		if _, ok := value(mfs, name, map[string]string{"coverage": "g"}); ok {
			t.Errorf("%s still has a series of the removed target", name)
		}
		if _, ok := value(mfs, name, map[string]string{"coverage": "jp"}); !ok {
			t.Errorf("%s lost the series of the kept target", name)
		}
	}
	if len(h.running().clients) != 1 {
		t.Errorf("%d clients", len(h.running().clients))
	}

	if err := h.reload(cfg()); err != nil {
		t.Fatal(err)
	}
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := value(h.scrape(t), "soracom_sims_online", map[string]string{"coverage": "g"}); !ok {
		t.Error("the target added back does not export")
	}
}

// TestRefusedReloadKeepsTheRunningConfiguration: a configuration that does
// not load, that disables every source or that changes the webhook is
// refused with its message; the running configuration and its data stay,
// and soracom_exporter_config_last_reload_successful says 0 until a reload
// succeeds.
func TestRefusedReloadKeepsTheRunningConfiguration(t *testing.T) {
	h := newHarnessConfig(t, 50, sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour))
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	running := h.running()
	stamp, _ := value(h.scrape(t), "soracom_exporter_config_last_reload_success_timestamp_seconds", nil)
	if stamp == 0 {
		t.Fatal("no timestamp of the start's load")
	}

	disabled := sessionsOnly(time.Hour, 0, 0)
	disabled.Sources.Sessions.Enabled = false
	webhook := sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)
	webhook.Webhook.Enabled = true
	loadErr := errors.New(`c.yml:3: sources.sessions.interval: 1s is below the minimum of 10s`)
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"load", func() error { return h.app.Reload(func() (Settings, error) { return Settings{}, loadErr }) }, loadErr.Error()},
		{"disabled", func() error { return h.reload(disabled) }, "every source is disabled"},
		{"webhook", func() error { return h.reload(webhook) }, "restart soracom_exporter"},
		{"no account", func() error { return h.reload(sessionsOnly(time.Hour, 0, 0), "none") }, "no SORACOM account configured"},
	} {
		err := c.err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
		if h.running() != running {
			t.Errorf("%s: the running configuration changed", c.name)
		}
		mfs := h.scrape(t)
		if v, _ := value(mfs, "soracom_exporter_config_last_reload_successful", nil); v != 0 {
			t.Errorf("%s: soracom_exporter_config_last_reload_successful = %v", c.name, v)
		}
		if v, _ := value(mfs, "soracom_exporter_config_last_reload_success_timestamp_seconds", nil); v != stamp {
			t.Errorf("%s: the last success's timestamp moved", c.name)
		}
		if _, ok := value(mfs, "soracom_sims_online", map[string]string{"coverage": "g"}); !ok {
			t.Errorf("%s: the data went", c.name)
		}
	}
	if err := h.reload(sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if v, _ := value(h.scrape(t), "soracom_exporter_config_last_reload_successful", nil); v != 1 {
		t.Errorf("after a good reload: %v", v)
	}
}

// TestReloadWhilePolling: reloads that change schedules, rebuild the
// source and remove and add a target, while polls and scrapes run. Under
// -race this checks the reload's synchronization; at the end, the data of
// a removed target never came back.
func TestReloadWhilePolling(t *testing.T) {
	cfg := func(i int) *config.Config {
		c := sessionsOnly(time.Duration(40+i%3*20)*time.Millisecond, 0, time.Hour)
		if i%4 == 1 {
			c.SIMs.Metrics = config.MetricsAggregate
		}
		return c
	}
	h := newHarnessConfig(t, 30, cfg(0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { h.app.Run(ctx); close(done) }()
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			resp, err := http.Get(h.metrics.URL)
			if err == nil {
				resp.Body.Close()
			}
		}
	})
	const reloads = 30
	for i := range reloads {
		var covs []soracom.Coverage
		if i%3 == 2 {
			covs = []soracom.Coverage{soracom.CoverageJapan}
		}
		_, polls, _ := h.status(t, jpSessions)
		if err := h.reload(cfg(i), covs...); err != nil {
			t.Fatal(err)
		}
		// A poll runs before the next reload, or alongside it.
		waitFor(t, "a poll after a reload", func() bool {
			_, n, _ := h.status(t, jpSessions)
			return n > polls
		})
	}
	cancel()
	<-done
	wg.Wait()
	// The last reload (i = 29) has the Japan coverage only.
	if h.app.Store.Get(store.Key{Account: "main", Coverage: "g", Source: source.SessionsName}) != nil {
		t.Fatal("a removed target's data came back")
	}
	for _, st := range h.app.Scheduler.Statuses() {
		if st.Key != jpSessions {
			t.Errorf("unexpected job %s", st.Key)
		}
	}
}

// TestSameSettingsIgnoresTheSchedule: every source's section compares
// equal across schedule changes, and differs when one of its own settings
// changes.
func TestSameSettingsIgnoresTheSchedule(t *testing.T) {
	base := config.Default()
	sched := config.Default()
	for _, s := range []*config.SourceConfig{&sched.Sources.Sessions, &sched.Sources.Air.SourceConfig, &sched.Sources.Billing.SourceConfig} {
		s.Interval *= 2
		s.Timeout++
		s.MaxAge *= 3
	}
	own := config.Default()
	own.SIMs.Filters.GroupIDs = []string{"g1"}
	own.Sources.Air.Mode = config.AirModePerSIM
	own.Sources.Billing.PerSIMExport = true
	for _, def := range source.Registry {
		if !sameSettings(def, base, sched) {
			t.Errorf("%s: a schedule change counts as a change of settings", def.Name)
		}
		if sameSettings(def, base, own) {
			t.Errorf("%s: a change of its settings went unnoticed", def.Name)
		}
	}
}
