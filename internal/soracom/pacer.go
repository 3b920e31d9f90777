package soracom

import (
	"context"
	"fmt"
	"time"
)

// Pacer spreads the calls of one unit of work (one poll) over time and
// counts them. The client asks it before every HTTP attempt made with a
// context that carries it (see WithPacer), before its own rate limiter,
// which stays the last guard of the operator's budget shared by every
// caller.
type Pacer interface {
	// Take counts one attempt of op (a route template such as "/sims")
	// and returns how long that attempt must wait before it is sent.
	Take(op string, now time.Time) time.Duration
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
	d := p.Take(req.op, c.clock.Now())
	if d <= 0 {
		return nil
	}
	if beyondDeadline(ctx, d) {
		return fmt.Errorf("soracom: %s %s: paced to wait %v, longer than this call may wait: %w",
			req.method, req.op, d.Round(time.Millisecond), context.DeadlineExceeded)
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
