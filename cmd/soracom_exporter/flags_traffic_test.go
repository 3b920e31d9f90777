package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/source"
)

func TestTrafficFlags(t *testing.T) {
	env := map[string]string{"SORACOM_AUTH_KEY_ID": "keyId-x", "SORACOM_AUTH_KEY": "secret-x", "SORACOM_WEBHOOK_SECRET": "s"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	s, err := loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x"), lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.Air.Enabled || s.Billing.Enabled {
		t.Fatal("air or billing on by default")
	}

	s, err = loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--source.air.enabled", "--source.air.interval=20s",
		"--source.air.mode=per_sim", "--source.air.per-sim-max-calls=7", "--source.billing.enabled", "--source.billing.per-sim-export",
		"--sims.filter.status=active"), lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Air.Enabled || s.Air.Interval != 20*time.Second || s.Air.Timeout != 20*time.Second || s.Air.MaxAge != time.Minute {
		t.Fatalf("air schedule %+v", s.Air)
	}
	if s.AirOptions.Mode != source.AirModePerSIM || s.AirOptions.PerSIMMaxCalls != 7 || s.AirOptions.Filter.Statuses[0] != "active" {
		t.Fatalf("air options %+v", s.AirOptions)
	}
	if !s.Billing.Enabled || s.Billing.Interval != time.Hour || !s.BillingOptions.PerSIMExport {
		t.Fatalf("billing %+v %+v", s.Billing, s.BillingOptions)
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
