package soracomfake

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTrafficIsDeterministicAndIndependentOfClockSteps(t *testing.T) {
	a := newFake(t, Options{Seed: 3, SIMs: 30})
	b := newFake(t, Options{Seed: 3, SIMs: 30})
	a.Advance(26 * time.Hour)
	for range 26 * 12 {
		b.Advance(5 * time.Minute)
	}
	busy := 0
	for _, id := range a.SimIDs(CoverageJapan) {
		ua, _ := a.AirUsage(id, a.Now())
		ub, _ := b.AirUsage(id, b.Now())
		if ua != ub {
			t.Fatalf("%s: %+v after one step, %+v after many", id, ua, ub)
		}
		if ua.UploadBytes > 0 {
			busy++
		}
	}
	if busy == 0 {
		t.Fatal("no SIM has traffic")
	}
	c := newFake(t, Options{Seed: 4, SIMs: 30})
	c.Advance(26 * time.Hour)
	if a.FleetAirUsage(CoverageJapan, a.Now()) == c.FleetAirUsage(CoverageJapan, c.Now()) {
		t.Fatal("another seed gives the same traffic")
	}
}

func TestTrafficGrowsByBucketWithLateDataAndRestartsEachMonth(t *testing.T) {
	start := time.Date(2025, time.January, 31, 23, 0, 0, 0, time.UTC)
	f := newFake(t, Options{Seed: 5, SIMs: 40, Coverages: []string{CoverageJapan}, Start: start})
	prev := f.FleetAirUsage(CoverageJapan, f.Now())
	sawLate := false
	for step := 0; step < 30; step++ {
		before := f.Now()
		f.Advance(time.Minute)
		cur := f.FleetAirUsage(CoverageJapan, f.Now())
		switch {
		case f.Now().Month() != before.Month():
			if cur.UploadBytes >= prev.UploadBytes {
				t.Fatalf("no restart at the month boundary: %d after %d", cur.UploadBytes, prev.UploadBytes)
			}
		case cur.UploadBytes < prev.UploadBytes:
			t.Fatalf("usage decreased within a month")
		case f.Now().Minute()%5 != 0 && cur != prev:
			t.Fatalf("usage changed inside a bucket at %v", f.Now())
		}
		prev = cur
	}
	// The bucket that ended last shows part of its traffic, then the rest.
	for _, id := range f.SimIDs(CoverageJapan) {
		at := f.Now().Truncate(5 * time.Minute).Add(time.Minute)
		early, _ := f.AirUsage(id, at)
		late, _ := f.AirUsage(id, at.Add(5*time.Minute))
		full, _ := f.AirUsage(id, at.Add(10*time.Minute))
		if late.UploadBytes > early.UploadBytes && full.UploadBytes > late.UploadBytes {
			sawLate = true
			break
		}
	}
	if !sawLate {
		t.Fatal("no late data seen")
	}
}

func TestAirStatsExportFlow(t *testing.T) {
	f := newFake(t, Options{Seed: 6, SIMs: 20, Coverages: []string{CoverageJapan}})
	f.Advance(6 * time.Hour)
	api := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	from := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC).Unix()
	body := []byte(fmt.Sprintf(`{"from":%d,"to":%d,"period":"month"}`, from, f.Now().Unix()))
	r := api.do("POST", "/v1/stats/air/operators/"+f.OperatorID()+"/export?export_mode=async", api.credentialHeaders(), body)
	var exp struct{ ExportedFileID, URL string }
	mustJSON(t, r.body, &exp)
	if r.status != http.StatusOK || exp.ExportedFileID == "" || exp.URL != "" {
		t.Fatalf("export: HTTP %d %s", r.status, r.body)
	}
	var st struct{ Status, URL string }
	api.getOK("/v1/files/exported/"+exp.ExportedFileID, &st)
	if st.Status != "processing" || st.URL != "" {
		t.Fatalf("first check: %+v, want processing", st)
	}
	api.getOK("/v1/files/exported/"+exp.ExportedFileID, &st)
	if st.Status != "exported" || !strings.Contains(st.URL, "/_files/") {
		t.Fatalf("second check: %+v, want exported with a URL", st)
	}
	// Pre-signed storage refuses the API credentials.
	path := st.URL[strings.Index(st.URL, "/_files/"):]
	if r := api.do("GET", path, api.credentialHeaders(), nil); r.status != http.StatusBadRequest {
		t.Fatalf("download with SORACOM headers: HTTP %d", r.status)
	}
	if r := api.do("GET", path[:strings.Index(path, "?")], nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("download without signature: HTTP %d", r.status)
	}
	dl := api.do("GET", path, nil, nil)
	if dl.status != http.StatusOK || !bytes.HasPrefix(dl.body, []byte("\ufeffimsi,date,type,")) || !bytes.Contains(dl.body, []byte("\r\n")) {
		t.Fatalf("download: HTTP %d %q", dl.status, truncateForLog(dl.body))
	}
	rows, err := csv.NewReader(bytes.NewReader(dl.body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row[3]
	}
	for _, s := range f.SIMs(CoverageJapan) {
		u, _ := f.AirUsage(s.SIMID, f.Now())
		want := fmt.Sprint(u.UploadBytes)
		if u.isZero() {
			want = ""
		}
		if got[s.IMSI] != want {
			t.Errorf("%s: CSV upload %q, truth %q", s.IMSI, got[s.IMSI], want)
		}
	}
	if f.FileDownloads() != 1 {
		t.Errorf("%d downloads counted", f.FileDownloads())
	}
}

func TestAirStatsOfSimMinutesAddUpToTheMonth(t *testing.T) {
	f := newFake(t, Options{Seed: 7, SIMs: 10, Coverages: []string{CoverageJapan}})
	f.Advance(3 * time.Hour)
	api := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	for _, id := range f.SimIDs(CoverageJapan) {
		var buckets []struct {
			Unixtime            int64
			DataTrafficStatsMap map[string]struct{ UploadByteSizeTotal int64 }
		}
		api.getOK(fmt.Sprintf("/v1/stats/air/sims/%s?from=%d&to=%d&period=minutes", id, time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC).Unix(), f.Now().Unix()), &buckets)
		var sum int64
		for _, b := range buckets {
			for _, s := range b.DataTrafficStatsMap {
				sum += s.UploadByteSizeTotal
			}
		}
		u, _ := f.AirUsage(id, f.Now())
		if sum != u.UploadBytes {
			t.Fatalf("%s: buckets add up to %d, month to date %d", id, sum, u.UploadBytes)
		}
	}
}

func TestBillsAgreeWithEachOtherAndWithTraffic(t *testing.T) {
	f := newFake(t, Options{Seed: 8, SIMs: 30, Coverages: []string{CoverageJapan}})
	f.Advance(5 * 24 * time.Hour)
	api := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	var latest struct {
		Amount   float64
		Currency string
	}
	api.getOK("/v1/bills/latest", &latest)
	truth := f.LatestBill(CoverageJapan)
	if latest.Currency != "JPY" || latest.Amount != truth.Amount || truth.Amount <= 0 {
		t.Fatalf("latest %+v, truth %+v", latest, truth)
	}
	if d := truth.Items[dataFeeItem]; d <= 0 {
		t.Fatal("no data usage fee although SIMs sent data")
	}
	var sims []struct {
		YearMonth         string
		CostBreakdownList []struct {
			Amount float64
			SimID  string
		}
	}
	api.getOK("/v1/bills/summaries/sims", &sims)
	if len(sims) != 4 || sims[0].YearMonth != "202503" {
		t.Fatalf("sims summary months: %+v", sims)
	}
	var sum float64
	for _, c := range sims[0].CostBreakdownList {
		sum += c.Amount
	}
	if d := sum - truth.Amount; d > 0.005 || d < -0.005 {
		t.Fatalf("SIM costs add up to %v, bill %v", sum, truth.Amount)
	}
	gl := newFake(t, Options{Seed: 8, SIMs: 4, Coverages: []string{CoverageGlobal}})
	var g struct{ Currency string }
	serveChecked(t, gl, CoverageGlobal).login(gl.Credentials()).getOK("/v1/bills/latest", &g)
	if g.Currency != "USD" {
		t.Fatalf("Global currency %q", g.Currency)
	}
}
