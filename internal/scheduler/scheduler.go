// Package scheduler runs every source for every account and coverage in the
// background, each on its own interval, and keeps their snapshots in the
// store. Scrapes never wait for it and never trigger it.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// Target is one account on one coverage, with the client that reaches it.
type Target struct {
	Account  string
	Coverage soracom.Coverage
	Client   *soracom.Client
}

// Source turns API answers into a rendered snapshot. Implementations are
// shared by all targets and must be safe for concurrent use; one call per
// target runs at a time.
type Source interface {
	Name() string
	Poll(ctx context.Context, t Target) (*store.Snapshot, error)
}

// Job is one source polled for one target.
type Job struct {
	Source   Source
	Target   Target
	Interval time.Duration
	Timeout  time.Duration
	MaxAge   time.Duration
}

func (j Job) key() store.Key {
	return store.Key{Account: j.Target.Account, Coverage: string(j.Target.Coverage), Source: j.Source.Name()}
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

// Scheduler owns the jobs.
type Scheduler struct {
	store *store.Store
	log   *slog.Logger
	jobs  []*job
}

type job struct {
	Job
	mu     sync.Mutex
	status Status
}

// New prepares the jobs; nothing runs before Run or RunOnce.
func New(st *store.Store, log *slog.Logger, jobs []Job) *Scheduler {
	s := &Scheduler{store: st, log: log}
	for _, j := range jobs {
		if j.MaxAge == 0 {
			j.MaxAge = 3 * j.Interval
		}
		if j.Timeout == 0 || j.Timeout > j.Interval {
			j.Timeout = min(j.Interval, time.Minute)
		}
		st.SetMaxAge(j.key(), j.MaxAge)
		s.jobs = append(s.jobs, &job{Job: j, status: Status{Key: j.key(), Interval: j.Interval, MaxAge: j.MaxAge}})
	}
	return s
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
				errs = append(errs, fmt.Errorf("%s: %w", j.key(), err))
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
		j.status.NextPoll = time.Now().Add(delay)
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

// poll runs one poll of j and returns the number of consecutive failures.
func (s *Scheduler) poll(ctx context.Context, j *job) (int, error) {
	pctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	start := time.Now()
	snap, err := j.Source.Poll(pctx, j.Target)
	dur := time.Since(start)
	if err == nil && snap == nil {
		err = errors.New("source returned no data")
	}
	if err != nil && pctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = fmt.Errorf("poll timed out after %s: %w", j.Timeout, err)
	}

	j.mu.Lock()
	st := &j.status
	st.LastAttempt, st.LastDuration = start, dur
	st.Polls++
	if j.Target.Client != nil && j.Target.Client.OperatorID() != "" {
		st.OperatorID = j.Target.Client.OperatorID()
	}
	if err != nil {
		st.Succeeded = false
		st.Failures++
		st.ConsecutiveFailures++
		st.LastError = err.Error()
	} else {
		st.Succeeded = true
		st.ConsecutiveFailures = 0
		st.LastError = ""
		st.LastSuccess = time.Now()
		st.Items = snap.Items
		if snap.OperatorID != "" {
			st.OperatorID = snap.OperatorID
		}
	}
	failures := st.ConsecutiveFailures
	j.mu.Unlock()

	key := j.key()
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("poll failed; keeping the previous data until it is too old", "source", key.Source, "account", key.Account,
				"coverage", key.Coverage, "consecutive_failures", failures, "duration", dur.Round(time.Millisecond), "err", err)
		}
		return failures, err
	}
	snap.Key = key
	snap.Produced = time.Now()
	s.store.Put(snap)
	s.log.Debug("poll succeeded", "source", key.Source, "account", key.Account, "coverage", key.Coverage,
		"items", snap.Items, "duration", dur.Round(time.Millisecond))
	return 0, nil
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
