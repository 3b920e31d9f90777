package source

import (
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// truthSince counts each SIM's logged events after its lastUpdatedAt at
// the first poll, by kind: what the counters must show.
func truthSince(t *testing.T, fake *soracomfake.Fake, base map[string]int64) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	for id, since := range base {
		evs, err := fake.SessionEvents(id)
		if err != nil {
			t.Fatal(err)
		}
		c := map[string]int{}
		for _, e := range evs {
			if e.Time > since {
				c[e.Event]++
			}
		}
		out[id] = c
	}
	return out
}

func baseline(fake *soracomfake.Fake) map[string]int64 {
	m := map[string]int64{}
	for _, s := range fake.SIMs("jp") {
		m[s.SIMID] = s.LastUpdatedAt
	}
	return m
}

// TestFlapBetweenPollsCountedExactly: a SIM that goes down and up between
// two polls looks unchanged online-wise, yet both events are counted, once.
// The fleet moves on its own clock meanwhile, and every SIM's counters must
// match the fake's log exactly.
func TestFlapBetweenPollsCountedExactly(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 21, SIMs: 120}, SessionsOptions{SessionEvents: true})
	e.poll()
	base := baseline(e.fake)
	flapper := e.onlineWithCell(1)[0].SIMID

	e.fake.Advance(5 * time.Second)
	if err := e.fake.SetOnline(flapper, false); err != nil {
		t.Fatal(err)
	}
	e.fake.Advance(20 * time.Second)
	if err := e.fake.SetOnline(flapper, true); err != nil {
		t.Fatal(err)
	}
	e.fake.Advance(30 * time.Minute) // others change too, some several times
	e.fake.ResetCounters()
	mfs := e.poll()

	truth := truthSince(t, e.fake, base)
	changed := 0
	for id, c := range truth {
		if len(c) > 0 {
			changed++
		}
		for kind, label := range map[string]string{"Created": "created", "Modified": "modified", "Deleted": "deleted"} {
			got, ok := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": id, "event": label})
			if !ok || int(got) != c[kind] {
				t.Errorf("SIM %s %s events: got %v (present %v), the log has %d", id, label, got, ok, c[kind])
			}
		}
	}
	if c := truth[flapper]; c["Deleted"] != 1 || c["Created"] != 1 {
		t.Fatalf("the flap was not logged as one Deleted and one Created: %v", c)
	}
	if changed < 5 {
		t.Fatalf("only %d SIMs changed: the test does not exercise the fleet", changed)
	}
	// One read per changed SIM, of one page, or two when the list ends
	// with an empty page.
	if got := e.fake.Calls("jp", "GET", eventsOp); got < changed || got > 2*changed {
		t.Errorf("%d session event calls for %d changed SIMs", got, changed)
	}

	// No change: nothing read, nothing counted twice.
	e.fake.ResetCounters()
	again := e.poll()
	if got := e.fake.Calls("jp", "GET", eventsOp); got != 0 {
		t.Errorf("%d session event calls without any change", got)
	}
	for id, c := range truth {
		got, _ := value(again, "soracom_sim_session_events_total", map[string]string{"sim_id": id, "event": "created"})
		if int(got) != c["Created"] {
			t.Errorf("SIM %s created events moved to %v without a change", id, got)
		}
	}
}

// TestEventBudgetCarriesOver: with a small call budget, changed SIMs are
// read over several polls, oldest change first, none lost or counted twice,
// and the carried-over reads are reported.
func TestEventBudgetCarriesOver(t *testing.T) {
	const budget = 4
	e := newEnv(t, soracomfake.Options{Seed: 22, SIMs: 100}, SessionsOptions{SessionEvents: true, EventBudget: budget})
	e.poll()
	sims := e.onlineWithCell(7)
	for _, s := range sims {
		if err := e.fake.SetOnline(s.SIMID, false); err != nil {
			t.Fatal(err)
		}
	}
	served, deferred := 0, 0
	for poll := 2; served < len(sims); poll++ {
		if poll > 10 {
			t.Fatalf("after %d polls only %d of %d SIMs were read", poll, served, len(sims))
		}
		e.fake.ResetCounters()
		mfs := e.poll()
		// A read is never cut: the last one may use its second page beyond
		// the budget (the fake, like the API, may end a list with an empty
		// page).
		if got := e.fake.Calls("jp", "GET", eventsOp); got == 0 || got > budget+1 {
			t.Errorf("poll %d: %d event calls for a budget of %d", poll, got, budget)
		}
		now := 0
		for k, s := range sims {
			got, _ := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": s.SIMID, "event": "deleted"})
			switch {
			case got == 1:
				now++
				if k >= now {
					t.Errorf("poll %d: SIM #%d read before an earlier change", poll, k)
				}
			case got != 0:
				t.Errorf("poll %d: SIM #%d counted %v deletions", poll, k, got)
			}
		}
		if now <= served {
			t.Fatalf("poll %d read nothing new", poll)
		}
		served = now
		deferred += len(sims) - served
		if got, _ := value(mfs, "soracom_sims_session_event_reads_pending", nil); int(got) != len(sims)-served {
			t.Errorf("poll %d: pending %v, want %d", poll, got, len(sims)-served)
		}
		if got, _ := value(mfs, "soracom_sims_session_event_reads_deferred_total", nil); int(got) != deferred {
			t.Errorf("poll %d: deferred_total %v, want %d", poll, got, deferred)
		}
		if got, _ := value(mfs, "soracom_sims_session_events_total", map[string]string{"event": "deleted"}); int(got) != served {
			t.Errorf("poll %d: fleet deleted events %v, want %d", poll, got, served)
		}
	}
}

// TestEventReadsOff: a negative budget makes no event calls and renders no
// event series.
func TestEventReadsOff(t *testing.T) {
	e := newEnv(t, soracomfake.Options{Seed: 23, SIMs: 30}, SessionsOptions{SessionEvents: false})
	e.poll()
	e.fake.Advance(time.Hour)
	mfs := e.poll()
	if e.fake.Calls("jp", "GET", eventsOp) != 0 || mfs["soracom_sim_session_events_total"] != nil {
		t.Fatal("session events read although turned off")
	}
}

// TestFilteredOutSIMsCostNothing: SIMs the filters leave out have no series
// and their session changes cost no call.
func TestFilteredOutSIMsCostNothing(t *testing.T) {
	probe := soracomfake.New(soracomfake.Options{Seed: 24, SIMs: 80, Coverages: []string{"jp"}})
	var group string
	for _, s := range probe.SIMs("jp") {
		if s.GroupID != "" && s.Online && s.Cell != nil {
			group = s.GroupID
			break
		}
	}
	e := newEnv(t, soracomfake.Options{Seed: 24, SIMs: 80}, SessionsOptions{SessionEvents: true, Filter: Filter{GroupIDs: []string{group}, Statuses: []string{"active"}}})
	e.poll()
	var in, out []string
	for _, s := range e.fake.SIMs("jp") {
		if !s.Online || s.Cell == nil {
			continue
		}
		if s.GroupID == group && s.Status == "active" {
			in = append(in, s.SIMID)
		} else {
			out = append(out, s.SIMID)
		}
	}
	if len(in) == 0 || len(out) == 0 {
		t.Fatalf("%d SIMs in the filter, %d out: not exercised", len(in), len(out))
	}
	for _, id := range append([]string{in[0]}, out...) {
		if err := e.fake.SetOnline(id, false); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.ResetCounters()
	mfs := e.poll()
	if got := e.fake.Calls("jp", "GET", eventsOp); got < 1 || got > 2 {
		t.Fatalf("%d event calls for one changed SIM in the filter and %d outside", got, len(out))
	}
	for _, id := range out {
		if _, has := value(mfs, "soracom_sim_session_online", map[string]string{"sim_id": id}); has {
			t.Fatalf("filtered-out SIM %s exported", id)
		}
	}
	if got, _ := value(mfs, "soracom_sim_session_events_total", map[string]string{"sim_id": in[0], "event": "deleted"}); got != 1 {
		t.Fatalf("the SIM in the filter counted %v deletions", got)
	}
}
