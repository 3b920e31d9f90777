package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// TestWebhookEndToEnd: the fake's Event Handler sees a session go down and
// calls the exporter's webhook; the SIM's metrics change long before the
// next poll (an hour away), through the configured secret, on the right
// coverage of two. The time from the call to the updated metric is logged
// for docs/benchmarks.md:
//
//	go test ./internal/app -run TestWebhookEndToEnd -v
func TestWebhookEndToEnd(t *testing.T) {
	fake := soracomfake.New(soracomfake.Options{Seed: 61, SIMs: 120})
	spec := apispec.New()
	cr := fake.Credentials()
	const secret = "event-handler-secret"
	cfg := sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)
	cfg.Webhook.Enabled = true
	s := Settings{
		Config:        cfg,
		WebhookSecret: secret,
		ClientOptions: soracom.Options{RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, MaxAttempts: 2},
	}
	for _, c := range soracom.Coverages {
		srv := httptest.NewServer(spec.Wrap(fake.Handler(string(c))))
		t.Cleanup(srv.Close)
		s.Targets = append(s.Targets, Target{Account: "main", Coverage: c, Endpoint: srv.URL,
			Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	}
	a, err := New(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Webhook == nil || a.WebhookPath != "/webhook/session" {
		t.Fatal("webhook not built")
	}
	metrics := httptest.NewServer(a.Exposition.MetricsHandler())
	t.Cleanup(metrics.Close)
	hook := httptest.NewServer(a.Webhook)
	t.Cleanup(hook.Close)
	t.Cleanup(func() { apispec.Require(t, spec) })
	h := &harness{fake: fake, app: a, metrics: metrics}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, "the first poll", func() bool {
		_, ok := value(h.scrape(t), "soracom_sims_online", map[string]string{"coverage": "g"})
		return ok
	})

	// A Global-coverage SIM online now, so the Japan target must not be the
	// one refreshed.
	var sim soracomfake.SIMState
	for _, st := range fake.SIMs("g") {
		if st.Online && st.Cell != nil {
			sim = st
			break
		}
	}
	if sim.SIMID == "" {
		t.Fatal("no online SIM on Global coverage")
	}
	rules := []soracomfake.EventHandlerRule{
		{SessionStatus: "Deleted", URL: hook.URL, Headers: map[string]string{webhook.DefaultSecretHeader: secret},
			Body: webhook.BodyTemplate("Deleted")},
		{SessionStatus: "Created", URL: hook.URL, Headers: map[string]string{webhook.DefaultSecretHeader: secret},
			Body: webhook.BodyTemplate("Created")},
	}
	eh := fake.NewEventHandler(nil, rules...)
	if err := fake.SetOnline(sim.SIMID, false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if n, err := eh.Dispatch(ctx); err != nil || n != 1 {
		t.Fatalf("event handler sent %d calls: %v", n, err)
	}
	waitFor(t, "the webhook refresh", func() bool {
		v, ok := value(h.scrape(t), "soracom_sim_session_online", map[string]string{"sim_id": sim.SIMID})
		return ok && v == 0
	})
	took := time.Since(start)
	t.Logf("webhook call to updated metric: %s (Event Handler POST, refresh with getSubscriber + getSim, re-render of %d SIMs, scrape)",
		took.Round(time.Millisecond), fake.SimCount("g"))

	if n := fake.Calls("g", "GET", "/sims"); n == 0 || n > fake.SimCount("g")/soracom.PageSize+2 {
		t.Fatalf("the refresh listed the fleet again: %d listSims calls", n)
	}
	if fake.Calls("jp", "GET", "/sims/{sim_id}") != 0 {
		t.Fatal("the Japan target was refreshed for a Global SIM")
	}
	mfs := h.scrape(t)
	if _, ok := value(mfs, "soracom_sim_session_info", map[string]string{"sim_id": sim.SIMID}); ok {
		t.Fatal("the offline SIM kept its session_info")
	}
	if v, _ := value(mfs, "soracom_exporter_webhook_refreshes_total", map[string]string{"result": "success"}); v != 1 {
		t.Fatalf("webhook refreshes %v", v)
	}
}
