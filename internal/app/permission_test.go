package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// stepClock is the API client's clock and the fake's wall clock: a sleep
// moves it at once, and the test moves it between polls.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logCapture is a slog.Handler that keeps every record, with the
// attributes of the logger that made it.
type logCapture struct {
	mu      *sync.Mutex
	records *[]slog.Record
	attrs   []slog.Attr
}

func newLogCapture() *logCapture { return &logCapture{mu: &sync.Mutex{}, records: &[]slog.Record{}} }

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.records = append(*h.records, r)
	return nil
}

func (h *logCapture) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(slices.Clone(h.attrs), attrs...)
	return &c
}

func (h *logCapture) WithGroup(string) slog.Handler { return h }

// find returns the records at level whose message contains msg and whose
// attribute key has the value value.
func (h *logCapture) find(level slog.Level, msg, key, value string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range *h.records {
		if r.Level == level && strings.Contains(r.Message, msg) && attr(r, key) == value {
			out = append(out, r)
		}
	}
	return out
}

// attr returns the value of a record's attribute, "" when it has none.
func attr(r slog.Record, key string) string {
	v := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
		}
		return v == ""
	})
	return v
}

// A SAM user whose policy lacks one permission (exportAirStats, which the
// air source needs), with every source enabled, over ten polls: one
// POST /v1/auth in all, the sessions and billing sources serve their data
// at every poll, the air source fails every poll with an error naming the
// missing permission, every 403 is counted, and the log names the denied
// operation once at warning level.
func TestMissingPermissionFailsOneSourceAndCostsOneAuthentication(t *testing.T) {
	const (
		polls     = 10
		denied    = "exportAirStats"
		deniedOp  = "/stats/air/operators/{operator_id}/export"
		sims      = 16
		coverage  = "jp"
		sourceAir = "air"
	)
	clock := &stepClock{now: time.Now()}
	fake := soracomfake.New(soracomfake.Options{Seed: 3, SIMs: sims, Coverages: []string{coverage},
		WallClock: clock.Now, DeniedOperations: []string{denied}})
	fake.Advance(30 * time.Hour) // usage and a bill in the month
	spec := apispec.New()
	srv := httptest.NewServer(spec.Wrap(fake.Handler(coverage)))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { apispec.Require(t, spec) })

	cfg := sessionsOnly(time.Minute, 30*time.Second, time.Hour)
	cfg.Sources.Air.SourceConfig = config.SourceConfig{Enabled: true, Interval: config.Duration(time.Minute),
		Timeout: config.Duration(30 * time.Second), MaxAge: config.Duration(time.Hour)}
	cfg.Sources.Billing.SourceConfig = cfg.Sources.Air.SourceConfig
	cr := fake.Credentials()
	logs := newLogCapture()
	a, err := New(Settings{
		Config: cfg,
		Targets: []Target{{Account: "main", Coverage: soracom.CoverageJapan, Endpoint: srv.URL,
			Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}}},
		ClientOptions: soracom.Options{Clock: clock},
	}, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	metrics := httptest.NewServer(a.Exposition.MetricsHandler())
	t.Cleanup(metrics.Close)
	h := &harness{fake: fake, app: a, metrics: metrics}

	for i := range polls {
		err := a.Scheduler.RunOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), sourceAir) {
			t.Fatalf("poll %d: RunOnce returned %v, want the air source's failure", i+1, err)
		}
		for _, st := range a.Scheduler.Statuses() {
			switch {
			case st.Key.Source == sourceAir:
				for _, want := range []string{"403", denied, "SAM"} {
					if st.Succeeded || !strings.Contains(st.LastError, want) {
						t.Fatalf("poll %d: air succeeded %v, error %q; want a failure naming %q", i+1, st.Succeeded, st.LastError, want)
					}
				}
			case !st.Succeeded:
				t.Fatalf("poll %d: %s failed: %s", i+1, st.Key.Source, st.LastError)
			}
		}
		mfs := h.scrape(t)
		if n := len(mfs["soracom_sim_session_online"].GetMetric()); n != sims {
			t.Fatalf("poll %d: %d SIMs served, want %d", i+1, n, sims)
		}
		if _, ok := value(mfs, "soracom_bill_amount", nil); !ok {
			t.Fatalf("poll %d: no soracom_bill_amount served", i+1)
		}
		clock.advance(time.Minute)
	}

	if n := fake.Calls(coverage, http.MethodPost, "/auth"); n != 1 {
		t.Errorf("%d POST /v1/auth over %d polls, want exactly 1", n, polls)
	}
	if n := fake.CallsWithStatus(coverage, http.MethodPost, deniedOp, http.StatusForbidden); n != polls {
		t.Errorf("the fake answered %d calls of %s with 403, want %d (one per poll, no retry)", n, denied, polls)
	}

	mfs := h.scrape(t)
	if _, ok := mfs["soracom_sim_air_bytes_total"]; ok {
		t.Error("air usage served although every export was denied")
	}
	forbidden := 0.0
	for _, m := range mfs["soracom_exporter_api_requests_total"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "code" && lp.GetValue() == "403" {
				forbidden += m.GetCounter().GetValue()
			}
		}
	}
	if forbidden != polls {
		t.Errorf("soracom_exporter_api_requests_total{code=\"403\"} sums to %v, want %d", forbidden, polls)
	}
	if v, _ := value(mfs, "soracom_exporter_api_requests_total", map[string]string{"operation": deniedOp, "code": "403"}); v != polls {
		t.Errorf("soracom_exporter_api_requests_total{operation=%q,code=\"403\"} = %v, want %d", deniedOp, v, polls)
	}
	if v, _ := value(mfs, "soracom_exporter_auth_total", map[string]string{"result": "success"}); v != 1 {
		t.Errorf("soracom_exporter_auth_total{result=\"success\"} = %v, want 1", v)
	}
	for _, src := range []string{"sessions", sourceAir, "billing"} {
		want := 1.0
		if src == sourceAir {
			want = 0
		}
		if v, ok := value(mfs, "soracom_exporter_source_success", map[string]string{"source": src}); !ok || v != want {
			t.Errorf("soracom_exporter_source_success{source=%q} = %v (present %v), want %v", src, v, ok, want)
		}
		if v, _ := value(mfs, "soracom_exporter_source_failures_total", map[string]string{"source": src}); v != polls*(1-want) {
			t.Errorf("soracom_exporter_source_failures_total{source=%q} = %v, want %v", src, v, polls*(1-want))
		}
	}
	if v, _ := value(mfs, "soracom_up", nil); v != 0 {
		t.Errorf("soracom_up = %v although the air source fails", v)
	}

	denial := "permission denied"
	warned := logs.find(slog.LevelWarn, denial, "operation", http.MethodPost+" "+deniedOp)
	if len(warned) != 1 {
		t.Errorf("%d warnings name the missing permission of %s, want 1", len(warned), deniedOp)
	}
	for _, r := range warned {
		if code := attr(r, "code"); code != "FAKE0403" {
			t.Errorf("the warning carries the error code %q, want the API's, FAKE0403", code)
		}
	}
	if later := logs.find(slog.LevelDebug, denial, "operation", http.MethodPost+" "+deniedOp); len(later) != polls-1 {
		t.Errorf("%d later denials logged at debug level, want %d", len(later), polls-1)
	}
}
