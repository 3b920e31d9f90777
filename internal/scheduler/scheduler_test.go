package scheduler

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

var famTest = exposition.NewFamily("test_polls", "Poll number.", exposition.Gauge)

// scripted answers each poll with the next result of its script, then
// repeats the last one.
type scripted struct {
	mu       sync.Mutex
	results  []error
	calls    int
	inFlight atomic.Int32
	overlap  atomic.Bool
	block    time.Duration
}

func (s *scripted) Poll(ctx context.Context) (*poll.Result, error) {
	if s.inFlight.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.inFlight.Add(-1)
	s.mu.Lock()
	i := min(s.calls, len(s.results)-1)
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if s.block > 0 {
		select {
		case <-time.After(s.block):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := s.results[i]; err != nil {
		return nil, err
	}
	b := exposition.NewBuilder()
	b.Add(famTest, float64(n))
	return &poll.Result{Items: n, OperatorID: "OP1", Families: b.Build(), ListedAt: time.Now()}, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var testKey = store.Key{Account: "a", Coverage: "jp", Source: "test"}

func newScheduler(t *testing.T, st *store.Store, jobs ...Job) *Scheduler {
	t.Helper()
	s, err := New(st, quiet(), jobs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRunOnceReportsFailuresAndKeepsOldData(t *testing.T) {
	st := store.New()
	src := &scripted{results: []error{nil, errors.New("HTTP 503")}}
	s := newScheduler(t, st, Job{Key: testKey, Poll: src.Poll, Interval: time.Minute})
	if err := s.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := testKey
	first := st.Get(key)
	err := s.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "a/jp/test: HTTP 503") {
		t.Fatalf("failure not reported with its target: %v", err)
	}
	if st.Get(key) != first {
		t.Fatal("a failed poll replaced the previous snapshot")
	}
	stt := s.Statuses()[0]
	if stt.Succeeded || stt.ConsecutiveFailures != 1 || stt.Polls != 2 || stt.Failures != 1 || stt.LastError != "HTTP 503" ||
		stt.OperatorID != "OP1" || stt.Items != 1 || stt.MaxAge != 3*time.Minute {
		t.Fatalf("status %+v", stt)
	}
}

// TestPersistentFailureWarnsOnce: a failure repeated poll after poll (a
// permission missing) is a warning once, and again when the error changes;
// the repeats are debug lines; a success after failures is said once.
func TestPersistentFailureWarnsOnce(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	denied, down := errors.New("HTTP 403: no permission"), errors.New("HTTP 503")
	src := &scripted{results: []error{denied, denied, denied, down, down, nil, nil, denied}}
	s, err := New(store.New(), log, []Job{{Key: testKey, Poll: src.Poll, Interval: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		_ = s.RunOnce(context.Background())
	}
	var got []string
	for line := range strings.Lines(logs.String()) {
		level := strings.Fields(line)[1]
		switch {
		case strings.Contains(line, "poll failed"):
			got = append(got, level+" "+map[bool]string{true: "403", false: "503"}[strings.Contains(line, "403")])
		case strings.Contains(line, "succeeded again"):
			got = append(got, level+" recovered")
		}
	}
	want := []string{"level=WARN 403", "level=DEBUG 403", "level=DEBUG 403", "level=WARN 503", "level=DEBUG 503",
		"level=INFO recovered", "level=WARN 403"}
	if !slices.Equal(got, want) {
		t.Fatalf("log lines:\n%s\nwant %q\n\n%s", strings.Join(got, "\n"), want, logs.String())
	}
}

func TestPollTimeout(t *testing.T) { synctest.Test(t, testPollTimeout) }

func testPollTimeout(t *testing.T) {
	src := &scripted{results: []error{nil}, block: time.Minute}
	s := newScheduler(t, store.New(), Job{Key: testKey, Poll: src.Poll, Interval: time.Minute, Timeout: 50 * time.Millisecond})
	err := s.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Fatalf("got %v", err)
	}
}

func TestRunPollsRepeatedlyWithoutOverlap(t *testing.T) {
	synctest.Test(t, testRunPollsRepeatedlyWithoutOverlap)
}

func testRunPollsRepeatedlyWithoutOverlap(t *testing.T) {
	st := store.New()
	src := &scripted{results: []error{errors.New("down"), nil}, block: 5 * time.Millisecond}
	// The minimum interval of the configuration does not apply here: a
	// short one keeps the test fast.
	s := newScheduler(t, st, Job{Key: testKey, Poll: src.Poll, Interval: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	deadline := time.After(10 * time.Second)
	for {
		if stt := s.Statuses()[0]; stt.Polls >= 4 && stt.Succeeded {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("scheduler did not recover and keep polling: %+v", s.Statuses()[0])
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if src.overlap.Load() {
		t.Fatal("two polls of one job ran at the same time")
	}
	if st.Get(testKey) == nil {
		t.Fatal("no snapshot stored")
	}
}

func TestFailureDelayBacksOff(t *testing.T) {
	within := func(d, want time.Duration) bool { return d >= want*9/10 && d <= want*11/10 }
	for _, tc := range []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{time.Minute, 1, 15 * time.Second},
		{time.Minute, 2, 30 * time.Second},
		{time.Minute, 4, 2 * time.Minute},
		{time.Minute, 30, 5 * time.Minute},
		{time.Hour, 30, time.Hour},
		{10 * time.Second, 1, 10 * time.Second},
	} {
		if got := failureDelay(tc.interval, tc.failures); !within(got, tc.want) {
			t.Errorf("interval %v, %d failures: %v, want about %v", tc.interval, tc.failures, got, tc.want)
		}
	}
}

// listingSource stands for a source with memory, such as the sessions
// source: a poll lists everything; a refresh re-reads part of it and merges
// it into the last listing, so its data is as old as that listing. Every
// result carries a version taken when the work started.
type listingSource struct {
	mu       sync.Mutex
	version  int
	listedAt time.Time
}

func (l *listingSource) start(listing bool) (int, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version++
	if listing {
		l.listedAt = time.Now()
	}
	return l.version, l.listedAt
}

func (l *listingSource) work(ctx context.Context, listing bool) (*poll.Result, error) {
	v, listedAt := l.start(listing)
	// API calls take a while, long enough for the other kind of work to
	// start meanwhile if nothing serialized them.
	select {
	case <-time.After(time.Duration(rand.IntN(50)) * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b := exposition.NewBuilder()
	b.Add(famTest, float64(v))
	return &poll.Result{Items: v, Families: b.Build(), ListedAt: listedAt}, nil
}

// resultSlot carries, in a poll's context, where to report what the poll
// produced, so that each caller knows which version it stored.
type resultSlot struct{}

// TestRefreshesAndPollsNeverStoreOlderData runs polls and refreshes of one
// job at the same time: whatever their order, the store must end with the
// newest result, never with data older than the last successful poll, and
// a refresh applied after a poll must be visible.
func TestRefreshesAndPollsNeverStoreOlderData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := store.New()
		src := &listingSource{}
		s := newScheduler(t, st, Job{Key: testKey, Interval: time.Minute,
			Poll: func(ctx context.Context) (*poll.Result, error) {
				r, err := src.work(ctx, true)
				if slot, ok := ctx.Value(resultSlot{}).(**poll.Result); ok {
					*slot = r
				}
				return r, err
			}})
		ctx := context.Background()
		if err := s.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}

		// check runs after each poll or refresh returned: what it stored (or
		// something newer) must be what the store holds.
		check := func(kind string, version int, listedAt time.Time) {
			snap := st.Get(testKey)
			if snap.Items < version {
				t.Errorf("after a %s (version %d), the store holds the older version %d", kind, version, snap.Items)
			}
			if snap.Produced.Before(listedAt) {
				t.Errorf("after a %s of data listed at %v, the store holds data listed at %v", kind, listedAt, snap.Produced)
			}
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				var got *poll.Result
				if _, err := s.poll(context.WithValue(ctx, resultSlot{}, &got), s.jobs[0]); err != nil {
					t.Error(err)
					return
				}
				check("poll", got.Items, got.ListedAt)
			})
			wg.Go(func() {
				var got *poll.Result
				err := s.Refresh(ctx, testKey, func(ctx context.Context) (*poll.Result, error) {
					r, err := src.work(ctx, false)
					got = r
					return r, err
				})
				if err != nil {
					t.Error(err)
					return
				}
				check("refresh", got.Items, got.ListedAt)
			})
		}
		wg.Wait()

		snap := st.Get(testKey)
		if snap.Items != src.version {
			t.Fatalf("the store ends with version %d, the newest is %d", snap.Items, src.version)
		}
		if !snap.Produced.Equal(src.listedAt) {
			t.Fatalf("the store ends with data listed at %v, the last listing was at %v", snap.Produced, src.listedAt)
		}
		if stt := s.Statuses()[0]; stt.Polls != 21 {
			t.Fatalf("refreshes counted as polls: %+v", stt)
		}
	})
}

func TestRefreshNeedsAPolledJob(t *testing.T) {
	s := newScheduler(t, store.New(), Job{Key: testKey, Interval: time.Minute,
		Poll: func(context.Context) (*poll.Result, error) { return nil, errors.New("down") }})
	refresh := func(context.Context) (*poll.Result, error) { t.Fatal("refresh ran"); return nil, nil }
	if err := s.Refresh(context.Background(), testKey, refresh); !errors.Is(err, ErrNotPolled) {
		t.Fatalf("refresh before any poll: %v", err)
	}
	_ = s.RunOnce(context.Background())
	if err := s.Refresh(context.Background(), testKey, refresh); !errors.Is(err, ErrNotPolled) {
		t.Fatalf("refresh after a failed poll: %v", err)
	}
	other := store.Key{Account: "b", Coverage: "jp", Source: "test"}
	if err := s.Refresh(context.Background(), other, refresh); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("refresh of an unknown job: %v", err)
	}
}
