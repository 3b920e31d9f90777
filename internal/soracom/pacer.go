package soracom

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Pacer spreads the calls of one unit of work (a poll, a refresh) over time
// and counts them. The client asks it before every HTTP attempt made with a
// context that carries it (see WithPacer), before its own rate limiter,
// which stays the last guard of the operator's budget shared by every
// caller.
type Pacer interface {
	// Take counts one attempt of op (a route template such as "/sims")
	// and reserves the moment it may be sent: it returns how long the
	// attempt must wait. When the wait would be longer than maxWait (what
	// is left before the call's deadline), it reserves nothing and returns
	// false: the call fails at once rather than wait in vain, and leaves
	// the moment to other callers.
	Take(op string, now time.Time, maxWait time.Duration) (wait time.Duration, ok bool)
}

type pacerKey struct{}

// WithPacer returns a context whose API calls p counts and paces.
func WithPacer(ctx context.Context, p Pacer) context.Context {
	return context.WithValue(ctx, pacerKey{}, p)
}

// paceWork waits as long as the context's Pacer asks, if it has one. The
// authentication call is not paced: it is limited per source IP, not per
// operator, and made once per token.
func (c *Client) paceWork(ctx context.Context, req request) error {
	p, _ := ctx.Value(pacerKey{}).(Pacer)
	if p == nil || req.noAuth {
		return nil
	}
	// The deadline, like every context deadline, is on the real clock.
	maxWait := time.Duration(math.MaxInt64)
	if deadline, ok := ctx.Deadline(); ok {
		maxWait = time.Until(deadline)
	}
	d, ok := p.Take(req.op, c.clock.Now(), maxWait)
	if !ok {
		return fmt.Errorf("soracom: %s %s: paced to wait %v, longer than this call may wait: %w",
			req.method, req.op, d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	if d <= 0 {
		return nil
	}
	return c.clock.Sleep(ctx, d)
}

// RateLimit returns the per-minute limit of op (a route template) that the
// API last reported in X-Soracom-Ratelimit-Limit; ok is false before an
// answer to op carried one.
func (c *Client) RateLimit(op string) (limit int, ok bool) {
	l, found := c.limiters.Load(op)
	if !found {
		return 0, false
	}
	return l.(*opLimiter).lastLimit()
}
