package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// pipeListener is an in-memory network for the fake API: HTTP over
// net.Pipe, so that the whole exchange runs inside a synctest bubble, on
// its clock.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// gauge returns the value of the self-metric name with the given labels.
func gauge(t *testing.T, a *App, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	gathered, err := a.SelfRegistry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	mfs := map[string]*dto.MetricFamily{}
	for _, mf := range gathered {
		mfs[mf.GetName()] = mf
	}
	return value(mfs, name, labels)
}

// A fleet whose listing does not fit the configured interval within the
// API budget share: 3,000 SIMs (30 pages) every minute against a /sims
// limit of 20 a minute, at the default share of 0.5 (10 pages a minute).
// The exporter lengthens the interval (30 pages or a few more, as the fake
// pages, at 90 % of 10 a minute: 200 s or a little more), paces its listing, never gets a 429, keeps its data fresh, and
// says so in its metrics.
func TestFleetTooLargeForItsIntervalPollsWithinTheShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := soracomfake.New(soracomfake.Options{Seed: 7, SIMs: 3000, Coverages: []string{"jp"}, WallClock: time.Now,
			RateLimitPerMinute: map[string]int{"/sims": 20}})
		l := newPipeListener()
		srv := &http.Server{Handler: fake.Handler("jp")}
		go func() { _ = srv.Serve(l) }()
		transport := &http.Transport{DialContext: l.dial}
		defer func() {
			transport.CloseIdleConnections()
			_ = srv.Close()
			_ = l.Close()
		}()

		cfg := sessionsOnly(time.Minute, 0, 0)
		cfg.SIMs.SessionEvents.Enabled = false
		cr := fake.Credentials()
		a, err := New(Settings{
			Config: cfg,
			Targets: []Target{{Account: "main", Coverage: soracom.CoverageJapan, Endpoint: "http://soracom.test",
				Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}}},
			HTTPClient: &http.Client{Transport: transport},
		}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()

		// Warm-up: the first polls learn the size of the fleet and the
		// limit; then half an hour of steady polling.
		time.Sleep(15 * time.Minute)
		warm429 := fake.CallsWithStatus("jp", http.MethodGet, "/sims", http.StatusTooManyRequests)
		warmPages := fake.CallsWithStatus("jp", http.MethodGet, "/sims", http.StatusOK)
		time.Sleep(30 * time.Minute)
		pages := fake.CallsWithStatus("jp", http.MethodGet, "/sims", http.StatusOK) - warmPages

		if n := fake.CallsWithStatus("jp", http.MethodGet, "/sims", http.StatusTooManyRequests) - warm429; n != 0 {
			t.Errorf("%d answers to GET /sims were 429 in steady state", n)
		}
		if n, _ := gauge(t, a, "soracom_exporter_api_requests_total", map[string]string{"code": "429"}); n != 0 {
			t.Errorf("soracom_exporter_api_requests_total{code=\"429\"} = %v", n)
		}
		// Half an hour at 90 % of the share: 270 pages.
		if pages > 300 || pages < 200 {
			t.Errorf("%d pages of /sims in half an hour; the share allows 300, the plan 270", pages)
		}
		sessions := map[string]string{"source": "sessions", "account": "main", "coverage": "jp"}
		with := func(k, v string) map[string]string {
			m := map[string]string{k: v}
			for k, v := range sessions {
				m[k] = v
			}
			return m
		}
		if v, _ := gauge(t, a, "soracom_exporter_source_interval_seconds", with("kind", "configured")); v != 60 {
			t.Errorf("configured interval %v, want 60", v)
		}
		effective, _ := gauge(t, a, "soracom_exporter_source_interval_seconds", with("kind", "effective"))
		if effective < 200 || effective > 240 {
			t.Errorf("effective interval %v, want 200 to 240", effective)
		}
		if v, _ := gauge(t, a, "soracom_exporter_source_max_age_seconds", sessions); v != 3*effective {
			t.Errorf("max age %v, want 3 effective intervals (%v)", v, 3*effective)
		}
		if v, ok := gauge(t, a, "soracom_exporter_api_budget_used_ratio", map[string]string{"operation": "/sims"}); !ok || v > 0.5 || v < 0.4 {
			t.Errorf("soracom_exporter_api_budget_used_ratio{operation=\"/sims\"} = %v (reported %v); want 0.45", v, ok)
		}
		if v, _ := gauge(t, a, "soracom_exporter_source_stale", sessions); v != 0 {
			t.Error("the sessions data is stale")
		}
		st := a.Scheduler.Statuses()[0]
		if st.Failures > 2 || st.Items != 3000 {
			t.Errorf("%d of %d polls failed, %d SIMs in the last (want at most the warm-up's two, 3000); last error: %s", st.Failures, st.Polls, st.Items, st.LastError)
		}

		cancel()
		<-done
	})
}
