package soracom

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is what the X-Soracom-Ratelimit-* headers of one response said.
type RateLimit struct {
	Present   bool
	Limit     int
	Remaining int
	// Refresh is X-Soracom-Ratelimit-Seconds-Before-Refresh.
	Refresh time.Duration
}

func parseRateLimit(h http.Header) RateLimit {
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get("X-Soracom-Ratelimit-Limit")))
	remaining, err2 := strconv.Atoi(strings.TrimSpace(h.Get("X-Soracom-Ratelimit-Remaining")))
	if err1 != nil || err2 != nil || limit <= 0 || remaining < 0 {
		return RateLimit{}
	}
	rl := RateLimit{Present: true, Limit: limit, Remaining: remaining}
	if s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Soracom-Ratelimit-Seconds-Before-Refresh")), 64); err == nil && s >= 0 && s < 3600 {
		rl.Refresh = time.Duration(s * float64(time.Second))
	} else {
		// The limits are per minute; without the header, assume the worst.
		rl.Refresh = time.Minute
	}
	return rl
}

// retryAfter reads Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// limiter paces the calls to one API path of one operator. SORACOM counts
// requests per operator, per path, per minute and tells how many are left and
// when the window refreshes. The limiter keeps a reserve for other users of
// the same account (the console, soracom-cli, other tools): once Remaining
// falls to the reserve it waits for the refresh, and below half of the limit
// it spreads the remaining calls over the rest of the window instead of
// spending them in a burst.
type limiter struct {
	mu          sync.Mutex
	known       bool
	limit       int
	remaining   int
	resetAt     time.Time
	nextAllowed time.Time
	// blockedUntil holds every call until the window refreshes, once the
	// budget is spent or the API said 429.
	blockedUntil time.Time
}

func (l *limiter) reserve() int {
	return max(1, int(math.Ceil(float64(l.limit)*0.05)))
}

// delay decides how long a call must wait before it may be sent, and counts
// it against the remaining budget.
func (l *limiter) delay(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.blockedUntil) {
		return l.blockedUntil.Sub(now)
	}
	if l.known && !now.Before(l.resetAt) {
		l.known = false // a new window began; the next answer tells its budget
	}
	if !l.known {
		return 0
	}
	var d time.Duration
	switch reserve := l.reserve(); {
	case l.remaining <= reserve:
		// Everyone waits for the refresh; counting starts again with the
		// first answer from the new window.
		l.blockedUntil, l.known = l.resetAt, false
		return l.resetAt.Sub(now)
	case l.remaining < l.limit/2:
		spacing := l.resetAt.Sub(now) / time.Duration(l.remaining-reserve)
		start := now
		if l.nextAllowed.After(now) {
			start = l.nextAllowed
		}
		d = start.Sub(now)
		l.nextAllowed = start.Add(spacing)
	}
	l.remaining--
	return d
}

// observe records what an answer said about the budget.
func (l *limiter) observe(rl RateLimit, now time.Time) {
	if !rl.Present {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	resetAt := now.Add(rl.Refresh)
	// Answers to concurrent calls arrive out of order: within one window the
	// lowest Remaining is the truest.
	if l.known && resetAt.Sub(l.resetAt).Abs() < 2*time.Second && rl.Remaining > l.remaining {
		return
	}
	l.known, l.limit, l.remaining, l.resetAt = true, rl.Limit, rl.Remaining, resetAt
}

// exhausted makes the limiter wait for the refresh, after a 429.
func (l *limiter) exhausted(wait time.Duration, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blockedUntil, l.known = now.Add(wait), false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
