package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
)

func TestTrafficFlags(t *testing.T) {
	env := map[string]string{"SORACOM_AUTH_KEY_ID": "keyId-x", "SORACOM_AUTH_KEY": "secret-x", "SORACOM_WEBHOOK_SECRET": "s"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	s, err := loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x"), lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.Config.Sources.Air.Enabled || s.Config.Sources.Billing.Enabled {
		t.Fatal("air or billing on by default")
	}

	s, err = loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--source.air.enabled", "--source.air.interval=20s",
		"--source.air.mode=per_sim", "--source.air.per-sim-max-calls=7", "--source.billing.enabled", "--source.billing.per-sim-export",
		"--sims.filter.status=active"), lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	air, billing := s.Config.AirSettings(), s.Config.BillingSettings()
	if !air.Enabled || air.Interval != config.Duration(20*time.Second) || air.Timeout != config.Duration(20*time.Second) ||
		air.MaxAge != config.Duration(time.Minute) {
		t.Fatalf("air schedule %+v", air.SourceConfig)
	}
	if air.Mode != config.AirModePerSIM || air.PerSIMMaxCalls != 7 || air.Filters.Status[0] != "active" {
		t.Fatalf("air options %+v", air)
	}
	if !billing.Enabled || billing.Interval != config.Duration(time.Hour) || !billing.PerSIMExport {
		t.Fatalf("billing %+v", billing)
	}

	if _, err := loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--source.air.enabled", "--source.air.mode=all"), lookup, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "sources.air.mode") {
		t.Fatalf("unknown mode: %v", err)
	}

	cfg := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(cfg, []byte("accounts: [{name: a, credentials: {auth_key_id: keyId-x, auth_key_env: SORACOM_AUTH_KEY}}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSettings(parseFlags(t, "--config.file="+cfg, "--source.air.enabled"), lookup, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--source.air.enabled cannot be combined") {
		t.Fatalf("flag with a configuration file: %v", err)
	}
}
