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

// refreshIn returns how long until the window the limiter knows refreshes;
// ok is false when it knows no window.
func (l *limiter) refreshIn(now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.known && l.resetAt.After(now) {
		return l.resetAt.Sub(now), true
	}
	return 0, false
}

// sameWindow is how far apart two answers may place a window's refresh and
// still describe the same window: the API rounds the seconds before the
// refresh, and answers take time to arrive.
const sameWindow = 2 * time.Second

// matches reports whether the limiter knows a window of this limit that
// refreshes at resetAt.
func (l *limiter) matches(limit int, resetAt time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.known && l.limit == limit && l.resetAt.Sub(resetAt).Abs() < sameWindow
}

// exhausted makes the limiter wait for the refresh, after a 429.
func (l *limiter) exhausted(wait time.Duration, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blockedUntil, l.known = now.Add(wait), false
}

// sleepCtx waits d on the real clock, or until ctx ends.
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

// opLimiter is the limiter of one operation. SORACOM documents its limits
// both per API path and per "API group" of related paths, without listing
// the groups. So when two operations report the same limit and the same
// refresh time (within sameWindow), they are taken to draw on one bucket and
// share one budget: each call of either counts against both, and a 429 holds
// both. Two paths that only happen to agree are paced more carefully than
// needed, never less; they part again when their answers differ.
type opLimiter struct {
	pool *limiterPool
	mu   sync.Mutex
	cur  *limiter
	// limit is the last X-Soracom-Ratelimit-Limit an answer to this
	// operation reported (0: none yet).
	limit int
}

// lastLimit returns the last limit the operation's answers reported.
func (o *opLimiter) lastLimit() (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.limit, o.limit > 0
}

func (o *opLimiter) current() *limiter {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cur
}

func (o *opLimiter) delay(now time.Time) time.Duration { return o.current().delay(now) }

func (o *opLimiter) exhausted(wait time.Duration, now time.Time) { o.current().exhausted(wait, now) }

func (o *opLimiter) refreshIn(now time.Time) (time.Duration, bool) { return o.current().refreshIn(now) }

// observe records an answer's budget, moving the operation to the budget
// that answer describes when it is not the one it has.
func (o *opLimiter) observe(rl RateLimit, now time.Time) {
	if !rl.Present {
		return
	}
	o.mu.Lock()
	o.limit = rl.Limit
	o.mu.Unlock()
	cur := o.current()
	if !cur.matches(rl.Limit, now.Add(rl.Refresh)) {
		next := o.pool.move(cur, rl.Limit, now.Add(rl.Refresh))
		o.mu.Lock()
		o.cur = next
		o.mu.Unlock()
		cur = next
	}
	cur.observe(rl, now)
}

// limiterPool holds the budgets of one client and how many operations use
// each.
type limiterPool struct {
	mu   sync.Mutex
	refs map[*limiter]int
}

func newLimiterPool() *limiterPool { return &limiterPool{refs: map[*limiter]int{}} }

// newOp returns the limiter of a new operation, with a budget of its own.
func (p *limiterPool) newOp() *opLimiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := &limiter{}
	p.refs[l] = 1
	return &opLimiter{pool: p, cur: l}
}

// move finds the budget for an answer of (limit, resetAt) that cur does not
// match: another operation's budget that matches it, else cur itself when
// no other operation shares it, else a new one.
func (p *limiterPool) move(cur *limiter, limit int, resetAt time.Time) *limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	for b := range p.refs {
		if b != cur && b.matches(limit, resetAt) {
			p.release(cur)
			p.refs[b]++
			return b
		}
	}
	if p.refs[cur] <= 1 {
		return cur
	}
	p.release(cur)
	l := &limiter{}
	p.refs[l] = 1
	return l
}

// drop forgets an operation limiter that was never used.
func (p *limiterPool) drop(o *opLimiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.release(o.current())
}

func (p *limiterPool) release(l *limiter) {
	if p.refs[l]--; p.refs[l] <= 0 {
		delete(p.refs, l)
	}
}

// shares reports how many operations use the budget of o (for tests).
func (p *limiterPool) shares(o *opLimiter) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refs[o.current()]
}
