package app

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/exptest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestMetricsGoldenText compares a whole /metrics, every source enabled,
// with testdata/metrics.prom as text (go test ./internal/app -run Golden
// -update rewrites it), and runs promlint on it. Left out of the
// comparison: the Go runtime's and the process's metrics and the build
// information, which vary with the machine and toolchain, and the values
// of durations and wall-clock readings; their series must be there.
func TestMetricsGoldenText(t *testing.T) {
	cfg := sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)
	cfg.Sources.Air.SourceConfig = config.SourceConfig{Enabled: true, Interval: config.Duration(time.Hour),
		Timeout: config.Duration(30 * time.Second), MaxAge: config.Duration(3 * time.Hour)}
	cfg.Sources.Billing.SourceConfig = cfg.Sources.Air.SourceConfig
	cfg.Sources.Air.ExportWait = config.Duration(time.Millisecond)
	h := newHarnessConfig(t, 12, cfg)
	h.fake.Advance(30 * time.Hour) // usage and a bill in the month
	if err := h.app.Scheduler.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.app.MetricsHandler(40))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	exptest.Golden(t, filepath.Join("testdata", "metrics.prom"), text, *update,
		exptest.DropFamilies("go_", "process_", "soracom_exporter_build_info"),
		exptest.MaskValues("soracom_exporter_source_last_success_timestamp_seconds", "soracom_exporter_source_duration_seconds",
			"soracom_exporter_api_request_duration_seconds", "soracom_exporter_config_last_reload_success_timestamp_seconds",
			"soracom_exporter_export_duration_seconds", "soracom_sim_bill_last_read_timestamp_seconds",
			// The fake counts its rate limits in wall-clock minutes.
			"soracom_exporter_api_ratelimit_remaining"))
	exptest.Lint(t, text, nil)
}
