package soracom_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

func TestAirStatsExportIsFollowedAndDownloadedWithoutAPICredentials(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 8, Coverages: []string{jp}}, nil)
	e.fake.Advance(2 * time.Hour)
	ctx := context.Background()
	now := e.fake.Now()
	// No call was made yet: the export needs the operator ID from /auth.
	exp, err := e.client.ExportAirStats(ctx, now.Add(-time.Hour), now, soracom.PeriodMonth)
	if err != nil {
		t.Fatal(err)
	}
	if exp.ExportedFileID == "" || exp.URL != "" {
		t.Fatalf("async export answered %+v", exp)
	}
	url, err := e.client.WaitExportedFile(ctx, exp, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Calls(jp, "GET", "/files/exported/{exported_file_id}"); got != 2 {
		t.Errorf("%d state checks, want 2 (processing, exported)", got)
	}
	// The fake's storage refuses requests carrying X-Soracom-* headers.
	body, err := e.client.DownloadExportedFile(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	b, _ := io.ReadAll(body)
	if !strings.HasPrefix(string(b), "\ufeffimsi,") {
		t.Fatalf("downloaded %q", b)
	}

	// A refused download does not quote the signed URL.
	_, err = e.client.DownloadExportedFile(ctx, strings.Replace(url, "signature=", "signature=x", 1))
	if err == nil || strings.Contains(err.Error(), "signature") || strings.Contains(err.Error(), "/_files/") {
		t.Fatalf("error %v", err)
	}
}

func TestPerSIMStatsAndBills(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 6, Coverages: []string{jp}}, nil)
	e.fake.Advance(3 * 24 * time.Hour)
	ctx := context.Background()
	now := e.fake.Now()
	var sum int64
	for _, id := range e.fake.SimIDs(jp) {
		buckets, err := e.client.GetAirStatsOfSim(ctx, id, now.Add(-2*time.Hour), now, soracom.PeriodMinutes)
		if err != nil {
			t.Fatal(err)
		}
		for i := range buckets {
			sum += buckets[i].Total().UploadByteSizeTotal
		}
	}
	if sum == 0 {
		t.Fatal("no traffic in the last two hours")
	}
	latest, err := e.client.GetLatestBilling(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at, ok := latest.LastEvaluated()
	if latest.Currency != "JPY" || latest.Amount <= 0 || !ok || !at.Equal(now.Truncate(time.Second)) {
		t.Fatalf("latest bill %+v (evaluated %v)", latest, at)
	}
	items, err := e.client.GetBillingSummaryOfBillItems(ctx)
	if err != nil || len(items) != 4 || len(items[0].CostBreakdownList) == 0 {
		t.Fatalf("bill items %+v, %v", items, err)
	}
	sims, err := e.client.GetBillingSummaryOfSims(ctx)
	if err != nil || len(sims) != 4 || sims[0].CostBreakdownList[0].SimID == "" {
		t.Fatalf("SIM summary %+v, %v", sims, err)
	}
	if _, err := e.client.GetBillingHistory(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFailedExportIsReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/auth" {
			_, _ = io.WriteString(w, `{"apiKey":"k","token":"t","operatorId":"OP1"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"failed"}`)
	}))
	defer srv.Close()
	c, err := soracom.New(soracom.Options{Endpoint: srv.URL, Credentials: soracom.Credentials{AuthKeyID: "keyId-x", AuthKey: "secret-x"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitExportedFile(context.Background(), &soracom.FileExport{ExportedFileID: "fe_1"}, time.Millisecond)
	if !errors.Is(err, soracom.ErrExportFailed) {
		t.Fatalf("got %v", err)
	}
}

// TestExportIsResumedByItsID: a wait that runs out of time leaves the export
// pending, with its ID; waiting again on that ID gets the file without a
// second export.
func TestExportIsResumedByItsID(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 8, Coverages: []string{jp}, ExportProcessing: 20 * time.Minute}, nil)
	e.fake.Advance(2 * time.Hour)
	now := e.fake.Now()
	exp, err := e.client.ExportAirStats(context.Background(), now.Add(-time.Hour), now, soracom.PeriodMonth)
	if err != nil {
		t.Fatal(err)
	}
	spent, cancel := context.WithCancel(context.Background())
	cancel() // the poll's time is up
	_, err = e.client.WaitExportedFile(spent, exp, time.Second)
	var pending *soracom.ExportPendingError
	if !errors.As(err, &pending) || pending.ExportedFileID != exp.ExportedFileID || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the export pending with its ID", err)
	}
	e.clock.Slept()
	url, err := e.client.WaitExportedFile(context.Background(), &soracom.FileExport{ExportedFileID: pending.ExportedFileID}, time.Second)
	if err != nil || url == "" {
		t.Fatalf("resumed wait: %q, %v", url, err)
	}
	if _, waited := e.clock.Slept(); waited < 20*time.Minute {
		t.Fatalf("the file came after %v, the export takes 20m", waited)
	}
	if n := e.fake.Calls(jp, http.MethodPost, "/stats/air/operators/{operator_id}/export"); n != 1 {
		t.Fatalf("%d exports started, want 1", n)
	}
}
