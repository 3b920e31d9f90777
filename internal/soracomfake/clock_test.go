package soracomfake

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func TestAdvanceMovesTheFleetAndLogsEvents(t *testing.T) {
	f := newFake(t, Options{Seed: 6, SIMs: 200})
	before := map[string]SIMState{}
	for _, cov := range f.Coverages() {
		for _, st := range f.SIMs(cov) {
			before[st.SIMID] = st
		}
	}
	f.Advance(2 * time.Hour)
	if got, want := f.Now(), testStart.Add(2*time.Hour); !got.Equal(want) {
		t.Fatalf("Now %v, want %v", got, want)
	}
	seen := map[string]int{}
	for _, cov := range f.Coverages() {
		online := 0
		for _, st := range f.SIMs(cov) {
			if st.Online {
				online++
			}
			old := before[st.SIMID]
			if st.LastUpdatedAt == old.LastUpdatedAt {
				if st.Online != old.Online || st.SessionEvents != old.SessionEvents {
					t.Fatalf("%s changed without lastUpdatedAt moving", st.SIMID)
				}
				continue
			}
			if st.Status != "active" {
				t.Fatalf("%s (%s) moved; only active SIMs attach", st.SIMID, st.Status)
			}
			evs, _ := f.SessionEvents(st.SIMID)
			last := evs[len(evs)-1]
			if last.Time != st.LastUpdatedAt || last.Time <= testStart.UnixMilli() {
				t.Fatalf("%s: last event at %d, lastUpdatedAt %d", st.SIMID, last.Time, st.LastUpdatedAt)
			}
			if (last.Event == "Deleted") == st.Online {
				t.Fatalf("%s: last event %s but online=%v", st.SIMID, last.Event, st.Online)
			}
			for i := 1; i < len(evs); i++ {
				seen[evs[i].Event]++
				if evs[i].Time <= evs[i-1].Time {
					t.Fatalf("%s: log out of order", st.SIMID)
				}
				if evs[i].Event == "Modified" && evs[i].Cell != nil && reflect.DeepEqual(evs[i].Cell, evs[i-1].Cell) {
					t.Fatalf("%s: handover to the same cell", st.SIMID)
				}
			}
		}
		if online != f.OnlineCount(cov) {
			t.Fatalf("OnlineCount %d, SIMs says %d", f.OnlineCount(cov), online)
		}
	}
	for _, kind := range []string{"Created", "Modified", "Deleted"} {
		if seen[kind] == 0 {
			t.Errorf("two simulated hours of 200 SIMs produced no %s event (%v)", kind, seen)
		}
	}
}

func TestAdvanceDependsOnlyOnTotalTime(t *testing.T) {
	state := func(f *Fake) string {
		var out []any
		for _, cov := range f.Coverages() {
			for _, st := range f.SIMs(cov) {
				evs, _ := f.SessionEvents(st.SIMID)
				out = append(out, st, evs)
			}
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	once := newFake(t, Options{Seed: 9, SIMs: 80})
	once.Advance(3 * time.Hour)
	steps := newFake(t, Options{Seed: 9, SIMs: 80})
	for range 36 {
		steps.Advance(5 * time.Minute)
	}
	steps.Advance(0)
	steps.Advance(-time.Hour) // the clock never goes back
	if state(once) != state(steps) {
		t.Fatal("advancing 3h at once and in 5m steps gives different fleets")
	}
}

func TestSetOnlineAndOfflineShowInTheAPI(t *testing.T) {
	f := newFake(t, Options{Seed: 6, SIMs: 60})
	f.Advance(time.Minute)
	var target SIMState
	for _, st := range f.SIMs("jp") {
		if !st.EverConnected && st.Type != "virtual" {
			target = st
			break
		}
	}
	if target.SIMID == "" {
		t.Fatal("no never-connected SIM in the fleet")
	}
	s := serveChecked(t, f, "jp").login(f.Credentials())
	now := f.Now().UnixMilli()

	if err := f.SetOnline(target.SIMID, true); err != nil {
		t.Fatal(err)
	}
	var sim simDoc
	s.getOK("/v1/sims/"+target.SIMID, &sim)
	if sim.SessionStatus == nil || !sim.SessionStatus.Online || sim.SessionStatus.LastUpdatedAt != now || sim.SessionStatus.Cell == nil {
		t.Fatalf("after SetOnline: sessionStatus %+v", sim.SessionStatus)
	}
	if err := f.SetOnline(target.SIMID, false); err != nil {
		t.Fatal(err)
	}
	s.getOK("/v1/sims/"+target.SIMID, &sim)
	if sim.SessionStatus.Online || sim.PreviousSession == nil || sim.PreviousSession.DeletedTime != sim.SessionStatus.LastUpdatedAt ||
		sim.PreviousSession.IMSI != sim.Profiles[sim.ActiveProfileID].PrimaryIMSI {
		t.Fatalf("after SetOnline(false): sessionStatus %+v, previousSession %+v", sim.SessionStatus, sim.PreviousSession)
	}
	evs, _ := f.SessionEvents(target.SIMID)
	if len(evs) != 2 || evs[0].Event != "Created" || evs[1].Event != "Deleted" || evs[1].SessionID != evs[0].SessionID {
		t.Fatalf("log %+v", evs)
	}
	if err := f.SetOnline("8981100000000000000", true); err == nil {
		t.Fatal("unknown SIM accepted")
	}
}

func TestSessionEventsEndpointPagesNewestFirst(t *testing.T) {
	f := newFake(t, Options{Seed: 6, SIMs: 40})
	f.Advance(12 * time.Hour)
	var busiest SIMState
	for _, st := range f.SIMs("g") {
		if st.SessionEvents > busiest.SessionEvents {
			busiest = st
		}
	}
	if busiest.SessionEvents < 5 {
		t.Fatalf("busiest SIM has %d events", busiest.SessionEvents)
	}
	s := serveChecked(t, f, "g").login(f.Credentials())
	var got []sessionEventJSON
	next := ""
	for pages := 0; ; pages++ {
		q := "/v1/sims/" + busiest.SIMID + "/events/sessions?limit=3"
		if next != "" {
			q += "&last_evaluated_key=" + next
		}
		var page []sessionEventJSON
		r := s.getOK(q, &page)
		got = append(got, page...)
		next = r.header.Get("X-Soracom-Next-Key")
		checkLink(t, r.header.Get("Link"), next)
		if next == "" {
			break
		}
		if pages > 100 {
			t.Fatal("event pages do not end")
		}
	}
	want, _ := f.SessionEvents(busiest.SIMID)
	if len(got) != len(want) {
		t.Fatalf("listed %d events, log has %d", len(got), len(want))
	}
	for i, e := range got {
		w := want[len(want)-1-i]
		if e.Time != w.Time || e.Event != w.Event || e.IMSI != w.IMSI || e.SimID != busiest.SIMID || e.OperatorID != f.OperatorID() {
			t.Fatalf("event %d: %+v, want %+v", i, e, w)
		}
	}
	// from/to narrow the window (ms).
	mid := want[len(want)/2].Time
	var newer []sessionEventJSON
	s.getOK("/v1/sims/"+busiest.SIMID+"/events/sessions?limit=100&from="+strconv.FormatInt(mid, 10), &newer)
	for _, e := range newer {
		if e.Time < mid {
			t.Fatalf("event at %d before from=%d", e.Time, mid)
		}
	}
	if len(newer) == 0 || len(newer) >= len(want) {
		t.Fatalf("from=%d kept %d of %d events", mid, len(newer), len(want))
	}
	wantError(t, s.get("/v1/sims/8981100000000000000/events/sessions"), http.StatusNotFound, codeNotFound)
}

// TestRunDemoClockAdvancesUntilCancelled runs the demo clock on
// synctest's clock: each tick of a millisecond is a simulated minute.
func TestRunDemoClockAdvancesUntilCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, Options{Seed: 1, SIMs: 10})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { f.RunDemoClock(ctx, time.Millisecond, 60_000); close(done) }()
		time.Sleep(60 * time.Millisecond)
		synctest.Wait() // the tick due now has been taken
		if moved := f.Now().Sub(testStart); moved != time.Hour {
			t.Fatalf("after 60 ticks the clock moved by %v, want an hour", moved)
		}
		cancel()
		<-done
		time.Sleep(time.Second)
		if moved := f.Now().Sub(testStart); moved != time.Hour {
			t.Fatalf("the clock moved on to %v after RunDemoClock returned", moved)
		}
	})
}
