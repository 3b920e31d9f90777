package source

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// benchTarget is a 10,000-SIM Japan fleet two days into a month, without
// the spec validator (its cost is the test's, not the exporter's) and
// without rate limits (pacing would measure the limit, not the work).
func benchTarget(b *testing.B, sims int) (*soracomfake.Fake, Target) {
	b.Helper()
	fake := soracomfake.New(soracomfake.Options{Seed: 11, SIMs: sims, Coverages: []string{"jp"}, DefaultRateLimit: 1_000_000,
		Start: time.Date(2025, time.November, 3, 0, 0, 0, 0, time.UTC)})
	srv := httptest.NewServer(fake.Handler("jp"))
	b.Cleanup(srv.Close)
	c := fakeClient(b, fake, srv.URL)
	return fake, Target{Account: "bench", Coverage: soracom.CoverageJapan, Client: c}
}

// benchCycles polls src b.N times, each after five minutes of fake time,
// and reports the API calls of one cycle. first runs once before timing.
func benchCycles(b *testing.B, fake *soracomfake.Fake, target Target, src Source, first bool) {
	if first {
		if _, err := src.Poll(context.Background(), target); err != nil {
			b.Fatal(err)
		}
	}
	fake.ResetCounters()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		fake.Advance(5 * time.Minute)
		b.StartTimer()
		if _, err := src.Poll(context.Background(), target); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fake.TotalCalls())/float64(b.N), "calls/op")
}

// BenchmarkAirCycle10k: a steady export cycle (the SIM listing is reused).
func BenchmarkAirCycle10k(b *testing.B) {
	fake, target := benchTarget(b, 10_000)
	benchCycles(b, fake, target, NewAir(AirOptions{Now: fake.Now, ExportFirstPoll: time.Millisecond}), true)
}

// BenchmarkAirFirstCycle10k: the first cycle, which also lists every SIM.
func BenchmarkAirFirstCycle10k(b *testing.B) {
	fake, target := benchTarget(b, 10_000)
	for range b.N {
		b.StopTimer()
		air := NewAir(AirOptions{Now: fake.Now, ExportFirstPoll: time.Millisecond})
		fake.ResetCounters()
		b.StartTimer()
		if _, err := air.Poll(context.Background(), target); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fake.TotalCalls()), "calls/op")
}

// BenchmarkBillingCycle10k: summaries (top 100 SIMs).
func BenchmarkBillingCycle10k(b *testing.B) {
	fake, target := benchTarget(b, 10_000)
	benchCycles(b, fake, target, NewBilling(BillingOptions{Now: fake.Now}), true)
}

// BenchmarkBillingExportCycle10k: every SIM's cost from the billing CSV.
func BenchmarkBillingExportCycle10k(b *testing.B) {
	fake, target := benchTarget(b, 10_000)
	benchCycles(b, fake, target, NewBilling(BillingOptions{Now: fake.Now, PerSIMExport: true, ExportFirstPoll: time.Millisecond}), true)
}
