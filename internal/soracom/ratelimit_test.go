package soracom

import (
	"net/http"
	"testing"
	"time"
)

func headers(limit, remaining, refresh string) http.Header {
	h := http.Header{}
	h.Set("X-Soracom-Ratelimit-Limit", limit)
	h.Set("X-Soracom-Ratelimit-Remaining", remaining)
	h.Set("X-Soracom-Ratelimit-Seconds-Before-Refresh", refresh)
	return h
}

func TestParseRateLimit(t *testing.T) {
	rl := parseRateLimit(headers("300", "12", "41"))
	if !rl.Present || rl.Limit != 300 || rl.Remaining != 12 || rl.Refresh != 41*time.Second {
		t.Fatalf("got %+v", rl)
	}
	if rl := parseRateLimit(headers("x", "1", "1")); rl.Present {
		t.Fatalf("garbage limit accepted: %+v", rl)
	}
	if rl := parseRateLimit(headers("10", "1", "")); !rl.Present || rl.Refresh != time.Minute {
		t.Fatalf("missing refresh should assume a minute: %+v", rl)
	}
}

func TestLimiterWaitsForRefreshAtReserve(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var l limiter
	if d := l.delay(now); d != 0 {
		t.Fatalf("unknown budget should not wait, got %v", d)
	}
	l.observe(RateLimit{Present: true, Limit: 100, Remaining: 5, Refresh: 20 * time.Second}, now)
	if d := l.delay(now); d != 20*time.Second {
		t.Fatalf("at the reserve (5%% of 100) the call must wait for the refresh, got %v", d)
	}
	// Every other caller waits too, until the refresh.
	if d := l.delay(now.Add(5 * time.Second)); d != 15*time.Second {
		t.Fatalf("second caller: got %v, want 15s", d)
	}
	if d := l.delay(now.Add(20 * time.Second)); d != 0 {
		t.Fatalf("after the refresh: got %v", d)
	}
}

func TestLimiterSpreadsCallsBelowHalfBudget(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var l limiter
	l.observe(RateLimit{Present: true, Limit: 100, Remaining: 80, Refresh: 30 * time.Second}, now)
	if d := l.delay(now); d != 0 {
		t.Fatalf("plenty of budget should not wait, got %v", d)
	}
	l.observe(RateLimit{Present: true, Limit: 100, Remaining: 25, Refresh: 30 * time.Second}, now)
	first, second := l.delay(now), l.delay(now)
	if first != 0 || second <= 0 || second > 30*time.Second {
		t.Fatalf("calls below half the budget should be spread: first %v, second %v", first, second)
	}
}

func TestLimiterKeepsLowestRemainingOfAWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var l limiter
	l.observe(RateLimit{Present: true, Limit: 100, Remaining: 3, Refresh: 10 * time.Second}, now)
	// A late answer to an earlier request says more was left: ignore it.
	l.observe(RateLimit{Present: true, Limit: 100, Remaining: 50, Refresh: 10 * time.Second}, now.Add(100*time.Millisecond))
	if d := l.delay(now.Add(200 * time.Millisecond)); d <= 0 {
		t.Fatalf("late, higher Remaining overrode the lower one (delay %v)", d)
	}
}

func TestLimiterAfter429(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var l limiter
	l.exhausted(7*time.Second, now)
	if d := l.delay(now.Add(2 * time.Second)); d != 5*time.Second {
		t.Fatalf("got %v, want 5s", d)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	h := http.Header{}
	h.Set("Retry-After", "12")
	if d, ok := retryAfter(h, now); !ok || d != 12*time.Second {
		t.Fatalf("seconds: %v %v", d, ok)
	}
	h.Set("Retry-After", now.Add(30*time.Second).UTC().Format(http.TimeFormat))
	if d, ok := retryAfter(h, now); !ok || d != 30*time.Second {
		t.Fatalf("date: %v %v", d, ok)
	}
	h.Set("Retry-After", "soon")
	if _, ok := retryAfter(h, now); ok {
		t.Fatal("garbage accepted")
	}
}

func TestLimitersOfOneGroupShareTheirBudget(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p := newLimiterPool()
	sims, sim, cells := p.newOp(), p.newOp(), p.newOp()
	sims.observe(RateLimit{Present: true, Limit: 100, Remaining: 50, Refresh: 30 * time.Second}, now)
	// The same limit and refresh (to within the rounding of the header):
	// one bucket.
	sim.observe(RateLimit{Present: true, Limit: 100, Remaining: 49, Refresh: 29 * time.Second}, now.Add(600*time.Millisecond))
	// Another window: a bucket of its own.
	cells.observe(RateLimit{Present: true, Limit: 100, Remaining: 90, Refresh: 50 * time.Second}, now)
	if p.shares(sims) != 2 || p.shares(sim) != 2 || p.shares(cells) != 1 {
		t.Fatalf("shares: sims %d, sim %d, cells %d", p.shares(sims), p.shares(sim), p.shares(cells))
	}
	// Calls of one count against the other: 44 calls of /sims leave the
	// reserve (5), and /sims/{sim_id} waits for the refresh.
	for range 44 {
		sims.delay(now)
	}
	if d := sim.delay(now); d != 29600*time.Millisecond {
		t.Fatalf("the other operation of the group: delay %v, want the refresh (29.6s)", d)
	}
	if d := cells.delay(now); d != 0 {
		t.Fatalf("an operation outside the group waits %v", d)
	}
	// A 429 holds the whole group.
	later := now.Add(31 * time.Second)
	sim.exhausted(10*time.Second, later)
	if d := sims.delay(later); d != 10*time.Second {
		t.Fatalf("after a 429 of the group: delay %v", d)
	}
	// They part when their answers part.
	sim.observe(RateLimit{Present: true, Limit: 1000, Remaining: 999, Refresh: 60 * time.Second}, later)
	if p.shares(sims) != 1 || p.shares(sim) != 1 {
		t.Fatalf("after different answers: shares %d and %d", p.shares(sims), p.shares(sim))
	}
}
