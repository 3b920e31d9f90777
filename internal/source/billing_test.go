package source

import (
	"math"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

func gaugeByLabel(mfs map[string]*dto.MetricFamily, name, label string) map[string]float64 {
	out := map[string]float64{}
	if mf, ok := mfs[name]; ok {
		for _, m := range mf.Metric {
			out[labels(m)[label]] = m.GetGauge().GetValue()
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

func TestBillingMatchesFakeBills(t *testing.T) {
	start := time.Date(2025, time.November, 9, 6, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 9, SIMs: 400, Coverages: []string{"jp"}, Start: start})
	fake.Advance(3 * time.Hour)
	src := NewBilling(BillingOptions{Now: fake.Now})
	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	truth := fake.LatestBill("jp")

	amount := mfs["soracom_bill_amount"].Metric
	if len(amount) != 1 || labels(amount[0])["currency"] != "JPY" || !near(amount[0].GetGauge().GetValue(), truth.Amount) {
		t.Fatalf("soracom_bill_amount %v, want %v JPY", amount, truth.Amount)
	}
	if got := gaugeByLabel(mfs, "soracom_bill_last_evaluated_timestamp_seconds", "coverage")["jp"]; got != float64(fake.Now().Unix()) {
		t.Errorf("last evaluated %v, want %v", got, fake.Now().Unix())
	}
	items := gaugeByLabel(mfs, "soracom_bill_item_amount", "item")
	sum := 0.0
	for name, want := range truth.Items {
		if !near(items[name], want) {
			t.Errorf("item %q: %v, want %v", name, items[name], want)
		}
		sum += items[name]
	}
	if !near(sum, truth.Amount) {
		t.Errorf("items add up to %v, the bill is %v", sum, truth.Amount)
	}
	// The summary lists the 100 most expensive SIMs only.
	sims := gaugeByLabel(mfs, "soracom_sim_bill_amount", "sim_id")
	if len(sims) != 100 {
		t.Fatalf("%d SIMs with a cost, want the top 100", len(sims))
	}
	for id, v := range sims {
		if !near(v, truth.SIMs[id]) {
			t.Errorf("SIM %s: %v, want %v", id, v, truth.SIMs[id])
		}
	}
	// October closed two days after its end.
	prev := mfs["soracom_bill_previous_month_amount"]
	if prev == nil || labels(prev.Metric[0])["year_month"] != "202510" || prev.Metric[0].GetGauge().GetValue() <= 0 {
		t.Fatalf("previous month: %v", prev)
	}
}

func TestBillingPreviousMonthOnlyOnceClosed(t *testing.T) {
	start := time.Date(2025, time.November, 1, 12, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 9, SIMs: 20, Coverages: []string{"jp"}, Start: start})
	src := NewBilling(BillingOptions{Now: fake.Now})
	if mfs := renderFamilies(t, pollOnce(t, src, target), BillingName); mfs["soracom_bill_previous_month_amount"] != nil {
		t.Fatal("previous month reported before it closed")
	}
	fake.Advance(2 * 24 * time.Hour)
	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	if mfs["soracom_bill_previous_month_amount"] == nil || mfs["soracom_bill_previous_month_info"] == nil {
		t.Fatal("previous month missing once closed")
	}
}

func TestBillingPerSIMExportCoversEverySIM(t *testing.T) {
	start := time.Date(2025, time.November, 20, 0, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 10, SIMs: 300, Coverages: []string{"jp"}, Start: start})
	fake.Advance(90 * time.Minute)
	src := NewBilling(BillingOptions{Now: fake.Now, PerSIMExport: true, ExportFirstPoll: time.Millisecond})
	mfs := renderFamilies(t, pollOnce(t, src, target), BillingName)
	truth := fake.LatestBill("jp")
	sims := gaugeByLabel(mfs, "soracom_sim_bill_amount", "sim_id")
	if len(sims) != len(truth.SIMs) || len(sims) <= 100 {
		t.Fatalf("%d SIMs with a cost, the fake bills %d", len(sims), len(truth.SIMs))
	}
	total := 0.0
	for id, want := range truth.SIMs {
		if !near(sims[id], want) {
			t.Errorf("SIM %s: %v, want %v", id, sims[id], want)
		}
		total += sims[id]
	}
	if !near(total, truth.Amount) {
		t.Errorf("SIM costs add up to %v, the bill is %v", total, truth.Amount)
	}
	if fake.Calls("jp", "GET", "/bills/summaries/sims") != 0 {
		t.Error("asked for the top-100 summary although the export is enabled")
	}
}
