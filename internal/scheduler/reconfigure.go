package scheduler

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// running is one Run: the loops it waits for.
type running struct {
	ctx   context.Context
	wg    sync.WaitGroup
	ended bool // Run is waiting for its loops; no more may start
}

// start runs j's loop if Run is running. The caller holds s.mu.
func (s *Scheduler) start(j *job) {
	r := s.run
	if r == nil || r.ended {
		return
	}
	if j.ctx == nil {
		j.ctx, j.cancel = context.WithCancel(r.ctx)
	}
	r.wg.Go(func() { s.loop(j.ctx, j) })
}

// firstDelay is the wait before a loop's first poll: a random delay, as at
// start, for a new job or one whose poll function changed; otherwise the
// rest of the new interval since the key's last poll ended, after the poll
// in flight under the previous schedule, if any.
func (s *Scheduler) firstDelay(ctx context.Context, j *job) (time.Duration, error) {
	interval := j.schedule().interval
	initial := time.Duration(rand.Int64N(int64(min(interval, 10*time.Second))))
	if j.soon {
		return initial, nil
	}
	if err := j.acquire(ctx); err != nil {
		return 0, err
	}
	j.mu.Lock()
	st := j.status
	j.mu.Unlock()
	j.release()
	if st.LastAttempt.IsZero() {
		return initial, nil
	}
	next := jitter(interval)
	if st.ConsecutiveFailures > 0 {
		next = failureDelay(interval, st.ConsecutiveFailures)
	}
	return max(st.LastAttempt.Add(st.LastDuration).Add(next).Sub(s.now()), 0), nil
}

// removed reports whether Reconfigure removed the job's key.
func (j *job) removed() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.gone
}

// Reconfigure replaces the jobs with jobs, while Run runs or before.
//
// A job whose key was known keeps its status, its turn and its data. If its
// schedule changed, its next poll comes one new interval after its last
// poll ended, and later ones on the new interval. Keys listed in changed
// have a new poll function (a source or client built again): their next
// poll comes soon, as at start, so that the change shows; their data stays
// until then.
//
// Jobs no longer listed stop: their poll in flight is canceled, and their
// data leaves the store once it ended.
func (s *Scheduler) Reconfigure(jobs []Job, changed ...store.Key) error {
	jobs, err := complete(jobs)
	if err != nil {
		return err
	}
	isChanged := make(map[store.Key]bool, len(changed))
	for _, k := range changed {
		isChanged[k] = true
	}

	s.reconfiguring.Lock()
	defer s.reconfiguring.Unlock()
	// planMu before mu, as learn takes them; both are let go before
	// waiting for removed jobs, whose polls may need planMu to end.
	s.planMu.Lock()
	s.mu.Lock()
	var starting []*job
	next := make([]*job, 0, len(jobs))
	byKey := make(map[store.Key]*job, len(jobs))
	for _, nj := range jobs {
		s.store.SetMaxAge(nj.Key, nj.MaxAge)
		j := s.byKey[nj.Key]
		switch {
		case j == nil:
			j = &job{Job: nj, slot: newSlot(nj), stop: make(chan struct{}), soon: true}
			starting = append(starting, j)
		case isChanged[nj.Key] || !sameSchedule(j.Job, nj):
			close(j.stop)
			j = &job{Job: nj, slot: j.slot, stop: make(chan struct{}), soon: isChanged[nj.Key]}
			j.mu.Lock()
			j.status.Interval, j.status.MaxAge = nj.Interval, nj.MaxAge
			j.mu.Unlock()
			starting = append(starting, j)
		}
		next = append(next, j)
		byKey[nj.Key] = j
	}
	var removed []*job
	for _, j := range s.jobs {
		if byKey[j.Key] != nil {
			continue
		}
		close(j.stop)
		j.mu.Lock()
		j.gone = true
		j.mu.Unlock()
		if j.cancel != nil {
			j.cancel()
		}
		removed = append(removed, j)
	}
	s.jobs, s.byKey = next, byKey
	// The new schedules go through the budget before their loops start.
	s.replan(next)
	for _, j := range starting {
		s.start(j)
	}
	s.mu.Unlock()
	s.planMu.Unlock()

	// A poll or refresh in flight, canceled, ends before the data is
	// withdrawn, so that it cannot store it again.
	for _, j := range removed {
		j.turn <- struct{}{}
		s.store.Delete(j.Key)
		<-j.turn
	}
	return nil
}

func sameSchedule(a, b Job) bool {
	return a.Interval == b.Interval && a.Timeout == b.Timeout && a.MaxAge == b.MaxAge
}
