package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// harness is the exporter wired to a fake API on both coverages, with its
// /metrics served over real HTTP.
type harness struct {
	fake    *soracomfake.Fake
	spec    *apispec.Validator
	app     *App
	metrics *httptest.Server
	// settings are the ones New was given.
	settings Settings
	// clock is the outputs' clock: the real time, or a fixed one once set.
	clock atomic.Pointer[time.Time]
}

func (h *harness) now() time.Time {
	if t := h.clock.Load(); t != nil {
		return *t
	}
	return time.Now()
}

func newHarness(t *testing.T, sims int, interval, maxAge time.Duration) *harness {
	t.Helper()
	return newHarnessConfig(t, sims, sessionsOnly(interval, 0, maxAge))
}

// newHarnessConfig is newHarness with a configuration of its own, whose
// accounts are left out: the harness has one, "main", on both coverages.
func newHarnessConfig(t *testing.T, sims int, cfg *config.Config) *harness {
	t.Helper()
	h := &harness{fake: soracomfake.New(soracomfake.Options{Seed: 9, SIMs: sims}), spec: apispec.New()}
	cr := h.fake.Credentials()
	s := Settings{
		Config:        cfg,
		Now:           h.now,
		ClientOptions: soracom.Options{RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, MaxAttempts: 2},
	}
	for _, c := range soracom.Coverages {
		srv := httptest.NewServer(h.spec.Wrap(h.fake.Handler(string(c))))
		t.Cleanup(srv.Close)
		s.Targets = append(s.Targets, Target{Account: "main", Coverage: c, Endpoint: srv.URL,
			Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	}
	a, err := New(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.app, h.settings = a, s
	h.metrics = httptest.NewServer(a.Exposition.MetricsHandler())
	t.Cleanup(h.metrics.Close)
	t.Cleanup(func() { apispec.Require(t, h.spec) })
	return h
}

// sessionsOnly is the default configuration with the sessions source on
// the given schedule (zero timeout: the scheduler's default), without the
// configuration's minimum interval, which would slow the tests down.
func sessionsOnly(interval, timeout, maxAge time.Duration) *config.Config {
	c := config.Default()
	c.Sources.Sessions = config.SourceConfig{Enabled: true, Interval: config.Duration(interval),
		Timeout: config.Duration(timeout), MaxAge: config.Duration(maxAge)}
	return c
}

func (h *harness) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(h.metrics.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("scrape does not parse: %v", err)
	}
	return mfs
}

func value(mfs map[string]*dto.MetricFamily, name string, match map[string]string) (float64, bool) {
	for _, m := range mfs[name].GetMetric() {
		ok := true
		for _, lp := range m.Label {
			if want, has := match[lp.GetName()]; has && want != lp.GetValue() {
				ok = false
			}
		}
		if ok {
			if m.Gauge != nil {
				return m.GetGauge().GetValue(), true
			}
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

func TestConcurrentScrapesCostNoAPICalls(t *testing.T) {
	h := newHarness(t, 400, time.Minute, 0)
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := h.fake.TotalCalls()
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			resp, err := http.Get(h.metrics.URL)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if after := h.fake.TotalCalls(); after != before {
		t.Fatalf("100 scrapes made %d API calls", after-before)
	}
	mfs := h.scrape(t)
	if n := len(mfs["soracom_sim_session_online"].GetMetric()); n != 400 {
		t.Fatalf("%d SIMs exported, fleet has 400", n)
	}
	for _, cov := range []string{"jp", "g"} {
		if v, _ := value(mfs, "soracom_up", map[string]string{"coverage": cov}); v != 1 {
			t.Errorf("soracom_up{coverage=%s} = %v", cov, v)
		}
		want := float64(h.fake.OnlineCount(cov))
		if v, _ := value(mfs, "soracom_sims_online", map[string]string{"coverage": cov}); v != want {
			t.Errorf("soracom_sims_online{coverage=%s} = %v, fake says %v", cov, v, want)
		}
	}
	if v, ok := value(mfs, "soracom_exporter_api_requests_total", map[string]string{"operation": "/sims", "code": "200"}); !ok || v == 0 {
		t.Error("no soracom_exporter_api_requests_total for /sims")
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Error("go_* metrics missing from HTTP")
	}
	if _, ok := mfs["soracom_exporter_build_info"]; !ok {
		t.Error("build_info missing")
	}
}

func TestAPIDownAtStartThenRecovers(t *testing.T) {
	// A short interval keeps the retries fast (the backoff starts at the
	// interval), yet leaves each poll, whose timeout is the interval, time to
	// finish on a loaded machine; a long max age keeps fresh data from being
	// withdrawn between two polls.
	h := newHarness(t, 50, time.Second, time.Minute)
	if err := h.fake.SetFaults(soracomfake.Faults{AlwaysFail: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.app.Run(ctx)
	waitFor(t, "a failed poll", func() bool {
		v, ok := value(h.scrape(t), "soracom_exporter_source_failures_total", map[string]string{"coverage": "jp"})
		return ok && v > 0
	})
	mfs := h.scrape(t)
	if v, ok := value(mfs, "soracom_up", map[string]string{"coverage": "jp"}); !ok || v != 0 {
		t.Fatalf("soracom_up = %v (present %v) while the API is down", v, ok)
	}
	if _, ok := mfs["soracom_sim_session_online"]; ok {
		t.Fatal("SIM data served although no poll ever succeeded")
	}
	if v, _ := value(mfs, "soracom_exporter_source_stale", map[string]string{"coverage": "jp"}); v != 1 {
		t.Fatal("source not reported stale")
	}
	_ = h.fake.SetFaults(soracomfake.Faults{})
	// The scheduler backs off after failures (15 s base at a 60 s interval;
	// here the interval is tiny), and recovers by itself.
	waitFor(t, "recovery of both coverages", func() bool {
		mfs := h.scrape(t)
		jp, _ := value(mfs, "soracom_up", map[string]string{"coverage": "jp"})
		g, _ := value(mfs, "soracom_up", map[string]string{"coverage": "g"})
		return jp == 1 && g == 1
	}, func() string { return fmt.Sprintf("%+v", h.app.Scheduler.Statuses()) })
	if n := len(h.scrape(t)["soracom_sim_session_online"].GetMetric()); n != 50 {
		t.Fatalf("%d SIMs after recovery", n)
	}
}

func TestDataWithdrawnAfterMaxAge(t *testing.T) {
	h := newHarness(t, 20, time.Hour, time.Minute)
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The outputs read the time from the harness's clock: the first scrape
	// right after the poll, the second past the max age, however slow the
	// machine.
	polled := time.Now()
	h.clock.Store(&polled)
	if n := len(h.scrape(t)["soracom_sim_session_online"].GetMetric()); n != 20 {
		t.Fatalf("%d SIMs", n)
	}
	later := polled.Add(61 * time.Second)
	h.clock.Store(&later)
	mfs := h.scrape(t)
	if _, ok := mfs["soracom_sim_session_online"]; ok {
		t.Fatal("data older than max age still served")
	}
	if v, _ := value(mfs, "soracom_exporter_source_stale", map[string]string{"coverage": "g"}); v != 1 {
		t.Fatal("stale data not flagged")
	}
	if v, _ := value(mfs, "soracom_exporter_source_success", map[string]string{"coverage": "g"}); v != 1 {
		t.Fatal("source_success should still say the last poll succeeded")
	}
}

func TestSessionChangesReachTheOutput(t *testing.T) {
	h := newHarness(t, 30, time.Hour, 0)
	ctx := context.Background()
	if err := h.app.Scheduler.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var target soracomfake.SIMState
	for _, s := range h.fake.SIMs("jp") {
		if s.Online {
			target = s
			break
		}
	}
	if target.SIMID == "" {
		t.Fatal("no online SIM in the fleet")
	}
	if v, _ := value(h.scrape(t), "soracom_sim_session_online", map[string]string{"sim_id": target.SIMID}); v != 1 {
		t.Fatal("online SIM not reported online")
	}
	if err := h.fake.SetOnline(target.SIMID, false); err != nil {
		t.Fatal(err)
	}
	// A scrape alone changes nothing: the data is the last poll's.
	if v, _ := value(h.scrape(t), "soracom_sim_session_online", map[string]string{"sim_id": target.SIMID}); v != 1 {
		t.Fatal("a scrape triggered a poll")
	}
	if err := h.app.Scheduler.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	mfs := h.scrape(t)
	if v, _ := value(mfs, "soracom_sim_session_online", map[string]string{"sim_id": target.SIMID}); v != 0 {
		t.Fatal("SIM taken offline still reported online after a poll")
	}
	if v, ok := value(mfs, "soracom_sim_previous_session_end_timestamp_seconds", map[string]string{"sim_id": target.SIMID}); !ok || v == 0 {
		t.Fatal("offline-since missing")
	}
}

// waitFor polls cond until it holds; describe, if given, explains a timeout.
func waitFor(t *testing.T, what string, cond func() bool, describe ...func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			state := ""
			for _, d := range describe {
				state += "\n" + d()
			}
			t.Fatalf("timed out waiting for %s%s", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
