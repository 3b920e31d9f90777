package source

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// pollClock is the client's clock and the fake's wall clock. A sleep moves
// it at once; one poll may sleep at most budget in all, as its timeout
// allows, and the sleep that would go beyond fails as the timeout would.
type pollClock struct {
	mu     sync.Mutex
	now    time.Time
	budget time.Duration
	spent  time.Duration
}

func newPollClock(budget time.Duration) *pollClock {
	return &pollClock{now: time.Unix(1_750_000_000, 0), budget: budget}
}

func (c *pollClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *pollClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spent+d > c.budget {
		c.now = c.now.Add(c.budget - c.spent)
		c.spent = c.budget
		return context.DeadlineExceeded
	}
	c.now = c.now.Add(d)
	c.spent += d
	return nil
}

// nextPoll lets gap pass (the rest of the interval) and starts a poll.
func (c *pollClock) nextPoll(gap time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(gap)
	c.spent = 0
}

// exportRecorder is an ExportObserver that remembers what it saw.
type exportRecorder struct {
	mu       sync.Mutex
	pending  map[string]bool
	finished []string
	took     []time.Duration
}

func (r *exportRecorder) ExportPending(source, account, coverage string, pending bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[string]bool{}
	}
	r.pending[source+"/"+account+"/"+coverage] = pending
}

func (r *exportRecorder) ExportFinished(source, _, _, result string, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = append(r.finished, source+":"+result)
	r.took = append(r.took, took)
}

func (r *exportRecorder) isPending(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending[key]
}

const (
	airExportOp     = "/stats/air/operators/{operator_id}/export"
	billingExportOp = "/bills/latest/export"
)

// TestAirExportOutlastsThreePolls: an export that takes longer than three
// polls' timeouts is resumed by each poll, and the fourth poll delivers the
// usage from the one export that was ever asked for.
func TestAirExportOutlastsThreePolls(t *testing.T) {
	const timeout, interval = 4 * time.Minute, 5 * time.Minute
	clock := newPollClock(timeout)
	start := time.Date(2025, time.November, 12, 6, 0, 0, 0, time.UTC)
	fake, target := fakeTargetWith(t, soracomfake.Options{Seed: 3, SIMs: 30, Coverages: []string{"jp"}, Start: start,
		WallClock: clock.Now, ExportProcessing: 17 * time.Minute}, soracom.Options{Clock: clock})
	fake.Advance(2 * time.Hour)
	rec := &exportRecorder{}
	opts := airOptions(fake, AirModeExport)
	opts.ExportFirstPoll = time.Second
	src := newAir(Env{Exports: rec}, opts)

	for i := range 3 {
		if i > 0 {
			clock.nextPoll(interval - timeout)
		}
		_, err := src.Poll(context.Background(), target)
		var pending *ExportPendingError
		if !errors.As(err, &pending) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("poll %d: %v, want the export still pending", i+1, err)
		}
		if !rec.isPending("air/test/jp") {
			t.Fatalf("poll %d: the export is not reported pending", i+1)
		}
	}
	clock.nextPoll(interval - timeout)
	res, err := src.Poll(context.Background(), target)
	if err != nil {
		t.Fatalf("fourth poll: %v", err)
	}
	if n := fake.Calls("jp", http.MethodPost, airExportOp); n != 1 {
		t.Fatalf("%d exports asked for, want 1", n)
	}
	if rec.isPending("air/test/jp") {
		t.Fatal("the export is still reported pending")
	}
	if len(rec.finished) != 1 || rec.finished[0] != "air:exported" || rec.took[0] < 17*time.Minute || rec.took[0] > 20*time.Minute {
		t.Fatalf("finished %v after %v, want one export in 17m to 20m", rec.finished, rec.took)
	}
	up := counterValues(renderFamilies(t, res, AirName), "soracom_sim_air_bytes_total")
	if len(up) == 0 {
		t.Fatal("no usage after the export was delivered")
	}
	var total float64
	for _, v := range up {
		total += v
	}
	if total == 0 {
		t.Fatal("the usage is all zero")
	}
}

// TestExportFailedOrTooOldIsAskedAnew: a failed export is asked for again at
// the next poll, and so is one pending longer than MaxPendingExport.
func TestExportFailedOrTooOldIsAskedAnew(t *testing.T) {
	clock := newPollClock(time.Minute)
	start := time.Date(2025, time.November, 12, 6, 0, 0, 0, time.UTC)
	fake, target := fakeTargetWith(t, soracomfake.Options{Seed: 3, SIMs: 10, Coverages: []string{"jp"}, Start: start,
		WallClock: clock.Now}, soracom.Options{Clock: clock})
	fake.Advance(time.Hour)
	rec := &exportRecorder{}
	src := newAir(Env{Exports: rec}, airOptions(fake, AirModeExport))

	if err := fake.SetExports(soracomfake.ExportSettings{Fail: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background(), target); !errors.Is(err, soracom.ErrExportFailed) {
		t.Fatalf("got %v, want the failed export", err)
	}
	if err := fake.SetExports(soracomfake.ExportSettings{Processing: 3 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	clock.nextPoll(time.Minute)
	if _, err := src.Poll(context.Background(), target); !errors.As(err, new(*ExportPendingError)) {
		t.Fatalf("got %v, want a new export pending", err)
	}
	clock.nextPoll(MaxPendingExport)
	if err := fake.SetExports(soracomfake.ExportSettings{}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background(), target); err != nil {
		t.Fatalf("poll after giving up the old export: %v", err)
	}
	if n := fake.Calls("jp", http.MethodPost, airExportOp); n != 3 {
		t.Fatalf("%d exports asked for, want 3 (failed, given up, delivered)", n)
	}
	want := []string{"air:failed", "air:abandoned", "air:exported"}
	if len(rec.finished) != 3 || rec.finished[0] != want[0] || rec.finished[1] != want[1] || rec.finished[2] != want[2] {
		t.Fatalf("finished %v, want %v", rec.finished, want)
	}
}

// TestExportOfAMonthThatEndedIsAbandoned: an export asked for in the last
// minutes of a month and still processing when the month ends is of no use
// to the new month's first poll: that poll gives it up and asks for the new
// month, which the next poll delivers.
func TestExportOfAMonthThatEndedIsAbandoned(t *testing.T) {
	const timeout = 4 * time.Minute
	clock := newPollClock(timeout)
	start := time.Date(2025, time.November, 30, 22, 0, 0, 0, time.UTC)
	fake, target := fakeTargetWith(t, soracomfake.Options{Seed: 3, SIMs: 10, Coverages: []string{"jp"}, Start: start,
		WallClock: clock.Now, ExportProcessing: 30 * time.Minute}, soracom.Options{Clock: clock})
	fake.Advance(110 * time.Minute) // 23:50 UTC
	rec := &exportRecorder{}
	opts := airOptions(fake, AirModeExport)
	opts.ExportFirstPoll = time.Second
	src := newAir(Env{Exports: rec}, opts)

	if _, err := src.Poll(context.Background(), target); !errors.As(err, new(*ExportPendingError)) {
		t.Fatalf("November's poll: %v, want its export pending", err)
	}
	fake.Advance(20 * time.Minute) // 00:10 UTC on 1 December
	clock.nextPoll(20 * time.Minute)
	if _, err := src.Poll(context.Background(), target); !errors.As(err, new(*ExportPendingError)) {
		t.Fatalf("December's first poll: %v, want a new export pending", err)
	}
	if len(rec.finished) != 1 || rec.finished[0] != "air:abandoned" {
		t.Fatalf("finished %v, want November's export abandoned", rec.finished)
	}
	fake.Advance(40 * time.Minute)
	clock.nextPoll(40 * time.Minute)
	if _, err := src.Poll(context.Background(), target); err != nil {
		t.Fatalf("December's second poll: %v", err)
	}
	if n := fake.Calls("jp", http.MethodPost, airExportOp); n != 2 {
		t.Fatalf("%d exports asked for, want 2 (November's, given up; December's)", n)
	}
	if len(rec.finished) != 2 || rec.finished[1] != "air:exported" {
		t.Fatalf("finished %v, want December's export delivered", rec.finished)
	}
}

// TestBillingServesTheBillWhileItsExportIsPending: the per-SIM export
// outlasting a poll costs neither the bill nor its items; the next poll
// resumes the same export and adds the per-SIM costs.
func TestBillingServesTheBillWhileItsExportIsPending(t *testing.T) {
	clock := newPollClock(2 * time.Minute)
	start := time.Date(2025, time.November, 20, 0, 0, 0, 0, time.UTC)
	fake, target := fakeTargetWith(t, soracomfake.Options{Seed: 10, SIMs: 150, Coverages: []string{"jp"}, Start: start,
		WallClock: clock.Now, ExportProcessing: 3 * time.Minute}, soracom.Options{Clock: clock})
	fake.Advance(90 * time.Minute)
	rec := &exportRecorder{}
	src := newBilling(Env{Exports: rec}, BillingOptions{Now: fake.Now, PerSIMExport: true, ExportFirstPoll: time.Second})

	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	if mfs["soracom_bill_amount"] == nil || mfs["soracom_bill_item_amount"] == nil {
		t.Fatal("the bill or its items are missing while the export is pending")
	}
	if mfs["soracom_sim_bill_amount"] != nil {
		t.Fatal("per-SIM costs before the export was delivered")
	}
	if !rec.isPending("billing/test/jp") {
		t.Fatal("the export is not reported pending")
	}
	clock.nextPoll(time.Minute)
	mfs = renderFamilies(t, pollOnce(t, src, target), BillingName)
	if n := len(gaugeByLabel(mfs, "soracom_sim_bill_amount", "sim_id")); n != len(fake.LatestBill("jp").SIMs) {
		t.Fatalf("%d SIMs with a cost, the fake bills %d", n, len(fake.LatestBill("jp").SIMs))
	}
	if mfs["soracom_sim_bill_last_read_timestamp_seconds"] == nil {
		t.Fatal("no time of the per-SIM read")
	}
	if n := fake.Calls("jp", http.MethodPost, billingExportOp); n != 1 {
		t.Fatalf("%d exports asked for, want 1", n)
	}
}
