package source

import (
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"runtime"
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// TestMonthOfChurn runs the sessions source for 30 days of the fake's clock,
// polling twice a day, while every day SIMs are registered, terminated
// and removed, sessions come and go, devices hand over. It checks that
// nothing accumulates: the source keeps state for exactly the SIMs listed,
// its heap and goroutines after the first days stay within 10 %, and no
// counter goes backwards.
func TestMonthOfChurn(t *testing.T) {
	fake := soracomfake.New(soracomfake.Options{Seed: 90, SIMs: 80, Coverages: []string{"jp"}, DefaultRateLimit: 1_000_000})
	srv := httptest.NewServer(fake.Handler(soracomfake.CoverageJapan))
	defer srv.Close()
	c := fakeClient(t, fake, srv.URL)
	e := &env{t: t, fake: fake, src: NewSessions(SessionsOptions{SessionEvents: true, SeedMetric: true}),
		target: Target{Account: "month", Coverage: soracom.CoverageJapan, Client: c}}
	rng := rand.New(rand.NewPCG(90, 3))
	last := map[string]float64{} // counter series → last value
	var terminated []string
	var heapAt, goroutinesAt uint64
	const days, pollsPerDay = 30, 2
	for day := range days {
		// The day's churn: new SIMs, a few terminated, yesterday's
		// terminated ones gone from the API.
		if _, err := fake.AddSIMs("jp", 3+rng.IntN(4)); err != nil {
			t.Fatal(err)
		}
		for _, id := range terminated {
			if err := fake.RemoveSIM(id); err != nil {
				t.Fatal(err)
			}
		}
		terminated = terminated[:0]
		ids := fake.SimIDs("jp")
		for range 3 + rng.IntN(4) {
			id := ids[rng.IntN(len(ids))]
			if !slices.Contains(terminated, id) && fake.SetStatus(id, "terminated") == nil {
				terminated = append(terminated, id)
			}
		}
		for range pollsPerDay {
			fake.Advance(24 * time.Hour / pollsPerDay)
			for _, s := range e.onlineWithCell(1) {
				_ = fake.Handover(s.SIMID)
			}
			mfs := e.poll()
			checkCountersGrow(t, day, mfs, last)
		}
		st := e.src.states.get(e.target, nil)
		st.mu.Lock()
		sims, set, imsis, queued := st.sims.len(), st.set.Len(), st.imsis.len(), len(st.queue)
		st.mu.Unlock()
		if want := fake.SimCount("jp"); sims != want || set != want {
			t.Fatalf("day %d: the source keeps %d records and %d rendered SIMs for %d SIMs listed", day, sims, set, want)
		}
		if imsis < sims || imsis > 3*sims || queued > sims {
			t.Fatalf("day %d: %d IMSIs indexed and %d event reads queued for %d SIMs", day, imsis, queued, sims)
		}
		heap, goroutines := settledHeap(), uint64(runtime.NumGoroutine())
		switch {
		case day == 4:
			heapAt, goroutinesAt = heap, goroutines
		case day > 4:
			if float64(heap) > 1.1*float64(heapAt) {
				t.Fatalf("day %d: heap %d bytes, %d on day 4: more than 10 %% growth", day, heap, heapAt)
			}
			if float64(goroutines) > 1.1*float64(goroutinesAt) {
				t.Fatalf("day %d: %d goroutines, %d on day 4", day, goroutines, goroutinesAt)
			}
		}
	}
}

// checkCountersGrow asserts that no counter series went backwards since the
// last poll, and forgets the series that are gone.
func checkCountersGrow(t *testing.T, day int, mfs map[string]*dto.MetricFamily, last map[string]float64) {
	t.Helper()
	seen := map[string]bool{}
	for name, mf := range mfs {
		if mf.GetType() != dto.MetricType_COUNTER {
			continue
		}
		for _, m := range mf.Metric {
			key := name + seriesKey(labels(m))
			v := m.GetCounter().GetValue()
			if prev, ok := last[key]; ok && v < prev {
				t.Fatalf("day %d: %s went back from %v to %v", day, key, prev, v)
			}
			last[key] = v
			seen[key] = true
		}
	}
	maps.DeleteFunc(last, func(k string, _ float64) bool { return !seen[k] })
}

func seriesKey(l map[string]string) string {
	s := "{"
	for _, k := range slices.Sorted(maps.Keys(l)) {
		s += k + "=" + l[k] + ","
	}
	return s + "}"
}

// settledHeap is the live heap after collection.
func settledHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
