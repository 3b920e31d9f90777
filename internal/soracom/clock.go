package soracom

import (
	"context"
	"time"
)

// Clock is the client's time: when a token needs renewing, how long a
// rate-limit window lasts, how long to wait before asking again. Tests
// inject one to check waits of minutes without spending them.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or returns ctx's error as soon as ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time                                   { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, d) }

// beyondDeadline reports whether waiting d would end after ctx's deadline
// (which, like every context deadline, is on the real clock): such a wait
// cannot lead to an answer in time.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < d
}
