package source

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// fakeTarget serves a fake's Japan host held to the spec and returns a
// target that reaches it.
func fakeTarget(t *testing.T, fo soracomfake.Options) (*soracomfake.Fake, Target) {
	t.Helper()
	return fakeTargetWith(t, fo, soracom.Options{})
}

// fakeTargetWith is fakeTarget with client options (a clock).
func fakeTargetWith(t *testing.T, fo soracomfake.Options, co soracom.Options) (*soracomfake.Fake, Target) {
	t.Helper()
	fake := soracomfake.New(fo)
	v := apispec.New()
	srv := httptest.NewServer(v.Wrap(fake.Handler(soracomfake.CoverageJapan)))
	t.Cleanup(func() {
		srv.Close()
		apispec.Require(t, v)
	})
	cr := fake.Credentials()
	co.Endpoint = srv.URL
	co.Credentials = soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}
	c, err := soracom.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return fake, Target{Account: "test", Coverage: soracom.CoverageJapan, Client: c}
}

// renderFamilies turns a result into parsed families.
func renderFamilies(t *testing.T, res *poll.Result, source string) map[string]*dto.MetricFamily {
	t.Helper()
	return parseText(t, renderText(t, res, source))
}

// renderText is a result as the store serves it.
func renderText(t *testing.T, res *poll.Result, source string) []byte {
	t.Helper()
	snap := snapshotOf(res, source)
	st := store.New()
	st.Put(snap)
	var buf bytes.Buffer
	if _, err := st.View(snap.Produced).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// counterValues returns sim_id/direction → value of a per-SIM air family.
func counterValues(mfs map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	if mf, ok := mfs[name]; ok {
		for _, m := range mf.Metric {
			l := labels(m)
			out[l["sim_id"]+"/"+l["direction"]] = m.GetCounter().GetValue()
		}
	}
	return out
}

func airOptions(fake *soracomfake.Fake, mode string) AirOptions {
	return AirOptions{Mode: mode, Now: fake.Now, ExportFirstPoll: time.Millisecond}
}

func pollOnce(t *testing.T, src Source, target Target) *poll.Result {
	t.Helper()
	snap, err := src.Poll(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// snapshotOf stores a result the way the scheduler does, for the test's
// account and coverage.
func snapshotOf(res *poll.Result, source string) *store.Snapshot {
	return &store.Snapshot{Key: store.Key{Account: "test", Coverage: "jp", Source: source}, OperatorID: res.OperatorID,
		Produced: res.ListedAt, Items: res.Items, Families: res.Families, Objects: res.Objects}
}

// checkTruth asserts that every SIM's counters equal the fake's month to
// date and returns how many SIMs had traffic.
func checkTruth(t *testing.T, fake *soracomfake.Fake, mfs map[string]*dto.MetricFamily) int {
	t.Helper()
	bytes, packets := counterValues(mfs, "soracom_sim_air_bytes_total"), counterValues(mfs, "soracom_sim_air_packets_total")
	busy := 0
	for _, id := range fake.SimIDs(soracomfake.CoverageJapan) {
		u, err := fake.AirUsage(id, fake.Now())
		if err != nil {
			t.Fatal(err)
		}
		if u.UploadBytes > 0 {
			busy++
		}
		for _, c := range []struct {
			key  string
			got  map[string]float64
			want int64
		}{
			{id + "/upload", bytes, u.UploadBytes}, {id + "/download", bytes, u.DownloadBytes},
			{id + "/upload", packets, u.UploadPackets}, {id + "/download", packets, u.DownloadPackets},
		} {
			if c.got[c.key] != float64(c.want) {
				t.Errorf("%s: exported %v, fake recorded %d", c.key, c.got[c.key], c.want)
			}
		}
	}
	return busy
}

func TestAirExportMatchesFakeTruth(t *testing.T) {
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 4, SIMs: 60, Coverages: []string{"jp"}})
	fake.Advance(3 * 24 * time.Hour)
	air := NewAir(airOptions(fake, AirModeExport))
	mfs := renderFamilies(t, pollOnce(t, air, target), AirName)
	if busy := checkTruth(t, fake, mfs); busy == 0 {
		t.Fatal("no SIM had traffic: the test proves nothing")
	}
	fleet := fake.FleetAirUsage("jp", fake.Now())
	for _, m := range mfs["soracom_air_bytes_total"].Metric {
		want := fleet.UploadBytes
		if labels(m)["direction"] == "download" {
			want = fleet.DownloadBytes
		}
		if m.GetCounter().GetValue() != float64(want) {
			t.Errorf("fleet %v: got %v, want %d", labels(m), m.GetCounter().GetValue(), want)
		}
	}
	if fake.FileDownloads() != 1 {
		t.Errorf("%d downloads, want 1", fake.FileDownloads())
	}
}

func TestAirPerSIMMatchesFakeTruth(t *testing.T) {
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 5, SIMs: 12, Coverages: []string{"jp"}})
	fake.Advance(26 * time.Hour)
	air := NewAir(airOptions(fake, AirModePerSIM))
	pollOnce(t, air, target)
	// Later polls read only the last buckets again; late data must still
	// land and nothing may be counted twice.
	for range 5 {
		fake.Advance(17 * time.Minute)
		pollOnce(t, air, target)
	}
	fake.Advance(7 * time.Minute)
	if busy := checkTruth(t, fake, renderFamilies(t, pollOnce(t, air, target), AirName)); busy == 0 {
		t.Fatal("no SIM had traffic")
	}
}

func TestAirPerSIMCapsCallsPerPoll(t *testing.T) {
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 6, SIMs: 30, Coverages: []string{"jp"}})
	fake.Advance(time.Hour)
	opts := airOptions(fake, AirModePerSIM)
	opts.PerSIMMaxCalls = 7
	air := NewAir(opts)
	pollOnce(t, air, target)
	if got := fake.Calls("jp", "GET", "/stats/air/sims/{sim_id}"); got != 7 {
		t.Fatalf("%d per-SIM calls in one poll, want the cap of 7", got)
	}
}

// seedDirectory gives the source the SIM listing it would have made on its
// first poll, from the fake's truth: listing 10,000 SIMs through the spec
// validator under the race detector takes seconds, and the listing is
// repeated only once an hour (TestAirFirstPollListsSIMs covers it).
func seedDirectory(d *simDirectory, target Target, fake *soracomfake.Fake) {
	idx := &simIndex{listed: fake.Now(), byIMSI: map[string]simRef{}}
	for _, s := range fake.SIMs(string(target.Coverage)) {
		idx.sims = append(idx.sims, simRef{simID: s.SIMID, imsi: s.IMSI})
		for _, imsi := range s.IMSIs {
			idx.byIMSI[imsi] = simRef{simID: s.SIMID, imsi: imsi}
		}
	}
	d.index[keyOf(target)] = idx
}

// airCallsPerCycle returns the API calls of one steady export cycle.
func airCallsPerCycle(t *testing.T, sims int) (calls int, busy int) {
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 7, SIMs: sims, Coverages: []string{"jp"}})
	fake.Advance(2 * time.Hour)
	air := NewAir(airOptions(fake, AirModeExport))
	seedDirectory(air.dir, target, fake)
	snap := pollOnce(t, air, target)
	if fake.Calls("jp", "GET", "/sims") != 0 {
		t.Fatal("a steady cycle listed the SIMs")
	}
	return fake.TotalCalls() - fake.Calls("jp", "POST", "/auth"), snap.Items
}

func TestAirFirstPollListsSIMsThenReusesTheListing(t *testing.T) {
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 7, SIMs: 250, Coverages: []string{"jp"}})
	fake.Advance(time.Hour)
	air := NewAir(airOptions(fake, AirModeExport))
	pollOnce(t, air, target)
	if got := fake.Calls("jp", "GET", "/sims"); got < 3 {
		t.Fatalf("first poll listed SIMs in %d calls, want every page (at least 3)", got)
	}
	for range 3 {
		fake.Advance(5 * time.Minute)
		pollOnce(t, air, target)
	}
	listings := fake.Calls("jp", "GET", "/sims")
	fake.Advance(time.Hour)
	pollOnce(t, air, target)
	if fake.Calls("jp", "GET", "/sims") <= listings {
		t.Fatal("the SIM listing was not refreshed after an hour")
	}
	checkTruth(t, fake, renderFamilies(t, pollOnce(t, air, target), AirName))
}

func TestAirCallsPerCycleDoNotGrowWithTheFleet(t *testing.T) {
	small, smallBusy := airCallsPerCycle(t, 10)
	large, largeBusy := airCallsPerCycle(t, 10_000)
	if largeBusy < 1000 || smallBusy == 0 {
		t.Fatalf("SIMs with usage: %d and %d; the fleets are not busy enough to prove anything", smallBusy, largeBusy)
	}
	if small != large {
		t.Fatalf("a cycle took %d API calls for 10 SIMs but %d for 10,000", small, large)
	}
	// exportAirStats, getExportedFile while processing, then exported.
	if small != 3 {
		t.Errorf("a cycle took %d API calls, want 3", small)
	}
}

func TestAirCountersNeverDecreaseAndResetAtMonthStart(t *testing.T) {
	start := time.Date(2025, time.October, 31, 22, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 8, SIMs: 40, Coverages: []string{"jp"}, Start: start})
	air := NewAir(airOptions(fake, AirModeExport))
	prev := map[string]float64{}
	sawReset, sawGrowth := false, false
	for step := 0; step < 40; step++ {
		before := fake.Now()
		fake.Advance(4 * time.Minute)
		mfs := renderFamilies(t, pollOnce(t, air, target), AirName)
		cur := counterValues(mfs, "soracom_sim_air_bytes_total")
		newMonth := fake.Now().Month() != before.Month()
		for k, v := range cur {
			p, seen := prev[k]
			switch {
			case newMonth && v > p:
				t.Errorf("step %d, %s: %v after %v across the month boundary, want a reset", step, k, v, p)
			case newMonth && seen && p > 0:
				sawReset = true
			case !newMonth && v < p:
				t.Errorf("step %d, %s: decreased from %v to %v within the month", step, k, v, p)
			case v > p:
				sawGrowth = true
			}
		}
		for k := range prev {
			if _, ok := cur[k]; !ok {
				t.Errorf("step %d: series %s vanished", step, k)
			}
		}
		prev = cur
		if fake.Now().Month() == time.November {
			checkTruth(t, fake, mfs)
		}
	}
	if !sawReset || !sawGrowth {
		t.Fatalf("reset seen %v, growth seen %v: the test did not cross a month with traffic", sawReset, sawGrowth)
	}
}
