package soracomfake

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter counts requests in fixed windows on the real clock, one
// bucket per coverage host, subject (the operator, or the client IP for
// /auth) and path template, like the API's limits per operator, per API
// path and per minute.
type rateLimiter struct {
	opts *Options
	now  func() time.Time

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

type bucketKey struct{ coverage, subject, template string }

type bucket struct {
	start time.Time
	used  int
}

// rateState is what the X-Soracom-Ratelimit-* headers report.
type rateState struct {
	limit, remaining int
	refresh          int // whole seconds until the window resets
}

func newRateLimiter(o *Options) *rateLimiter {
	return &rateLimiter{opts: o, now: time.Now, buckets: map[bucketKey]*bucket{}}
}

func (l *rateLimiter) limitFor(template string) int {
	if n, ok := l.opts.RateLimitPerMinute[template]; ok && n > 0 {
		return n
	}
	return l.opts.DefaultRateLimit
}

// take counts one request if the window has room.
func (l *rateLimiter) take(k bucketKey) (rateState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, now := l.current(k)
	limit := l.limitFor(k.template)
	admitted := b.used < limit
	if admitted {
		b.used++
	}
	return l.state(b, limit, now), admitted
}

// peek reports the bucket without counting a request.
func (l *rateLimiter) peek(k bucketKey) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, now := l.current(k)
	return l.state(b, l.limitFor(k.template), now)
}

// current returns k's bucket, starting a new window when the last one ended.
func (l *rateLimiter) current(k bucketKey) (*bucket, time.Time) {
	now := l.now()
	b := l.buckets[k]
	if b == nil || now.Sub(b.start) >= l.opts.RateLimitWindow {
		b = &bucket{start: now}
		l.buckets[k] = b
	}
	return b, now
}

// state computes the headers: Seconds-Before-Refresh is the rest of the
// window rounded up to whole seconds, never 0 while the window lasts.
func (l *rateLimiter) state(b *bucket, limit int, now time.Time) rateState {
	left := b.start.Add(l.opts.RateLimitWindow).Sub(now)
	secs := max(1, int(math.Ceil(left.Seconds())))
	return rateState{limit: limit, remaining: max(0, limit-b.used), refresh: secs}
}

func (s rateState) setHeaders(h http.Header) {
	h.Set("X-Soracom-Ratelimit-Limit", strconv.Itoa(s.limit))
	h.Set("X-Soracom-Ratelimit-Remaining", strconv.Itoa(s.remaining))
	h.Set("X-Soracom-Ratelimit-Seconds-Before-Refresh", strconv.Itoa(s.refresh))
}

// admit counts the request against its bucket and sets the rate-limit
// headers; over the limit it answers 429 itself and the request is not
// processed.
func (l *rateLimiter) admit(rq *request, subject string) bool {
	st, ok := l.take(bucketKey{rq.coverage, subject, rq.template})
	st.setHeaders(rq.w.Header())
	if !ok {
		rq.fail(http.StatusTooManyRequests, codeRateLimited, "rate limit exceeded; retry after the window refreshes")
	}
	return ok
}
