package scheduler

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// busiestMinute returns the most calls among times that start within 60 s
// of each other ([t, t+60 s)).
func busiestMinute(times ...[]time.Time) int {
	all := slices.Concat(times...)
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i, t := range all {
		n, _ := slices.BinarySearchFunc(all[i:], t.Add(time.Minute), func(a, b time.Time) int { return a.Compare(b) })
		most = max(most, n)
	}
	return most
}

func sourceKey(account, src string) store.Key {
	return store.Key{Account: account, Coverage: "jp", Source: src}
}

// runFor runs s for d, then stops it and waits for its loops.
func runFor(s *Scheduler, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	time.Sleep(d)
	cancel()
	<-done
}

// Two jobs of one budget listing one operation at the same time (the air
// source's SIM listing during a sessions listing) take their calls from one
// schedule: together they never start more than share × limit calls in any
// 60 s, while each alone would go at the full share.
func TestJobsOfOneBudgetNeverTogetherExceedTheShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := testBudget{"op1", map[string]int{"/sims": 100}}
		sessions, air := &lister{op: "/sims", pages: 40}, &lister{op: "/sims", pages: 40}
		s := budgetScheduler(t, store.New(), 0.5,
			Job{Key: sourceKey("a", "sessions"), Interval: time.Minute, Poll: sessions.Poll, Budget: b},
			Job{Key: sourceKey("a", "air"), Interval: time.Minute, Poll: air.Poll, Budget: b})
		runFor(s, 15*time.Minute)
		if len(sessions.times()) < 100 || len(air.times()) < 100 {
			t.Fatalf("sessions made %d calls, air %d in 15 minutes; want both listing", len(sessions.times()), len(air.times()))
		}
		if n := busiestMinute(sessions.times(), air.times()); n > 50 {
			t.Fatalf("%d calls of /sims started within 60 s; the share allows 50 (0.5 × 100)", n)
		}
		for _, k := range []store.Key{sourceKey("a", "sessions"), sourceKey("a", "air")} {
			// After the first polls, which learn the cost, the polls
			// end within their time.
			if st := statusOf(s, k); st.Polls-st.Failures < 5 {
				t.Errorf("%s: %d of %d polls failed; last error: %s", k, st.Failures, st.Polls, st.LastError)
			}
		}
	})
}

// Jobs of different budgets (other operators) do not wait for each other:
// each goes at the full share of its own limit, at the same time.
func TestJobsOfOtherBudgetsDoNotSlowEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := map[string]int{"/sims": 100}
		one, two := &lister{op: "/sims", pages: 30}, &lister{op: "/sims", pages: 30}
		s := budgetScheduler(t, store.New(), 0.5,
			Job{Key: sourceKey("a", "sessions"), Interval: time.Minute, Poll: one.Poll, Budget: testBudget{"op1", limits}},
			Job{Key: sourceKey("b", "sessions"), Interval: time.Minute, Poll: two.Poll, Budget: testBudget{"op2", limits}})
		start := time.Now()
		if err := s.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		for name, l := range map[string]*lister{"op1": one, "op2": two} {
			sent := l.times()
			if len(sent) != 30 || !sent[0].Equal(start) || sent[29].Sub(start) != 29*1200*time.Millisecond {
				t.Errorf("%s: %d calls from %v to %v after the start; want 30, 1.2 s apart from the start",
					name, len(sent), sent[0].Sub(start), sent[len(sent)-1].Sub(start))
			}
		}
	})
}

// A call whose moment on the schedule comes after its poll's deadline
// fails at once, without waiting for the deadline, and leaves the moment
// to other calls.
func TestPacedCallBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One call a minute: the second page's moment is 60 s away, the
		// poll's deadline 30 s.
		b := testBudget{"op1", map[string]int{"/sims": 1}}
		l := &lister{op: "/sims", pages: 2}
		s := budgetScheduler(t, store.New(), 1,
			Job{Key: testKey, Interval: time.Minute, Timeout: 30 * time.Second, Poll: l.Poll, Budget: b})
		start := time.Now()
		err := s.RunOnce(context.Background())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("poll ended with %v; want a deadline error", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("the poll waited %v for a call it could not make in time", waited)
		}
		// The refused call reserved nothing: the next call of the budget
		// comes a minute after the first, not two.
		m := newMeter(b, 1, &s.pace, &budgetRef{})
		if d, ok := m.Take("/sims", time.Now(), time.Hour); !ok || d != time.Minute {
			t.Fatalf("next call of the budget in %v (%v); want 1m0s", d, ok)
		}
	})
}

// renamedBudget is a budget whose name changes, as an account's does when
// its operator ID becomes known.
type renamedBudget struct {
	name   *atomic.Pointer[string]
	limits map[string]int
}

func (b renamedBudget) Name() string { return *b.name.Load() }

func (b renamedBudget) Limit(op string) (int, bool) {
	l, ok := b.limits[op]
	return l, ok
}

func newName(s string) *atomic.Pointer[string] {
	var p atomic.Pointer[string]
	p.Store(&s)
	return &p
}

// A budget named after its account until the operator ID is known keeps
// one schedule across the change: the calls under the new name come after
// those reserved under the old one, and two accounts that turn out to log
// in to one operator are paced together from then on. The old name's
// schedule is forgotten once its moments have passed.
func TestBudgetRenameKeepsOneSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := map[string]int{"/sims": 100}
		nameA, nameB := newName("account a jp"), newName("account b jp")
		a, b := &lister{op: "/sims", pages: 40}, &lister{op: "/sims", pages: 40}
		s := budgetScheduler(t, store.New(), 0.5,
			Job{Key: sourceKey("a", "sessions"), Interval: 10 * time.Minute, Timeout: 10 * time.Minute, Poll: a.Poll, Budget: renamedBudget{nameA, limits}},
			Job{Key: sourceKey("b", "sessions"), Interval: 10 * time.Minute, Timeout: 10 * time.Minute, Poll: b.Poll, Budget: renamedBudget{nameB, limits}})
		done := make(chan error)
		go func() { done <- s.RunOnce(context.Background()) }()
		// The accounts learn their operator (the same) during their
		// listings, 12 s in.
		time.Sleep(12*time.Second + 600*time.Millisecond)
		renamed := time.Now()
		operator := "operator OP1 jp"
		nameA.Store(&operator)
		nameB.Store(&operator)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var after [][]time.Time
		for _, l := range []*lister{a, b} {
			sent := l.times()
			for i := 1; i < len(sent); i++ {
				if gap := sent[i].Sub(sent[i-1]); gap < 1200*time.Millisecond {
					t.Fatalf("calls %d and %d of one account went out %v apart; the share's pace is 1.2 s", i-1, i, gap)
				}
			}
			i, _ := slices.BinarySearchFunc(sent, renamed, func(a, b time.Time) int { return a.Compare(b) })
			after = append(after, sent[i:])
		}
		if n := busiestMinute(after...); n > 50 {
			t.Fatalf("%d calls of one operator's /sims within 60 s after the rename; the share allows 50", n)
		}
		// More calls after the change than a minute's share, so that
		// pacing them apart would show.
		if len(after[0]) < 26 || len(after[1]) < 26 || len(a.times())+len(b.times()) != 80 {
			t.Fatalf("%d and %d calls after the rename, %d in all; want over 25 each, 80", len(after[0]), len(after[1]),
				len(a.times())+len(b.times()))
		}
		// A minute after the last call nothing is left of either name.
		time.Sleep(2 * time.Minute)
		other := newMeter(testBudget{"op2", limits}, 0.5, &s.pace, &budgetRef{})
		other.Take("/sims", time.Now(), time.Hour)
		if n := s.pace.entries(); n != 1 {
			t.Fatalf("the schedule keeps %d entries; want only the new budget's", n)
		}
	})
}

// Refreshes take their calls' moments from the budget's schedule as polls
// do, waiting a few seconds at most: a refresh call whose moment is further
// away fails at once, and a refresh's call delays the next poll's.
func TestRefreshesArePacedWithThePolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Six calls a minute at a share of 1: one every 10 s.
		b := testBudget{"op1", map[string]int{"/sims": 6}}
		l := &lister{op: "/sims", pages: 1}
		s := budgetScheduler(t, store.New(), 1, Job{Key: testKey, Interval: time.Hour, Poll: l.Poll, Budget: b})
		if err := s.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		var sent []time.Time
		err := s.Refresh(context.Background(), testKey, func(ctx context.Context) (*poll.Result, error) {
			m := MeterFrom(ctx)
			for range 2 {
				if err := pacedCall(ctx, m, "/sims"); err != nil {
					return nil, err
				}
				sent = append(sent, time.Now())
			}
			return &poll.Result{ListedAt: time.Now()}, nil
		})
		if !errors.Is(err, context.DeadlineExceeded) || len(sent) != 1 {
			t.Fatalf("refresh of two calls 10 s apart: %d made, err %v; want the second refused", len(sent), err)
		}
		if waited := time.Since(sent[0]); waited != 0 {
			t.Fatalf("the refused call waited %v", waited)
		}
		if err := s.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if polled := l.times(); polled[1].Sub(sent[0]) != 10*time.Second {
			t.Fatalf("the poll's call went out %v after the refresh's; want 10s", polled[1].Sub(sent[0]))
		}
	})
}

// A poll that meets another job's listing of the same operation shares
// the pace with it and takes longer than alone: its timeout allows for it,
// so that steady polling is not cut short whenever the listings meet.
func TestPollMeetingAnotherListingIsNotCutShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := testBudget{"op1", map[string]int{"/sims": 100}}
		// 40 pages a minute and 40 every 5 minutes against 45 a minute
		// (90 % of 0.5 × 100): both lengthened a little. Alone a
		// sessions listing takes 48 s; meeting air's, up to 96 s.
		sessions, air := &lister{op: "/sims", pages: 40}, &lister{op: "/sims", pages: 40}
		kS, kA := sourceKey("a", "sessions"), sourceKey("a", "air")
		s := budgetScheduler(t, store.New(), 0.5,
			Job{Key: kS, Interval: time.Minute, Poll: sessions.Poll, Budget: b},
			Job{Key: kA, Interval: 5 * time.Minute, Poll: air.Poll, Budget: b})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		time.Sleep(15 * time.Minute) // the first polls learn the costs
		warm := statusOf(s, kS)
		time.Sleep(60 * time.Minute)
		cancel()
		<-done
		st := statusOf(s, kS)
		if st.Failures > warm.Failures+1 { // the one canceled at the end
			t.Fatalf("%d of %d sessions polls cut short in steady state; last error: %s",
				st.Failures-warm.Failures, st.Polls-warm.Polls, st.LastError)
		}
		if n := busiestMinute(sessions.times(), air.times()); n > 50 {
			t.Fatalf("%d calls of /sims started within 60 s; the share allows 50", n)
		}
	})
}
