package soracomfake

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter counts requests in fixed windows on the wall clock, one
// bucket per coverage host, subject (the operator, or the client IP for
// /auth) and path template, like the API's limits per operator, per API
// path and per minute. Templates of one Options.RateLimitGroups group share
// the group's bucket.
type rateLimiter struct {
	opts  *Options
	now   func() time.Time
	group map[string]string // template -> group name

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

// bucketKey names a bucket; scope is a path template or a group name.
type bucketKey struct{ coverage, subject, scope string }

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
	l := &rateLimiter{opts: o, now: o.WallClock, group: map[string]string{}, buckets: map[bucketKey]*bucket{}}
	for name, templates := range o.RateLimitGroups {
		for _, t := range templates {
			l.group[t] = name
		}
	}
	return l
}

// key returns the bucket a request to template counts against.
func (l *rateLimiter) key(coverage, subject, template string) bucketKey {
	if g, ok := l.group[template]; ok {
		return bucketKey{coverage, subject, g}
	}
	return bucketKey{coverage, subject, template}
}

func (l *rateLimiter) limitFor(scope string) int {
	if n, ok := l.opts.RateLimitPerMinute[scope]; ok && n > 0 {
		return n
	}
	return l.opts.DefaultRateLimit
}

// take counts one request if the window has room.
func (l *rateLimiter) take(k bucketKey) (rateState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, now := l.current(k)
	limit := l.limitFor(k.scope)
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
	return l.state(b, l.limitFor(k.scope), now)
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
	st, ok := l.take(l.key(rq.coverage, subject, rq.template))
	st.setHeaders(rq.w.Header())
	if !ok {
		rq.fail(http.StatusTooManyRequests, codeRateLimited, "rate limit exceeded; retry after the window refreshes")
	}
	return ok
}
