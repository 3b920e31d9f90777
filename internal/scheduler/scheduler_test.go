package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
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

func (s *scripted) Name() string { return "test" }

func (s *scripted) Poll(ctx context.Context, t Target) (*store.Snapshot, error) {
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
	return &store.Snapshot{Items: n, OperatorID: "OP1", Families: b.Build()}, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunOnceReportsFailuresAndKeepsOldData(t *testing.T) {
	st := store.New()
	src := &scripted{results: []error{nil, errors.New("HTTP 503")}}
	s := New(st, quiet(), []Job{{Source: src, Target: Target{Account: "a", Coverage: "jp"}, Interval: time.Minute}})
	if err := s.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := store.Key{Account: "a", Coverage: "jp", Source: "test"}
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

func TestPollTimeout(t *testing.T) {
	src := &scripted{results: []error{nil}, block: time.Minute}
	s := New(store.New(), quiet(), []Job{{Source: src, Target: Target{Account: "a", Coverage: "jp"}, Interval: time.Minute, Timeout: 50 * time.Millisecond}})
	err := s.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Fatalf("got %v", err)
	}
}

func TestRunPollsRepeatedlyWithoutOverlap(t *testing.T) {
	st := store.New()
	src := &scripted{results: []error{errors.New("down"), nil}, block: 5 * time.Millisecond}
	// The minimum interval of the configuration does not apply here: a
	// short one keeps the test fast.
	s := New(st, quiet(), []Job{{Source: src, Target: Target{Account: "a", Coverage: "jp"}, Interval: 100 * time.Millisecond}})
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
	if st.Get(store.Key{Account: "a", Coverage: "jp", Source: "test"}) == nil {
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
