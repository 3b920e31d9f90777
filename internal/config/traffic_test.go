package config

import (
	"testing"
	"time"
)

func TestTrafficSourcesAreOptInWithDefaults(t *testing.T) {
	c := mustLoad(t, "testdata/valid/minimal.yml")
	if c.Sources.Air.Enabled || c.Sources.Billing.Enabled {
		t.Fatal("air or billing enabled without being asked for")
	}
	wantEqual(t, "air interval", time.Duration(c.Sources.Air.Interval), 5*time.Minute)
	wantEqual(t, "air mode", c.Sources.Air.Mode, AirModeExport)
	wantEqual(t, "air per-SIM cap", c.Sources.Air.PerSIMMaxCalls, 100)
	wantEqual(t, "air export wait", time.Duration(c.Sources.Air.ExportWait), time.Second)
	wantEqual(t, "billing interval", time.Duration(c.Sources.Billing.Interval), time.Hour)
}

func TestTrafficSourcesOwnKeys(t *testing.T) {
	c := mustLoad(t, "testdata/valid/traffic.yml")
	a, b := c.Sources.Air, c.Sources.Billing
	wantEqual(t, "air enabled", a.Enabled, true)
	wantEqual(t, "air timeout", time.Duration(a.Timeout), 4*time.Minute)
	wantEqual(t, "air max_age", time.Duration(a.MaxAge), 30*time.Minute)
	wantEqual(t, "air mode", a.Mode, AirModePerSIM)
	wantEqual(t, "air per-SIM cap", a.PerSIMMaxCalls, 50)
	wantEqual(t, "air listing refresh", time.Duration(a.SIMListRefresh), 30*time.Minute)
	wantEqual(t, "billing enabled", b.Enabled, true)
	wantEqual(t, "billing export", b.PerSIMExport, true)
	wantEqual(t, "billing listing refresh", time.Duration(b.SIMListRefresh), time.Hour)
}
