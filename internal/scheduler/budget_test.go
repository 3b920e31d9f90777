package scheduler

import (
	"context"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// testBudget is an API budget with fixed limits per operation.
type testBudget struct {
	name   string
	limits map[string]int
}

func (b testBudget) Name() string { return b.name }

func (b testBudget) Limit(op string) (int, bool) {
	l, ok := b.limits[op]
	return l, ok
}

// lister makes pages calls of op per poll, as the API client does with the
// poll's meter: each call waits as long as the meter says. It records when
// each call went out.
type lister struct {
	op    string
	mu    sync.Mutex
	pages int
	sent  []time.Time
}

func (l *lister) setPages(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages = n
}

func (l *lister) Poll(ctx context.Context) (*poll.Result, error) {
	m := MeterFrom(ctx)
	l.mu.Lock()
	pages := l.pages
	l.mu.Unlock()
	for range pages {
		if err := pacedCall(ctx, m, l.op); err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.sent = append(l.sent, time.Now())
		l.mu.Unlock()
	}
	return &poll.Result{Items: pages, ListedAt: time.Now()}, nil
}

// pacedCall waits for the moment m gives a call of op, as the API client
// does: a call that cannot be made before ctx's deadline fails at once.
func pacedCall(ctx context.Context, m *Meter, op string) error {
	maxWait := time.Duration(math.MaxInt64)
	if deadline, ok := ctx.Deadline(); ok {
		maxWait = time.Until(deadline)
	}
	d, ok := m.Take(op, time.Now(), maxWait)
	if !ok {
		return context.DeadlineExceeded
	}
	if d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (l *lister) times() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.sent...)
}

func budgetScheduler(t *testing.T, st *store.Store, share float64, jobs ...Job) *Scheduler {
	t.Helper()
	s, err := New(st, quiet(), jobs, WithBudgetShare(share))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statusOf(s *Scheduler, k store.Key) Status {
	for _, st := range s.Statuses() {
		if st.Key == k {
			return st
		}
	}
	return Status{}
}

// A listing of 150 pages a minute against a limit of 100 a minute, at a
// share of 0.5: the interval is lengthened so that steady polling uses 90 %
// of the share (150 pages every 200 s is 45 a minute), the max age and the
// timeout follow, and the pages go out evenly at the share's pace (one per
// 1.2 s), not in a burst.
func TestBudgetLengthensIntervalAndPacesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := store.New()
		l := &lister{op: "/sims", pages: 150}
		s := budgetScheduler(t, st, 0.5, Job{Key: testKey, Interval: time.Minute,
			Poll: l.Poll, Budget: testBudget{"op1", map[string]int{"/sims": 100}}})
		// The first polls are cut short by their timeout (a minute at
		// first): each teaches the scheduler the fleet is larger.
		if err := s.RunOnce(context.Background()); err == nil {
			t.Fatal("150 pages at 50 a minute ended within a minute")
		}
		first := 0
		for range 3 {
			first = len(l.times())
			if s.RunOnce(context.Background()) == nil {
				break
			}
		}
		got := statusOf(s, testKey)
		if got.Interval != time.Minute || got.EffectiveInterval != 200*time.Second || got.MaxAge != 600*time.Second {
			t.Fatalf("configured %v, effective %v, max age %v; want 1m0s, 3m20s, 10m0s", got.Interval, got.EffectiveInterval, got.MaxAge)
		}
		sent := l.times()[first:]
		for i := 1; i < len(sent); i++ {
			if gap := sent[i].Sub(sent[i-1]); gap != 1200*time.Millisecond {
				t.Fatalf("call %d went out %v after the previous one; want 1.2s (100/min × 0.5)", i, gap)
			}
		}
		use := s.APIUse()
		if len(use) != 1 || use[0].Operation != "/sims" || use[0].Limit != 100 || math.Abs(use[0].Ratio()-0.45) > 1e-9 {
			t.Fatalf("API use %+v; want /sims at 0.45 of 100", use)
		}
	})
}

// Jobs of one budget calling one operation share its limit: both slow down
// by the same factor. A job of another budget (another operator) keeps its
// interval, and so does a job of the same budget calling another
// operation.
func TestBudgetIsSharedByTheJobsOfOneOperator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := testBudget{"op1", map[string]int{"/sims": 100, "/bills": 100}}
		key := func(src string) store.Key { return store.Key{Account: "a", Coverage: "jp", Source: src} }
		other := store.Key{Account: "b", Coverage: "jp", Source: "sessions"}
		s := budgetScheduler(t, store.New(), 0.5,
			Job{Key: key("sessions"), Interval: time.Minute, Poll: (&lister{op: "/sims", pages: 30}).Poll, Budget: b},
			Job{Key: key("air"), Interval: time.Minute, Poll: (&lister{op: "/sims", pages: 30}).Poll, Budget: b},
			Job{Key: key("billing"), Interval: time.Minute, Poll: (&lister{op: "/bills", pages: 30}).Poll, Budget: b},
			Job{Key: other, Interval: time.Minute, Poll: (&lister{op: "/sims", pages: 30}).Poll,
				Budget: testBudget{"op2", b.limits}})
		// The first polls of sessions and air share the pace of /sims
		// (50 a minute): their 60 pages take longer than their minute,
		// and teach the scheduler what they cost.
		var err error
		for range 3 {
			if err = s.RunOnce(context.Background()); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		// 60 pages a minute against 45 (0.9 × 0.5 × 100): 4/3 slower.
		for k, want := range map[store.Key]time.Duration{key("sessions"): 80 * time.Second, key("air"): 80 * time.Second,
			key("billing"): time.Minute, other: time.Minute} {
			if got := statusOf(s, k).EffectiveInterval; got != want {
				t.Errorf("%s: effective interval %v, want %v", k, got, want)
			}
		}
		for _, u := range s.APIUse() {
			if u.Ratio() > 0.5 {
				t.Errorf("%s/%s %s uses %.3f of its limit, more than the share", u.Account, u.Coverage, u.Operation, u.Ratio())
			}
		}
	})
}

// A fleet never seen before: the first polls are cut short by their
// timeout; each makes the estimate twice what it counted, until a poll
// completes and its count replaces the estimate.
func TestBudgetLearnsTheCostOfAPollCutShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lister{op: "/sims", pages: 150}
		s := budgetScheduler(t, store.New(), 0.5, Job{Key: testKey, Interval: time.Minute, Timeout: time.Minute,
			Poll: l.Poll, Budget: testBudget{"op1", map[string]int{"/sims": 100}}})
		var intervals []time.Duration
		for range 4 {
			_ = s.RunOnce(context.Background())
			intervals = append(intervals, statusOf(s, testKey).EffectiveInterval)
		}
		if st := statusOf(s, testKey); !st.Succeeded {
			t.Fatalf("still failing after %v: %s", intervals, st.LastError)
		}
		if last := intervals[len(intervals)-1]; last != 200*time.Second {
			t.Fatalf("effective intervals %v; want 3m20s once a poll completed", intervals)
		}
	})
}

// A fleet that fits keeps its interval; when it grows past the share the
// interval lengthens, and when it shrinks again the configured interval
// comes back. The loop starts polls an interval apart, start to start.
func TestBudgetFollowsTheFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lister{op: "/sims", pages: 10}
		s := budgetScheduler(t, store.New(), 0.5, Job{Key: testKey, Interval: time.Minute, Timeout: time.Minute,
			Poll: l.Poll, Budget: testBudget{"op1", map[string]int{"/sims": 100}}})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go s.Run(ctx)
		waitPolls := func(n uint64) Status {
			for statusOf(s, testKey).Polls < n {
				time.Sleep(time.Second)
			}
			return statusOf(s, testKey)
		}
		if st := waitPolls(2); st.EffectiveInterval != time.Minute {
			t.Fatalf("10 pages a minute fit in 50: effective %v", st.EffectiveInterval)
		}
		l.setPages(90)
		waitPolls(4)
		if st := statusOf(s, testKey); st.EffectiveInterval != 120*time.Second {
			t.Fatalf("90 pages a minute against 45: effective %v, want 2m0s", st.EffectiveInterval)
		}
		l.setPages(10)
		// The mean of the last polls falls below the share in a few polls.
		for statusOf(s, testKey).EffectiveInterval != time.Minute {
			time.Sleep(time.Second)
		}
	})
}

// Polls start an interval apart, start to start: a poll that takes most of
// its interval (a paced listing) is not followed by a whole interval
// without polls.
func TestIntervalIsFromStartToStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu     sync.Mutex
			starts []time.Time
		)
		s := newScheduler(t, store.New(), Job{Key: testKey, Interval: time.Minute, Poll: func(ctx context.Context) (*poll.Result, error) {
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
			select { // a paced listing that honours cancellation
			case <-time.After(40 * time.Second):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return &poll.Result{ListedAt: time.Now()}, nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		go s.Run(ctx)
		time.Sleep(10 * time.Minute)
		cancel()
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(starts) < 9 {
			t.Fatalf("%d polls in 10 minutes at a 1m interval; want at least 9", len(starts))
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < 54*time.Second || gap > 66*time.Second {
				t.Fatalf("polls %d and %d started %v apart; want 1m ± 10%%", i-1, i, gap)
			}
		}
	})
}

// A reload keeps what the budget learnt: a job whose schedule changed keeps
// its measured cost, so its effective interval follows at once; a new
// budget share plans every job again.
func TestBudgetSurvivesReconfigureAndFollowsTheShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lister{op: "/sims", pages: 150}
		job := Job{Key: testKey, Interval: time.Minute,
			Poll: l.Poll, Budget: testBudget{"op1", map[string]int{"/sims": 100}}}
		s := budgetScheduler(t, store.New(), 0.5, job)
		// The first polls are cut short and teach the scheduler the cost.
		for range 4 {
			if s.RunOnce(context.Background()) == nil {
				break
			}
		}
		if got := statusOf(s, testKey).EffectiveInterval; got != 200*time.Second {
			t.Fatalf("effective %v once learnt; want 3m20s", got)
		}
		job.Interval = 2 * time.Minute
		if err := s.Reconfigure([]Job{job}); err != nil {
			t.Fatal(err)
		}
		if got := statusOf(s, testKey); got.Interval != 2*time.Minute || got.EffectiveInterval != 200*time.Second {
			t.Fatalf("after reconfigure: configured %v, effective %v; want 2m0s, 3m20s", got.Interval, got.EffectiveInterval)
		}
		s.SetBudgetShare(1)
		if got := statusOf(s, testKey).EffectiveInterval; got != 2*time.Minute {
			t.Fatalf("150 pages every 2m at a share of 1 of 100/min fit: effective %v, want 2m0s", got)
		}
	})
}
