package source

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// BenchmarkCallsPerCycle10kSIMs measures the API calls of one poll of
// 10,000 SIMs of which 1% changed session since the previous poll, and
// checks that they grow with the changed SIMs, not with the fleet: the
// listing's pages, one groups listing, and one session log read per
// changed SIM. It is a benchmark so that the CI run stays short (the test
// TestFlapBetweenPollsCountedExactly checks the same rule on a small
// fleet); docs/benchmarks.md reports its figures:
//
//	go test ./internal/source -run '^$' -bench CallsPerCycle -benchtime 1x
func BenchmarkCallsPerCycle10kSIMs(b *testing.B) {
	for b.Loop() {
		callsPerCycle(b)
	}
}

func callsPerCycle(t testing.TB) {
	const sims, changing = 10_000, 100
	fake := soracomfake.New(soracomfake.Options{Seed: 51, SIMs: sims, Coverages: []string{"jp"}})
	// Not held to the definition here: the other tests are, and validating
	// 10,000 SIMs under the race detector would take most of the run.
	srv := httptest.NewServer(fake.Handler(soracomfake.CoverageJapan))
	defer srv.Close()
	c := fakeClient(t, fake, srv.URL)
	src := NewSessions(SessionsOptions{SessionEvents: true})
	target := Target{Account: "bench", Coverage: soracom.CoverageJapan, Client: c}
	if _, err := src.Poll(context.Background(), target); err != nil {
		t.Fatal(err)
	}

	// 1% of the fleet changes within the minute: devices going offline or
	// coming back, some flapping (down and up) inside the interval.
	ids := fake.SimIDs("jp")
	r := rand.New(rand.NewPCG(1, 2))
	changed := map[string]bool{}
	for len(changed) < changing {
		id := ids[r.IntN(len(ids))]
		s, _ := fake.SIM(id)
		if changed[id] || s.Status != "active" {
			continue
		}
		changed[id] = true
		if err := fake.SetOnline(id, !s.Online); err != nil {
			t.Fatal(err)
		}
		if len(changed)%4 == 0 { // a flap: back to where it was
			fake.Advance(time.Second)
			if err := fake.SetOnline(id, s.Online); err != nil {
				t.Fatal(err)
			}
		}
	}
	fake.ResetCounters()
	start := time.Now()
	if _, err := src.Poll(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)

	list := fake.Calls("jp", "GET", "/sims")
	groups := fake.Calls("jp", "GET", "/groups")
	events := fake.Calls("jp", "GET", eventsOp)
	total := fake.TotalCalls()
	if b, ok := t.(*testing.B); ok {
		b.ReportMetric(float64(total), "calls/cycle")
		b.ReportMetric(float64(events), "event-calls/cycle")
	}
	t.Logf("10,000 SIMs, %d changed: %d calls per cycle = %d listSims pages + %d listGroups + %d listSimSessionEvents (+%d other); poll took %s",
		changing, total, list, groups, events, total-list-groups-events, took.Round(time.Millisecond))
	if list < sims/soracom.PageSize || list > 2*sims/soracom.PageSize {
		t.Errorf("%d listing pages for %d SIMs", list, sims)
	}
	if events < changing || events > 2*changing {
		t.Errorf("%d session event calls for %d changed SIMs: calls must follow the changes", events, changing)
	}
}

// BenchmarkRefresh10kSIMs measures one webhook refresh on a 10,000-SIM
// target: getSubscriber and getSim over loopback HTTP, then the target's
// snapshot rendered again with that SIM replaced.
//
//	go test ./internal/source -run '^$' -bench Refresh10k
func BenchmarkRefresh10kSIMs(b *testing.B) {
	fake := soracomfake.New(soracomfake.Options{Seed: 52, SIMs: 10_000, Coverages: []string{"jp"}})
	srv := httptest.NewServer(fake.Handler(soracomfake.CoverageJapan))
	defer srv.Close()
	c := fakeClient(b, fake, srv.URL)
	src := NewSessions(SessionsOptions{SessionEvents: true})
	target := Target{Account: "bench", Coverage: soracom.CoverageJapan, Client: c}
	if _, err := src.Poll(context.Background(), target); err != nil {
		b.Fatal(err)
	}
	sim, _ := fake.SIM(fake.SimIDs("jp")[0])
	for b.Loop() {
		if _, err := src.Refresh(context.Background(), target, SIMRef{IMSI: sim.IMSI}); err != nil {
			b.Fatal(err)
		}
	}
}
