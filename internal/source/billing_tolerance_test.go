package source

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// TestBillingCSVWithoutPerSIMRows: a file without an imsi column, or only a
// byte order mark, has no per-SIM rows; that is not an error.
func TestBillingCSVWithoutPerSIMRows(t *testing.T) {
	for name, in := range map[string]string{
		"BOM only":       "\ufeff",
		"empty":          "",
		"no imsi column": "\ufeffvpgId,date,billItemName,amount\r\nvpg-1,20251101,VPG,100\r\n",
		"header only":    "\ufeffimsi,date,billItemName,amount\r\n",
	} {
		got, err := ReadBillingCSVBySIM(strings.NewReader(in))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v; want no rows and no error", name, got, err)
		}
	}
	if _, err := ReadBillingCSVBySIM(strings.NewReader("imsi,date\n440100000000001,20251101\n")); err == nil {
		t.Error("a file with IMSIs but no amount column was accepted")
	}
}

// TestBillingPerSIMFailureKeepsTheBill: when the per-SIM part fails (here
// the export is not allowed), the bill and its items are still served, and
// a later failure keeps the per-SIM costs read before.
func TestBillingPerSIMFailureKeepsTheBill(t *testing.T) {
	start := time.Date(2025, time.November, 20, 0, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 10, SIMs: 50, Coverages: []string{"jp"}, Start: start,
		DeniedOperations: []string{"exportLatestBilling"}})
	fake.Advance(90 * time.Minute)
	var logs bytes.Buffer
	src := newBilling(Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		BillingOptions{Now: fake.Now, PerSIMExport: true, ExportFirstPoll: time.Millisecond})
	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	if mfs["soracom_bill_amount"] == nil || mfs["soracom_bill_item_amount"] == nil {
		t.Fatal("a failed per-SIM part cost the bill or its items")
	}
	if mfs["soracom_sim_bill_amount"] != nil {
		t.Fatal("per-SIM costs without a per-SIM read")
	}
	if !strings.Contains(logs.String(), "per-SIM costs not refreshed") || !strings.Contains(logs.String(), "403") {
		t.Fatalf("the failure is not logged: %s", logs.String())
	}

	if err := fake.DenyOperations(); err != nil {
		t.Fatal(err)
	}
	fake.Advance(time.Hour)
	read := gaugeByLabel(renderFamilies(t, pollOnce(t, src, target), BillingName), "soracom_sim_bill_amount", "sim_id")
	if len(read) == 0 {
		t.Fatal("no per-SIM costs once the export is allowed")
	}
	readAt := fake.Now().Unix()
	if err := fake.DenyOperations("exportLatestBilling"); err != nil {
		t.Fatal(err)
	}
	fake.Advance(time.Hour)
	mfs = renderFamilies(t, pollOnce(t, src, target), BillingName)
	kept := gaugeByLabel(mfs, "soracom_sim_bill_amount", "sim_id")
	if len(kept) != len(read) {
		t.Fatalf("%d per-SIM costs kept, %d were read", len(kept), len(read))
	}
	if got := gaugeByLabel(mfs, "soracom_sim_bill_last_read_timestamp_seconds", "coverage")["jp"]; got != float64(readAt) {
		t.Fatalf("per-SIM costs read at %v, want %v", got, readAt)
	}
}

// TestBillingLastEvaluatedInTheFuture: lastEvaluatedTime has no documented
// time zone; a value ahead of the exporter's clock is not exported.
func TestBillingLastEvaluatedInTheFuture(t *testing.T) {
	start := time.Date(2025, time.November, 20, 0, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 10, SIMs: 20, Coverages: []string{"jp"}, Start: start})
	fake.Advance(12 * time.Hour)
	var logs bytes.Buffer
	// The exporter's clock is 9 hours behind the one the fake stamps the
	// bill with: as if SORACOM wrote Japan's time.
	behind := func() time.Time { return fake.Now().Add(-9 * time.Hour) }
	src := newBilling(Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, BillingOptions{Now: behind})
	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	if mfs["soracom_bill_last_evaluated_timestamp_seconds"] != nil {
		t.Fatal("a lastEvaluatedTime in the future was exported")
	}
	if mfs["soracom_bill_amount"] == nil || !strings.Contains(logs.String(), "lies in the future") {
		t.Fatalf("bill missing, or nothing logged: %s", logs.String())
	}
}

func TestYearMonth(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for in, want := range map[string]string{
		"202511": "202511", "2025-11": "202511", "2025/11": "202511", "2025-1": "202501", " 202511 ": "202511",
		"": "", "2025": "", "202513": "", "November": "", "20251101": "",
	} {
		if got := yearMonth(log, "test", in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if n := strings.Count(logs.String(), "yearMonth is not a month"); n != 5 {
		t.Errorf("%d values logged, want the 5 that are not months:\n%s", n, logs.String())
	}
}
