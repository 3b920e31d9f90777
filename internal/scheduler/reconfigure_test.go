package scheduler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// recorder is a poll function that records when it ran.
type recorder struct {
	mu    sync.Mutex
	times []time.Time
	// block, when set, makes a poll wait for its context to end.
	block    bool
	canceled bool
	started  chan struct{}
}

func (r *recorder) Poll(ctx context.Context) (*poll.Result, error) {
	r.mu.Lock()
	r.times = append(r.times, time.Now())
	block := r.block
	r.mu.Unlock()
	if block {
		if r.started != nil {
			close(r.started)
		}
		<-ctx.Done()
		r.mu.Lock()
		r.canceled = true
		r.mu.Unlock()
		return nil, ctx.Err()
	}
	b := exposition.NewBuilder()
	b.Add(famTest, 1)
	return &poll.Result{Items: 1, Families: b.Build()}, nil
}

func (r *recorder) polls() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.times...)
}

func run(t *testing.T, s *Scheduler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// TestReconfigureKeepsAJobAndChangesItsSchedule: a job whose interval
// changes keeps its status and data; its next poll comes one new interval
// after its last one, not at once and not on the old interval.
func TestReconfigureKeepsAJobAndChangesItsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := store.New()
		rec := &recorder{}
		s := newScheduler(t, st, Job{Key: testKey, Poll: rec.Poll, Interval: time.Minute})
		stop := run(t, s)
		defer stop()
		time.Sleep(150 * time.Second) // the first poll within 10 s, then about every minute
		before := rec.polls()
		snap := st.Get(testKey)
		if len(before) < 2 || snap == nil {
			t.Fatalf("%d polls before the change", len(before))
		}
		if err := s.Reconfigure([]Job{{Key: testKey, Poll: rec.Poll, Interval: 10 * time.Minute}}); err != nil {
			t.Fatal(err)
		}
		if st.Get(testKey) != snap {
			t.Fatal("the change dropped the data")
		}
		stt := s.Statuses()[0]
		if stt.Polls != uint64(len(before)) || stt.Interval != 10*time.Minute || stt.MaxAge != 30*time.Minute {
			t.Fatalf("status after the change: %+v", stt)
		}
		time.Sleep(30 * time.Minute)
		after := rec.polls()[len(before):]
		if len(after) < 2 {
			t.Fatalf("%d polls in 30 minutes on a 10-minute interval", len(after))
		}
		last := before[len(before)-1]
		if gap := after[0].Sub(last); gap < 9*time.Minute || gap > 11*time.Minute {
			t.Errorf("first poll on the new schedule %s after the last one, want about 10m", gap)
		}
		if gap := after[1].Sub(after[0]); gap < 9*time.Minute {
			t.Errorf("polls %s apart on a 10-minute interval", gap)
		}
	})
}

// TestReconfigureChangedPollRunsSoon: a job whose poll function is new
// polls again soon, as at start, whatever its interval.
func TestReconfigureChangedPollRunsSoon(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old, fresh := &recorder{}, &recorder{}
		s := newScheduler(t, store.New(), Job{Key: testKey, Poll: old.Poll, Interval: time.Hour})
		stop := run(t, s)
		defer stop()
		time.Sleep(time.Minute)
		if len(old.polls()) != 1 {
			t.Fatalf("%d polls", len(old.polls()))
		}
		changed := time.Now()
		if err := s.Reconfigure([]Job{{Key: testKey, Poll: fresh.Poll, Interval: time.Hour}}, testKey); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		got := fresh.polls()
		if len(got) != 1 || len(old.polls()) != 1 {
			t.Fatalf("after the change: %d polls of the new function, %d of the old", len(got), len(old.polls()))
		}
		if wait := got[0].Sub(changed); wait > 10*time.Second {
			t.Fatalf("the new function first polled %s after the change", wait)
		}
		if stt := s.Statuses()[0]; stt.Polls != 2 {
			t.Fatalf("the job's count restarted: %+v", stt)
		}
	})
}

// TestReconfigureRemovesAndAddsJobs: a removed job's poll in flight is
// canceled, its data leaves the store, and it neither polls nor refreshes
// again; a job added while Run runs starts polling.
func TestReconfigureRemovesAndAddsJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := store.New()
		keep, leave, added := &recorder{}, &recorder{}, &recorder{}
		leaveKey := store.Key{Account: "b", Coverage: "jp", Source: "test"}
		addKey := store.Key{Account: "c", Coverage: "jp", Source: "test"}
		s := newScheduler(t, st, Job{Key: testKey, Poll: keep.Poll, Interval: time.Minute},
			Job{Key: leaveKey, Poll: leave.Poll, Interval: time.Minute})
		stop := run(t, s)
		defer stop()
		time.Sleep(30 * time.Second)
		if st.Get(leaveKey) == nil {
			t.Fatal("the job to remove did not poll")
		}
		leave.mu.Lock()
		leave.block, leave.started = true, make(chan struct{})
		leave.mu.Unlock()
		<-leave.started // its next poll is in flight

		if err := s.Reconfigure([]Job{{Key: testKey, Poll: keep.Poll, Interval: time.Minute},
			{Key: addKey, Poll: added.Poll, Interval: time.Minute}}); err != nil {
			t.Fatal(err)
		}
		leave.mu.Lock()
		canceled, n := leave.canceled, len(leave.times)
		leave.mu.Unlock()
		if !canceled {
			t.Error("the removed job's poll in flight was not canceled")
		}
		if st.Get(leaveKey) != nil {
			t.Error("the removed job's data is still stored")
		}
		refresh := func(context.Context) (*poll.Result, error) { t.Error("refresh of a removed job ran"); return nil, nil }
		if err := s.Refresh(context.Background(), leaveKey, refresh); !errors.Is(err, ErrUnknownJob) {
			t.Errorf("refresh of a removed job: %v", err)
		}
		time.Sleep(5 * time.Minute)
		if len(leave.polls()) != n {
			t.Error("the removed job polled again")
		}
		if len(added.polls()) < 4 || st.Get(addKey) == nil {
			t.Errorf("the added job polled %d times", len(added.polls()))
		}
		var keys []store.Key
		for _, stt := range s.Statuses() {
			keys = append(keys, stt.Key)
		}
		if len(keys) != 2 || keys[0] != testKey || keys[1] != addKey {
			t.Errorf("jobs after the change: %v", keys)
		}
	})
}
