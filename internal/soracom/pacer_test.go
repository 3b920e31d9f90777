package soracom_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
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

func (p *countingPacer) Take(op string, _ time.Time, _ time.Duration) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	if p.calls[op] == 1 {
		return 0, true
	}
	return time.Second, true
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

// refusingPacer reserves nothing: every call's moment is beyond its
// deadline.
type refusingPacer struct{}

func (p *refusingPacer) Take(string, time.Time, time.Duration) (time.Duration, bool) {
	return time.Hour, false
}

// A call the pacer cannot place before the context's deadline fails at
// once, as a deadline error, and is never sent.
func TestPacedCallBeyondItsDeadlineIsNotSent(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 10, Coverages: []string{jp}}, nil)
	ctx, cancel := context.WithTimeout(soracom.WithPacer(context.Background(), &refusingPacer{}), time.Minute)
	defer cancel()
	start := e.clock.Now()
	err := e.client.ListSims(ctx, func(*soracom.Sim) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "paced to wait 1h0m0s") {
		t.Fatalf("ListSims: %v; want a deadline error naming the pacing", err)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusOK); n != 0 || e.clock.Now() != start {
		t.Fatalf("%d pages sent, %v waited", n, e.clock.Now().Sub(start))
	}
}
