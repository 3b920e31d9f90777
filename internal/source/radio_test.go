package source

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

func TestFormatMNC(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	cases := []struct {
		mcc, mnc *int64
		plmn     string
		want     string
	}{
		{i(440), i(10), "", "10"},
		{i(440), i(1), "", "01"},
		{i(440), i(0), "", "00"},
		{i(310), i(410), "", "410"},
		{i(310), i(30), "", "030"},       // the US writes three digits
		{i(440), i(10), "440010", "010"}, // the network said so
		{i(440), i(10), "44010", "10"},
		{i(440), i(10), "44020", "10"}, // another network: no hint
		{i(234), i(15), "", "15"},
		{nil, i(7), "", "07"},
		{i(440), nil, "", ""},
	}
	for _, c := range cases {
		if got := formatMNC(c.mcc, c.mnc, c.plmn); got != c.want {
			t.Errorf("formatMNC(%v, %v, %q) = %q, want %q", ptr(c.mcc), ptr(c.mnc), c.plmn, got, c.want)
		}
	}
}

func ptr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestSessionInfoMatchesFleet: one radio context series per online SIM,
// none for offline ones, every label as the fake knows it, radio type in
// the spec's spelling even when the API sends lower case.
func TestSessionInfoMatchesFleet(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 31, SIMs: 200, Quirks: true}, SessionsOptions{SessionEvents: true})
	mfs := e.poll()
	online := 0
	for _, s := range e.fake.SIMs("jp") {
		_, has := value(mfs, "soracom_sim_session_info", map[string]string{"sim_id": s.SIMID})
		if has != s.Online {
			t.Fatalf("SIM %s online=%v but session_info present=%v", s.SIMID, s.Online, has)
		}
		if !s.Online {
			continue
		}
		online++
		var l map[string]string
		for _, m := range mfs["soracom_sim_session_info"].Metric {
			if labels(m)["sim_id"] == s.SIMID {
				l = labels(m)
			}
		}
		want := map[string]string{"imei": s.IMEI, "ue_ip_address": l["ue_ip_address"]}
		if c := s.Cell; c != nil {
			want["radio_type"] = strings.ToUpper(c.RadioType)
			if c.RadioType == "NB-IoT" || strings.EqualFold(c.RadioType, "nb-iot") {
				want["radio_type"] = "NB-IoT"
			}
			want["mcc"] = itoa(c.MCC)
			want["mnc"] = formatMNC(i64(c.MCC), i64(c.MNC), "")
			if c.ECI != 0 {
				want["tac"], want["eci"] = itoa(c.TAC), itoa(c.ECI)
			} else {
				want["lac"], want["ci"] = itoa(c.LAC), itoa(c.CI)
			}
		} else {
			want["radio_type"], want["mcc"], want["mnc"] = "", "", ""
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("SIM %s label %s=%q, want %q", s.SIMID, k, l[k], v)
			}
		}
		if len(l["mnc"]) == 1 {
			t.Errorf("SIM %s: MNC %q not zero-padded", s.SIMID, l["mnc"])
		}
	}
	if online == 0 || len(mfs["soracom_sim_session_info"].Metric) != online {
		t.Fatalf("%d session_info series for %d online SIMs", len(mfs["soracom_sim_session_info"].GetMetric()), online)
	}
}

func itoa(v int) string { return strconv.Itoa(v) }

func i64(v int) *int64 { x := int64(v); return &x }

// TestCellAndIMEIChangeCounters: a handover counts one cell change, a SIM
// moved into another device one IMEI change; SIMs left alone count none.
func TestCellAndIMEIChangeCounters(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 32, SIMs: 80}, SessionsOptions{SessionEvents: true})
	e.poll()
	sims := e.onlineWithCell(2)
	moved, swapped := sims[0].SIMID, sims[1].SIMID
	if err := e.fake.Handover(moved); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.SetIMEI(swapped, "352999000000017"); err != nil {
		t.Fatal(err)
	}
	mfs := e.poll()
	check := func(name, sim string, want float64) {
		t.Helper()
		if got, ok := value(mfs, name, map[string]string{"sim_id": sim}); !ok || got != want {
			t.Errorf("%s{sim_id=%s} = %v (present %v), want %v", name, sim, got, ok, want)
		}
	}
	check("soracom_sim_cell_changes_total", moved, 1)
	check("soracom_sim_imei_changes_total", moved, 0)
	check("soracom_sim_imei_changes_total", swapped, 1)
	check("soracom_sim_session_events_total", moved, 0) // matches the first series: created
	if got, _ := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": moved, "event": "modified"}); got != 1 {
		t.Errorf("handover: %v modified events, want 1", got)
	}
	if got, _ := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": swapped, "event": "deleted"}); got != 1 {
		t.Errorf("device swap: %v deleted events, want 1", got)
	}
	if got, _ := value(mfs, "soracom_sims_imei_changes_total", nil); got != 1 {
		t.Errorf("fleet IMEI changes %v, want 1", got)
	}
	for _, s := range e.fake.SIMs("jp") {
		if s.SIMID == moved || s.SIMID == swapped {
			continue
		}
		if got, _ := value(mfs, "soracom_sim_imei_changes_total", map[string]string{"sim_id": s.SIMID}); got != 0 {
			t.Errorf("SIM %s counted an IMEI change", s.SIMID)
		}
	}
}

// TestGroupNames: soracom_sim_info carries the group's name next to its ID,
// with one groups listing per poll.
func TestGroupNames(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 33, SIMs: 60}, SessionsOptions{SessionEvents: true})
	e.fake.ResetCounters()
	mfs := e.poll()
	named := 0
	for _, s := range e.fake.SIMs("jp") {
		for _, m := range mfs["soracom_sim_info"].Metric {
			l := labels(m)
			if l["sim_id"] != s.SIMID {
				continue
			}
			if l["group_id"] != s.GroupID || l["group"] != s.GroupName {
				t.Errorf("SIM %s: group %q/%q, fake says %q/%q", s.SIMID, l["group_id"], l["group"], s.GroupID, s.GroupName)
			}
			if s.GroupName != "" {
				named++
			}
		}
	}
	if named == 0 {
		t.Fatal("no SIM in a named group: the label was not exercised")
	}
	if got := e.fake.Calls("jp", "GET", "/groups"); got < 1 || got > 2 {
		t.Errorf("%d groups calls in one poll", got)
	}
}

// TestSeriesCapAndAggregate: beyond sims.max_series the per-SIM series go,
// the fleet-level ones stay, a log line says why; they come back once the
// fleet fits. Aggregate mode never renders per-SIM series.
func TestSeriesCapAndAggregate(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	e := newEnv(t, soracomfake.Options{Seed: 34, SIMs: 50}, SessionsOptions{SessionEvents: true, MaxSeries: 100, Logger: log})
	mfs := e.poll()
	if mfs["soracom_sim_info"] != nil || mfs["soracom_sim_session_online"] != nil {
		t.Fatal("per-SIM series exported beyond the cap")
	}
	if got, _ := value(mfs, "soracom_sims_per_sim_series_dropped", nil); got != 1 {
		t.Fatalf("dropped = %v", got)
	}
	if n, _ := value(mfs, "soracom_sims_per_sim_series", nil); n <= 100 {
		t.Fatalf("per_sim_series = %v, should exceed the cap", n)
	}
	if total, _ := value(mfs, "soracom_sims_online", nil); int(total) != e.fake.OnlineCount("jp") {
		t.Fatalf("fleet-level series wrong under the cap: online %v", total)
	}
	if !strings.Contains(logs.String(), "too many per-SIM series") || strings.Count(logs.String(), "too many") != 1 {
		t.Fatalf("log: %s", logs.String())
	}
	e.poll()
	if strings.Count(logs.String(), "too many") != 1 {
		t.Fatal("the cap is logged again at every poll")
	}

	// Narrowing the filter brings them back (a new source, as a restart would).
	ids := e.fake.SimIDs("jp")[:3]
	e.src = NewSessions(SessionsOptions{SessionEvents: true, MaxSeries: 100, Filter: Filter{SIMIDs: ids}, Logger: log})
	mfs = e.poll()
	if got := len(mfs["soracom_sim_info"].GetMetric()); got != 3 {
		t.Fatalf("%d info series under the cap, want 3", got)
	}

	e.src = NewSessions(SessionsOptions{SessionEvents: true, Aggregate: true})
	mfs = e.poll()
	for name := range mfs {
		if strings.HasPrefix(name, "soracom_sim_") || name == "soracom_session_status" {
			t.Errorf("aggregate mode exported per-SIM family %s", name)
		}
	}
	if mfs["soracom_sims"] == nil || mfs["soracom_sims_session_events_total"] == nil {
		t.Fatal("aggregate mode lost the fleet-level series")
	}
}

// TestRefreshOneSIM: a refresh re-reads one SIM (no listing) and the
// re-rendered snapshot shows its new state; the next poll counts its
// events once.
func TestRefreshOneSIM(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 35, SIMs: 40}, SessionsOptions{SessionEvents: true})
	e.poll()
	s := e.onlineWithCell(1)[0]
	if err := e.fake.SetOnline(s.SIMID, false); err != nil {
		t.Fatal(err)
	}
	e.fake.ResetCounters()
	snap, err := e.src.Refresh(context.Background(), e.target, SIMRef{IMSI: s.IMSI})
	if err != nil {
		t.Fatal(err)
	}
	if e.fake.Calls("jp", "GET", "/sims") != 0 {
		t.Fatal("a refresh listed the fleet")
	}
	if e.fake.Calls("jp", "GET", "/sims/{sim_id}") != 1 || e.fake.Calls("jp", "GET", "/subscribers/{imsi}") != 1 {
		t.Fatalf("calls: %v", e.fake.CallCounts())
	}
	mfs := e.parse(snap)
	if got, _ := value(mfs, "soracom_sim_session_online", map[string]string{"sim_id": s.SIMID}); got != 0 {
		t.Fatal("the refreshed SIM still shows online")
	}
	if _, has := value(mfs, "soracom_sim_session_info", map[string]string{"sim_id": s.SIMID}); has {
		t.Fatal("an offline SIM kept its session_info")
	}
	if n := len(mfs["soracom_sim_session_online"].Metric); n != e.fake.SimCount("jp") {
		t.Fatalf("the refresh lost SIMs: %d series", n)
	}
	mfs = e.poll()
	if got, _ := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": s.SIMID, "event": "deleted"}); got != 1 {
		t.Fatalf("deleted events %v after refresh and poll, want 1", got)
	}
	if _, err := e.src.Refresh(context.Background(), e.target, SIMRef{SimID: "8942310000000000000"}); err == nil {
		t.Fatal("refreshing an unknown SIM succeeded")
	}
	if !e.src.Knows(e.target, SIMRef{IMSI: s.IMSI}) || e.src.Knows(e.target, SIMRef{IMSI: "001010000000000"}) {
		t.Fatal("Knows is wrong")
	}
}

// TestVisitedNetwork: the subscriber's locationRegistrationStatus (known
// after a webhook refresh) is exported per domain and gives the MNC its
// width.
func TestVisitedNetwork(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	sim := &soracom.Sim{SimID: "8942310000000000001", Status: "active",
		SessionStatus: &soracom.SessionStatus{Online: true, LastUpdatedAt: 1000, IMSI: "295050000000001", IMEI: "352999000000017",
			Cell: &soracom.Cell{RadioType: "lte", MCC: i(440), MNC: i(10), TAC: i(5), ECI: i(7)}}}
	src := NewSessions(SessionsOptions{SessionEvents: true})
	target := Target{Account: "a", Coverage: soracom.CoverageGlobal}
	st := src.take(target, sim)
	st.mu.Lock()
	st.sims.get(sim.SimID).detail.visited = &soracom.LocationRegistrationStatus{
		EPS: &soracom.LocationRegistration{VPLMN: "440010"},
		CS:  &soracom.LocationRegistration{VPLMN: "44020"},
	}
	snap := src.renderLocked(st, target)
	st.mu.Unlock()
	e := &env{t: t}
	mfs := e.parse(snap)
	for domain, plmn := range map[string]string{"eps": "440010", "cs": "44020"} {
		if _, ok := value(mfs, "soracom_sim_visited_network_info", map[string]string{"domain": domain, "vplmn": plmn}); !ok {
			t.Errorf("no visited network %s=%s", domain, plmn)
		}
	}
	if n := len(mfs["soracom_sim_visited_network_info"].GetMetric()); n != 2 {
		t.Errorf("%d visited network series, want 2 (no ps)", n)
	}
	if _, ok := value(mfs, "soracom_sim_session_info", map[string]string{"mnc": "010", "radio_type": "LTE"}); !ok {
		t.Error("the MNC did not take the width the EPS registration shows, or the radio type was not normalised")
	}
}
