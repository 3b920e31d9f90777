// Package scheduler runs jobs in the background, each on its own interval,
// and keeps their results in the store. It is the only writer of the store:
// polls and out-of-band refreshes of a job both go through it, one at a
// time, so a newer result is never overwritten by an older one. Scrapes
// never wait for it and never trigger it.
//
// The scheduler knows jobs (a key, a schedule and a poll function), not
// what they poll.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// PollFunc reads and renders a job's data.
type PollFunc func(ctx context.Context) (*poll.Result, error)

// Job is one thing to poll on a schedule: one source for one account and
// coverage, in the exporter.
type Job struct {
	Key      store.Key
	Interval time.Duration
	// Timeout bounds one poll (default: the interval, at most a minute).
	Timeout time.Duration
	// MaxAge is how old the stored data may grow before it is withdrawn
	// from the output (default: three intervals).
	MaxAge time.Duration
	Poll   PollFunc
}

// Status is what is known about a job, for self-metrics and the landing page.
type Status struct {
	Key                 store.Key
	OperatorID          string
	Interval, MaxAge    time.Duration
	LastAttempt         time.Time
	LastSuccess         time.Time
	LastDuration        time.Duration
	LastError           string
	Succeeded           bool // the last poll succeeded
	Polls, Failures     uint64
	ConsecutiveFailures int
	Items               int
	NextPoll            time.Time
}

// Errors of Refresh.
var (
	ErrUnknownJob = errors.New("no such job")
	ErrNotPolled  = errors.New("not polled successfully yet")
)

// Scheduler owns the jobs.
type Scheduler struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	jobs  []*job
	byKey map[store.Key]*job
}

type job struct {
	Job
	// turn is held by the poll or refresh that is running: a job's polls
	// and refreshes run one at a time, and each stores its result before
	// the next starts.
	turn chan struct{}

	mu     sync.Mutex // guards status
	status Status
}

// Option adjusts a Scheduler.
type Option func(*Scheduler)

// WithClock makes the scheduler read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Scheduler) { s.now = now } }

// New prepares the jobs; nothing runs before Run or RunOnce. Keys must be
// unique.
func New(st *store.Store, log *slog.Logger, jobs []Job, opts ...Option) (*Scheduler, error) {
	s := &Scheduler{store: st, log: log, now: time.Now, byKey: map[store.Key]*job{}}
	for _, o := range opts {
		o(s)
	}
	for _, j := range jobs {
		if j.Poll == nil || j.Interval <= 0 {
			return nil, fmt.Errorf("job %s: needs a poll function and a positive interval", j.Key)
		}
		if _, dup := s.byKey[j.Key]; dup {
			return nil, fmt.Errorf("job %s is listed twice", j.Key)
		}
		if j.MaxAge == 0 {
			j.MaxAge = 3 * j.Interval
		}
		if j.Timeout == 0 || j.Timeout > j.Interval {
			j.Timeout = min(j.Interval, time.Minute)
		}
		st.SetMaxAge(j.Key, j.MaxAge)
		jj := &job{Job: j, turn: make(chan struct{}, 1), status: Status{Key: j.Key, Interval: j.Interval, MaxAge: j.MaxAge}}
		s.jobs = append(s.jobs, jj)
		s.byKey[j.Key] = jj
	}
	return s, nil
}

// Run polls every job on its interval until ctx ends. Each job starts after
// a random delay, so that many targets do not hit the API in the same second.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		wg.Go(func() { s.loop(ctx, j) })
	}
	wg.Wait()
}

// RunOnce polls every job once, concurrently, and reports every failure.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, j := range s.jobs {
		wg.Go(func() {
			if _, err := s.poll(ctx, j); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", j.Key, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Scheduler) loop(ctx context.Context, j *job) {
	delay := time.Duration(rand.Int64N(int64(min(j.Interval, 10*time.Second))))
	for {
		j.mu.Lock()
		j.status.NextPoll = s.now().Add(delay)
		j.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		// Polls of one job never overlap: the next is planned only after
		// this one ended, from its end.
		if failures, err := s.poll(ctx, j); err != nil {
			if ctx.Err() != nil {
				return
			}
			delay = failureDelay(j.Interval, failures)
		} else {
			delay = jitter(j.Interval)
		}
	}
}

// failureDelay backs off after consecutive failures: a blip is retried soon
// (15 s, or the interval if shorter), a long outage ever more slowly, up to
// five minutes (or the interval, if longer).
func failureDelay(interval time.Duration, failures int) time.Duration {
	base := min(interval, 15*time.Second)
	d := base << min(max(failures-1, 0), 10)
	return jitter(min(d, max(interval, 5*time.Minute)))
}

// jitter spreads d by ±10%.
func jitter(d time.Duration) time.Duration {
	span := int64(d / 5)
	if span <= 0 {
		return d
	}
	return d - d/10 + time.Duration(rand.Int64N(span))
}

// acquire waits for j's turn, or for ctx to end.
func (j *job) acquire(ctx context.Context) error {
	select {
	case j.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *job) release() { <-j.turn }

// poll runs one poll of j and returns the number of consecutive failures.
func (s *Scheduler) poll(ctx context.Context, j *job) (int, error) {
	if err := j.acquire(ctx); err != nil {
		return 0, err
	}
	defer j.release()
	pctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	start := s.now()
	res, err := j.Poll(pctx)
	dur := s.now().Sub(start)
	if err == nil && res == nil {
		err = errors.New("poll returned no data")
	}
	if err != nil && pctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = fmt.Errorf("poll timed out after %s: %w", j.Timeout, err)
	}

	j.mu.Lock()
	st := &j.status
	st.LastAttempt, st.LastDuration = start, dur
	st.Polls++
	if err != nil {
		st.Succeeded = false
		st.Failures++
		st.ConsecutiveFailures++
		st.LastError = err.Error()
	} else {
		st.Succeeded = true
		st.ConsecutiveFailures = 0
		st.LastError = ""
		st.LastSuccess = s.now()
		st.Items = res.Items
		if res.OperatorID != "" {
			st.OperatorID = res.OperatorID
		}
	}
	failures := st.ConsecutiveFailures
	j.mu.Unlock()

	key := j.Key
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("poll failed; keeping the previous data until it is too old", "source", key.Source, "account", key.Account,
				"coverage", key.Coverage, "consecutive_failures", failures, "duration", dur.Round(time.Millisecond), "err", err)
		}
		return failures, err
	}
	s.put(j, res)
	s.log.Debug("poll succeeded", "source", key.Source, "account", key.Account, "coverage", key.Coverage,
		"items", res.Items, "duration", dur.Round(time.Millisecond))
	return 0, nil
}

// Refresh runs fn for the job under key, after the poll or refresh of that
// job in flight and before the next, and stores the result fn returns
// (possibly along with an error about part of the work). It does not count
// as a poll. A job that never polled successfully has nothing to refresh.
func (s *Scheduler) Refresh(ctx context.Context, key store.Key, fn PollFunc) error {
	j := s.byKey[key]
	if j == nil {
		return fmt.Errorf("%s: %w", key, ErrUnknownJob)
	}
	if err := j.acquire(ctx); err != nil {
		return err
	}
	defer j.release()
	j.mu.Lock()
	polled := !j.status.LastSuccess.IsZero()
	j.mu.Unlock()
	if !polled {
		return fmt.Errorf("%s: %w", key, ErrNotPolled)
	}
	res, err := fn(ctx)
	if res != nil {
		s.put(j, res)
		j.mu.Lock()
		j.status.Items = res.Items
		j.mu.Unlock()
	}
	return err
}

// put stores res as j's snapshot. The caller holds j's turn, so results are
// stored in the order they were produced; data listed earlier than what is
// stored is refused all the same, should a poll function report a time
// from the past.
func (s *Scheduler) put(j *job, res *poll.Result) {
	produced := res.ListedAt
	if produced.IsZero() {
		produced = s.now()
	}
	if prev := s.store.Get(j.Key); prev != nil && produced.Before(prev.Produced) {
		s.log.Warn("result older than the stored data; keeping the stored data", "source", j.Key.Source,
			"account", j.Key.Account, "coverage", j.Key.Coverage, "listed_at", produced, "stored", prev.Produced)
		return
	}
	s.store.Put(&store.Snapshot{Key: j.Key, OperatorID: res.OperatorID, Produced: produced, Items: res.Items, Families: res.Families,
		Objects: res.Objects})
}

// Statuses returns the state of every job, in a stable order.
func (s *Scheduler) Statuses() []Status {
	out := make([]Status, 0, len(s.jobs))
	for _, j := range s.jobs {
		j.mu.Lock()
		out = append(out, j.status)
		j.mu.Unlock()
	}
	return out
}
