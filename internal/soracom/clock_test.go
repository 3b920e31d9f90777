package soracom_test

import (
	"context"
	"sync"
	"time"
)

// stepClock is a soracom.Clock (and the fake's WallClock) on which a sleep
// takes no real time: it moves the clock forward at once. Tests check what
// the client waited without waiting it.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps []time.Duration
}

func newStepClock() *stepClock { return &stepClock{now: time.Unix(1_750_000_000, 0)} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Advance moves the clock as time passing between calls would.
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept returns the waits so far and their sum, and forgets them.
func (c *stepClock) Slept() ([]time.Duration, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, total := c.sleeps, c.slept
	c.sleeps, c.slept = nil, 0
	return s, total
}
