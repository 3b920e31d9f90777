package main

import (
	"io"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/source"
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
	if s.SIMs.Aggregate || s.SIMs.MaxSeries != 0 || s.SIMs.EventBudget != 200 || s.SIMs.CellLocations || s.Webhook.Enabled {
		t.Fatalf("defaults: %+v %+v", s.SIMs, s.Webhook)
	}

	f = parseFlags(t, "--soracom.auth-key-id=keyId-x", "--sim.metrics=aggregate", "--sims.max-series=1000",
		"--no-sims.session-events", "--sims.cell-locations", "--webhook.enable", "--webhook.rate=2")
	if s, err = loadSettings(f, lookup, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !s.SIMs.Aggregate || s.SIMs.MaxSeries != 1000 || s.SIMs.EventBudget >= 0 || !s.SIMs.CellLocations ||
		s.SIMs.CellBudget != source.DefaultCellBudget {
		t.Fatalf("sims: %+v", s.SIMs)
	}
	w := s.Webhook
	if !w.Enabled || w.Secret != "hook-secret" || w.Path != "/webhook/session" || w.Rate != 2 {
		t.Fatalf("webhook: %+v", w)
	}

	delete(env, webhookSecretEnv)
	_, err = loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--webhook.enable"), lookup, io.Discard)
	if err == nil || !strings.Contains(err.Error(), webhookSecretEnv) || strings.Contains(err.Error(), "hook-secret") {
		t.Fatalf("webhook without a secret: %v", err)
	}

	var bad flags
	a := newFlagParser(&bad)
	a.Terminate(nil)
	if _, err := a.Parse([]string{"--sim.metrics=per-imsi"}); err == nil {
		t.Fatal("--sim.metrics accepted an unknown mode")
	}
}
