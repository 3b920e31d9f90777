package source

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exptest"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// The golden tests compare each source's output with a file as text:
// families, HELP and TYPE lines, label names and values. promlint checks
// the same output. go test ./internal/source -run Golden -update rewrites
// the files after a deliberate change; review their diff.

// goldenStart is the fake clock's start for the air and billing goldens,
// in the middle of a month, so both the current and the previous month
// have data.
var goldenStart = time.Date(2025, time.November, 9, 6, 0, 0, 0, time.UTC)

func TestSessionsGoldenText(t *testing.T) {
	_, text := pollFake(t, soracomfake.Options{Seed: 11, SIMs: 40, Coverages: []string{"jp"}},
		SessionsOptions{SessionEvents: true, TagLabels: []string{"site"}, SeedMetric: true})
	exptest.Golden(t, filepath.Join("testdata", "golden", "sessions.prom"), text, *update)
	exptest.Lint(t, text, nil)
}

func TestAirGoldenText(t *testing.T) {
	for _, mode := range []string{AirModeExport, AirModePerSIM} {
		t.Run(mode, func(t *testing.T) {
			fake, target := fakeTarget(t, soracomfake.Options{Seed: 3, SIMs: 30, Coverages: []string{"jp"}, Start: goldenStart})
			fake.Advance(2 * time.Hour)
			text := renderText(t, pollOnce(t, NewAir(airOptions(fake, mode)), target), AirName)
			exptest.Golden(t, filepath.Join("testdata", "golden", "air_"+mode+".prom"), text, *update)
			exptest.Lint(t, text, nil)
		})
	}
}

func TestBillingGoldenText(t *testing.T) {
	for _, perSIM := range []bool{false, true} {
		name := map[bool]string{false: "summary", true: "per_sim_export"}[perSIM]
		t.Run(name, func(t *testing.T) {
			fake, target := fakeTarget(t, soracomfake.Options{Seed: 9, SIMs: 30, Coverages: []string{"jp"}, Start: goldenStart})
			fake.Advance(3 * time.Hour)
			src := NewBilling(BillingOptions{Now: fake.Now, PerSIMExport: perSIM, ExportFirstPoll: time.Millisecond})
			text := renderText(t, pollOnce(t, src, target), BillingName)
			exptest.Golden(t, filepath.Join("testdata", "golden", "billing_"+name+".prom"), text, *update)
			exptest.Lint(t, text, nil)
		})
	}
}
