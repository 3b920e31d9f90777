package soracom_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// countingPacer asks every call after the first to wait a second.
type countingPacer struct {
	mu    sync.Mutex
	calls map[string]int
}

func (p *countingPacer) Take(op string, _ time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	if p.calls[op] == 1 {
		return 0
	}
	return time.Second
}

// The client asks a context's pacer before every attempt and waits as it
// says; the authentication is neither counted nor paced. RateLimit reports
// the limit the API's answers carried.
func TestPacerCountsAndPacesEveryCall(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 350, Coverages: []string{jp}, RateLimitPerMinute: map[string]int{"/sims": 1000}}, nil)
	if _, ok := e.client.RateLimit("/sims"); ok {
		t.Fatal("a limit is known before any call")
	}
	p := &countingPacer{calls: map[string]int{}}
	start := e.clock.Now()
	var n int
	err := e.client.ListSims(soracom.WithPacer(context.Background(), p), func(*soracom.Sim) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	pages := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusOK)
	if p.calls["/sims"] != pages || len(p.calls) != 1 || n != 350 || pages < 4 {
		t.Fatalf("pacer counted %v for %d SIMs; the API answered %d pages", p.calls, n, pages)
	}
	if waited, want := e.clock.Now().Sub(start), time.Duration(pages-1)*time.Second; waited < want {
		t.Fatalf("the client waited %v; the pacer asked for %v", waited, want)
	}
	if limit, ok := e.client.RateLimit("/sims"); !ok || limit != 1000 {
		t.Fatalf("RateLimit(/sims) = %d, %v; want 1000", limit, ok)
	}
}
