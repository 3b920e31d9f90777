package main

import (
	"io"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
)

func parseFlags(t *testing.T, args ...string) *flags {
	t.Helper()
	var f flags
	a := newFlagParser(&f)
	a.Terminate(nil)
	if _, err := a.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestIntelligenceFlags(t *testing.T) {
	env := map[string]string{"SORACOM_AUTH_KEY_ID": "keyId-x", "SORACOM_AUTH_KEY": "secret-x", webhookSecretEnv: "hook-secret"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	f := parseFlags(t, "--soracom.auth-key-id=keyId-x")
	s, err := loadSettings(f, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sims := s.Config.SIMs
	if sims.Metrics != config.MetricsPerSIM || sims.MaxSeries != 0 || !sims.SessionEvents.Enabled || sims.SessionEvents.Budget != 200 ||
		sims.CellLocations.Enabled || s.Config.Webhook.Enabled {
		t.Fatalf("defaults: %+v %+v", sims, s.Config.Webhook)
	}

	f = parseFlags(t, "--soracom.auth-key-id=keyId-x", "--sim.metrics=aggregate", "--sims.max-series=1000",
		"--no-sims.session-events", "--sims.cell-locations", "--webhook.enable", "--webhook.rate=2")
	if s, err = loadSettings(f, lookup, io.Discard); err != nil {
		t.Fatal(err)
	}
	sims = s.Config.SIMs
	if sims.Metrics != config.MetricsAggregate || sims.MaxSeries != 1000 || sims.SessionEvents.Enabled || !sims.CellLocations.Enabled ||
		sims.CellLocations.Budget != config.Template().SIMs.CellLocations.Budget {
		t.Fatalf("sims: %+v", sims)
	}
	w := s.Config.Webhook
	if !w.Enabled || s.WebhookSecret != "hook-secret" || w.Path != "/webhook/session" || w.Rate != 2 {
		t.Fatalf("webhook: %+v", w)
	}

	delete(env, webhookSecretEnv)
	_, err = loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--webhook.enable"), lookup, io.Discard)
	if err == nil || !strings.Contains(err.Error(), webhookSecretEnv) || strings.Contains(err.Error(), "hook-secret") {
		t.Fatalf("webhook without a secret: %v", err)
	}

	_, err = loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--sim.metrics=per-imsi"), lookup, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `sims.metrics: unknown mode "per-imsi"`) {
		t.Fatalf("--sim.metrics accepted an unknown mode: %v", err)
	}
}
