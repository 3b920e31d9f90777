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
	// Budget, when set, is the API budget the job's polls draw on: the
	// scheduler meters the polls' calls (see MeterFrom) and lengthens the
	// job's interval when it would use more than its share (budget.go).
	Budget Budget
}

// Status is what is known about a job, for self-metrics and the landing page.
type Status struct {
	Key        store.Key
	OperatorID string
	// Interval is the configured interval; EffectiveInterval the one the
	// job polls at, longer when the configured one would take more than
	// the API budget share. MaxAge follows the effective interval.
	Interval, EffectiveInterval time.Duration
	MaxAge                      time.Duration
	LastAttempt                 time.Time
	LastSuccess                 time.Time
	LastDuration                time.Duration
	LastError                   string
	Succeeded                   bool // the last poll succeeded
	Polls, Failures             uint64
	ConsecutiveFailures         int
	Items                       int
	NextPoll                    time.Time
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

	mu    sync.Mutex // guards jobs, byKey and run; see reconfigure.go
	jobs  []*job
	byKey map[store.Key]*job
	run   *running
	// reconfiguring serializes Reconfigure calls.
	reconfiguring sync.Mutex

	share float64
	// pace is the schedule every job's calls take their moments from.
	pace pacing
	// planMu guards the jobs' costs and serializes replanning. It is taken
	// before mu, never after.
	planMu sync.Mutex
}

// job is one schedule of a key. Reconfigure replaces it when the schedule
// changes; the key's slot, with its turn and status, stays.
type job struct {
	Job
	*slot
	// stop is closed when Reconfigure replaces or removes the job: its loop
	// ends after the poll in flight, if any.
	stop chan struct{}
	// soon makes the loop's first poll come soon, as at start, rather than
	// one interval after the key's last poll.
	soon bool
}

// slot is what a key keeps across reconfigurations.
type slot struct {
	// turn is held by the poll or refresh that is running: a key's polls
	// and refreshes run one at a time, and each stores its result before
	// the next starts.
	turn chan struct{}

	mu     sync.Mutex // guards status, plan and gone
	status Status
	// plan is the key's schedule after the API budget; costs what its
	// polls cost (guarded by the scheduler's planMu). Both outlive a
	// change of schedule: a source costs what it costs.
	plan  plan
	costs costs
	// gone: the key was removed; nothing polls or stores it any more.
	gone bool
	// budget is the name the key's calls were last paced under.
	budget budgetRef
	// ctx is the key's loops' context, canceled when the key is removed.
	ctx    context.Context
	cancel context.CancelFunc
}

// Option adjusts a Scheduler.
type Option func(*Scheduler)

// WithClock makes the scheduler read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Scheduler) { s.now = now } }

// New prepares the jobs; nothing runs before Run or RunOnce. Keys must be
// unique.
func New(st *store.Store, log *slog.Logger, jobs []Job, opts ...Option) (*Scheduler, error) {
	s := &Scheduler{store: st, log: log, now: time.Now, byKey: map[store.Key]*job{}, share: DefaultBudgetShare}
	for _, o := range opts {
		o(s)
	}
	jobs, err := complete(jobs)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		st.SetMaxAge(j.Key, j.MaxAge)
		jj := &job{Job: j, slot: newSlot(j), stop: make(chan struct{}), soon: true}
		s.jobs = append(s.jobs, jj)
		s.byKey[j.Key] = jj
	}
	return s, nil
}

// complete checks jobs and fills in their defaults.
func complete(jobs []Job) ([]Job, error) {
	out := make([]Job, 0, len(jobs))
	seen := map[store.Key]bool{}
	for _, j := range jobs {
		if j.Poll == nil || j.Interval <= 0 {
			return nil, fmt.Errorf("job %s: needs a poll function and a positive interval", j.Key)
		}
		if seen[j.Key] {
			return nil, fmt.Errorf("job %s is listed twice", j.Key)
		}
		seen[j.Key] = true
		if j.MaxAge == 0 {
			j.MaxAge = 3 * j.Interval
		}
		if j.Timeout == 0 || j.Timeout > j.Interval {
			j.Timeout = min(j.Interval, time.Minute)
		}
		out = append(out, j)
	}
	return out, nil
}

func newSlot(j Job) *slot {
	return &slot{turn: make(chan struct{}, 1),
		status: Status{Key: j.Key, Interval: j.Interval, EffectiveInterval: j.Interval, MaxAge: j.MaxAge},
		plan:   plan{interval: j.Interval, timeout: j.Timeout, maxAge: j.MaxAge}}
}

// Run polls every job on its interval until ctx ends, including the jobs
// that Reconfigure adds meanwhile. Each job starts after a random delay, so
// that many targets do not hit the API in the same second.
func (s *Scheduler) Run(ctx context.Context) {
	r := &running{ctx: ctx}
	s.mu.Lock()
	s.run = r
	for _, j := range s.jobs {
		s.start(j)
	}
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	r.ended = true
	s.mu.Unlock()
	r.wg.Wait()
}

// RunOnce polls every job once, concurrently, and reports every failure.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	s.mu.Lock()
	jobs := s.jobs
	s.mu.Unlock()
	for _, j := range jobs {
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
	delay, err := s.firstDelay(ctx, j)
	if err != nil {
		return
	}
	for {
		j.mu.Lock()
		j.status.NextPoll = s.now().Add(delay)
		j.mu.Unlock()
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-j.stop:
			t.Stop()
			return
		case <-t.C:
		}
		// Polls of one job never overlap: the next is planned only after
		// this one ended. After a success it starts an (effective) interval
		// after this one started, so that a listing paced over most of
		// its interval is not followed by a whole interval of silence.
		start := s.now()
		failures, err := s.poll(ctx, j)
		interval := j.schedule().interval
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			delay = failureDelay(interval, failures)
		} else {
			delay = max(jitter(interval)-s.now().Sub(start), 0)
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
	if j.removed() {
		return 0, fmt.Errorf("%s: %w", j.Key, ErrUnknownJob)
	}
	timeout := j.schedule().timeout
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var meter *Meter
	if j.Budget != nil {
		meter = newMeter(j.Budget, s.budgetShare(), &s.pace, &j.budget)
		pctx = context.WithValue(pctx, meterKey{}, meter)
	}
	start := s.now()
	res, err := j.Poll(pctx)
	dur := s.now().Sub(start)
	if err == nil && res == nil {
		err = errors.New("poll returned no data")
	}
	// A poll is cut short when its deadline passed, or when a call it
	// made would have had to wait beyond it (paced, or rate-limited).
	cutShort := err != nil && ctx.Err() == nil &&
		(pctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded))
	if cutShort {
		err = fmt.Errorf("poll timed out after %s: %w", timeout, err)
	}
	if meter != nil && ctx.Err() == nil {
		s.learn(j, meter.Calls(), err == nil, cutShort)
	}

	j.mu.Lock()
	st := &j.status
	prevErr, prevFailures := st.LastError, st.ConsecutiveFailures
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
		// A failure that persists (a permission missing, say) is logged at
		// warning level once, and again only when the error changes: every
		// poll is still counted in the metrics, and logged at debug level.
		level := slog.LevelWarn
		if err.Error() == prevErr {
			level = slog.LevelDebug
		}
		if ctx.Err() == nil {
			s.log.Log(ctx, level, "poll failed; keeping the previous data until it is too old", "source", key.Source,
				"account", key.Account, "coverage", key.Coverage, "consecutive_failures", failures,
				"duration", dur.Round(time.Millisecond), "err", err)
		}
		return failures, err
	}
	if prevFailures > 0 {
		s.log.Info("poll succeeded again", "source", key.Source, "account", key.Account, "coverage", key.Coverage,
			"failures_before", prevFailures)
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
//
// A refresh's API calls take their moments from the schedule of the job's
// budget, as polls do, so that polls and refreshes together keep within
// the share; a call whose moment is more than refreshMaxWait away fails at
// once (the next poll catches up). They are not counted in the job's cost:
// they answer pushes, not the interval.
func (s *Scheduler) Refresh(ctx context.Context, key store.Key, fn PollFunc) error {
	s.mu.Lock()
	j := s.byKey[key]
	s.mu.Unlock()
	if j == nil {
		return fmt.Errorf("%s: %w", key, ErrUnknownJob)
	}
	if err := j.acquire(ctx); err != nil {
		return err
	}
	defer j.release()
	if j.removed() {
		return fmt.Errorf("%s: %w", key, ErrUnknownJob)
	}
	j.mu.Lock()
	polled := !j.status.LastSuccess.IsZero()
	j.mu.Unlock()
	if !polled {
		return fmt.Errorf("%s: %w", key, ErrNotPolled)
	}
	if j.Budget != nil {
		m := newMeter(j.Budget, s.budgetShare(), &s.pace, &j.budget)
		m.maxWait = refreshMaxWait
		ctx = context.WithValue(ctx, meterKey{}, m)
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
	jobs := s.currentJobs()
	out := make([]Status, 0, len(jobs))
	for _, j := range jobs {
		j.mu.Lock()
		out = append(out, j.status)
		j.mu.Unlock()
	}
	return out
}

// schedule returns the job's current plan.
func (j *job) schedule() plan {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.plan
}

// learn records what a poll cost and plans every job again. A poll that
// failed early says little about a complete one: its calls count only
// while nothing better is known.
func (s *Scheduler) learn(j *job, calls map[string]int, ok, cutShort bool) {
	s.planMu.Lock()
	defer s.planMu.Unlock()
	switch {
	case ok || cutShort:
		j.costs.record(calls, cutShort)
	case len(j.costs.history) == 0:
		j.costs.record(calls, false)
		j.costs.provisional = true
	}
	s.replan(s.currentJobs())
}

// currentJobs returns the jobs in force.
func (s *Scheduler) currentJobs() []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs
}
