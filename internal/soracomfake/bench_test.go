package soracomfake

import (
	"net/http/httptest"
	"testing"
	"time"
)

func BenchmarkNew100k(b *testing.B) {
	for b.Loop() {
		New(Options{Seed: int64(b.N), SIMs: 100_000, Start: testStart})
	}
}

func BenchmarkAdvanceHour100k(b *testing.B) {
	f := New(Options{Seed: 1, SIMs: 100_000, Start: testStart})
	b.ResetTimer()
	for b.Loop() {
		f.Advance(time.Hour)
	}
}

// BenchmarkListSimsPage100k serves one 100-SIM page out of a 100,000-SIM
// fleet: the cost must be the page's, not the fleet's.
func BenchmarkListSimsPage100k(b *testing.B) {
	f := New(Options{Seed: 1, SIMs: 100_000, Start: testStart, DefaultRateLimit: 1 << 30})
	srv := httptest.NewServer(f.Handler("jp"))
	defer srv.Close()
	s := (&host{t: b, url: srv.URL}).login(f.Credentials())
	ids := f.SimIDs("jp")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := s.get("/v1/sims?limit=100&last_evaluated_key=" + ids[(i*100)%len(ids)])
		if r.status != 200 {
			b.Fatalf("HTTP %d", r.status)
		}
	}
}
