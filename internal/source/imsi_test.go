package source

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// TestIMSIsFromEntriesNotKeys: with the subscribers maps keyed by position,
// every IMSI is still found: the webhook's index, the seed metric's labels,
// the MSISDN label, and the billing CSV's IMSI to SIM mapping.
func TestIMSIsFromEntriesNotKeys(t *testing.T) {
	start := time.Date(2025, time.November, 20, 0, 0, 0, 0, time.UTC)
	fo := soracomfake.Options{Seed: 10, SIMs: 300, Coverages: []string{"jp"}, Start: start, OpaqueSubscriberKeys: true}

	e := newEnv(t, fo, SessionsOptions{SeedMetric: true})
	mfs := e.poll()
	var want, secondary []string
	msisdn := map[string]string{}
	for _, s := range e.fake.SIMs("jp") {
		want = append(want, s.IMSIs...)
		if len(s.IMSIs) > 1 {
			secondary = append(secondary, s.IMSIs[1:]...)
		}
		msisdn[s.SIMID] = s.MSISDN
	}
	if len(secondary) == 0 {
		t.Fatal("the fleet has no SIM with an additional subscription")
	}
	for _, imsi := range secondary {
		if !e.src.Knows(e.target, SIMRef{IMSI: imsi}) {
			t.Fatalf("the webhook index does not know IMSI %s", imsi)
		}
	}
	var got []string
	for _, m := range mfs["soracom_session_status"].GetMetric() {
		got = append(got, labels(m)["imsi"])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("seed metric IMSIs %v, want %v", got, want)
	}
	withMSISDN := 0
	for _, m := range mfs["soracom_sim_info"].GetMetric() {
		l := labels(m)
		if l["msisdn"] != msisdn[l["sim_id"]] {
			t.Fatalf("SIM %s: msisdn %q, want %q", l["sim_id"], l["msisdn"], msisdn[l["sim_id"]])
		}
		if l["msisdn"] != "" {
			withMSISDN++
		}
	}
	if withMSISDN == 0 {
		t.Fatal("no SIM has an MSISDN label")
	}

	fake, target := fakeTarget(t, fo)
	fake.Advance(90 * time.Minute)
	src := NewBilling(BillingOptions{Now: fake.Now, PerSIMExport: true, ExportFirstPoll: time.Millisecond})
	sims := gaugeByLabel(renderFamilies(t, pollOnce(t, src, target), BillingName), "soracom_sim_bill_amount", "sim_id")
	truth := fake.LatestBill("jp").SIMs
	if !slices.Equal(slices.Sorted(maps.Keys(sims)), slices.Sorted(maps.Keys(truth))) {
		t.Fatalf("%d SIMs with a cost, the fake bills %d", len(sims), len(truth))
	}
	for id, v := range truth {
		if !near(sims[id], v) {
			t.Errorf("SIM %s: %v, want %v", id, sims[id], v)
		}
	}
}

// TestArcSessionLastUpdated: a SIM with an Arc session has the time it was
// last updated; a SIM without one has no such series.
func TestArcSessionLastUpdated(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 7, SIMs: 400, Coverages: []string{"jp"}}, SessionsOptions{})
	mfs := e.poll()
	got := gaugeByLabel(mfs, "soracom_sim_arc_session_last_updated_timestamp_seconds", "sim_id")
	arc := 0
	for _, s := range e.fake.SIMs("jp") {
		v, ok := got[s.SIMID]
		switch {
		case s.Type == "virtual" && s.LastUpdatedAt > 0:
			arc++
			if !ok || v != float64(s.LastUpdatedAt)/1000 {
				t.Errorf("Arc SIM %s: %v (%v), want %v", s.SIMID, v, ok, float64(s.LastUpdatedAt)/1000)
			}
		case ok:
			t.Errorf("SIM %s of type %s has an Arc series", s.SIMID, s.Type)
		}
	}
	if arc == 0 {
		t.Fatal("the fleet has no connected Arc SIM")
	}
}
