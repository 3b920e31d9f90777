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
