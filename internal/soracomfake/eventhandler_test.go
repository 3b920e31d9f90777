package soracomfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

type hookCall struct {
	Secret string
	Body   map[string]string
}

func hookServer(t *testing.T) (*httptest.Server, func() []hookCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []hookCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]string
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("the Event Handler sent %q: %v", b, err)
		}
		mu.Lock()
		calls = append(calls, hookCall{Secret: r.Header.Get("X-Secret"), Body: body})
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hookCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]hookCall(nil), calls...)
	}
}

// TestEventHandlerPostsEachSessionChangeOnce: a flap gives one Deleted and
// one Created call, in order, with the variables expanded and the headers
// set; a handover matches neither rule; nothing is sent twice.
func TestEventHandlerPostsEachSessionChangeOnce(t *testing.T) {
	f := newFake(t, Options{Seed: 3, SIMs: 40, Coverages: []string{"jp"}})
	srv, calls := hookServer(t)
	var rules []EventHandlerRule
	for _, st := range []string{"Created", "Deleted"} {
		rules = append(rules, EventHandlerRule{SessionStatus: st, URL: srv.URL, Headers: map[string]string{"X-Secret": "s"},
			Body: `{"imsi":"${imsi}","simId":"${simId}","op":"${operatorId}","event":"` + st + `"}`})
	}
	eh := f.NewEventHandler(nil, rules...)
	if n, err := eh.Dispatch(context.Background()); n != 0 || err != nil {
		t.Fatalf("history was dispatched: %d %v", n, err)
	}
	var sim SIMState
	for _, s := range f.SIMs("jp") {
		if s.Online && s.Cell != nil {
			sim = s
			break
		}
	}
	if err := f.Handover(sim.SIMID); err != nil {
		t.Fatal(err)
	}
	if err := f.SetOnline(sim.SIMID, false); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Second)
	if err := f.SetOnline(sim.SIMID, true); err != nil {
		t.Fatal(err)
	}
	if n, err := eh.Dispatch(context.Background()); n != 2 || err != nil {
		t.Fatalf("dispatched %d: %v", n, err)
	}
	if n, _ := eh.Dispatch(context.Background()); n != 0 {
		t.Fatalf("dispatched %d again", n)
	}
	got := calls()
	if len(got) != 2 || got[0].Body["event"] != "Deleted" || got[1].Body["event"] != "Created" {
		t.Fatalf("calls %+v", got)
	}
	for _, c := range got {
		if c.Secret != "s" || c.Body["imsi"] != sim.IMSI || c.Body["simId"] != sim.SIMID || c.Body["op"] != f.OperatorID() {
			t.Errorf("call %+v for SIM %s/%s", c, sim.SIMID, sim.IMSI)
		}
	}
	if eh.Sent() != 2 {
		t.Fatalf("Sent() = %d", eh.Sent())
	}
}

// TestCellLocationsEndpoint: a stable position per cell, 404 for some,
// 400 without the required parameters, all within the definition.
func TestCellLocationsEndpoint(t *testing.T) {
	f := newFake(t, Options{Seed: 4, SIMs: 10, Coverages: []string{"jp"}})
	c := serveChecked(t, f, "jp").login(f.Credentials())
	get := func(q string) (int, map[string]any) {
		r := c.get("/v1/cell_locations?" + q)
		var out map[string]any
		_ = json.Unmarshal(r.body, &out)
		return r.status, out
	}
	found, missing := 0, 0
	for eci := 1000; eci < 1024; eci++ {
		q := "mcc=440&mnc=10&tac=5680&eci=" + strconv.Itoa(eci)
		code, a := get(q)
		_, b := get(q)
		switch code {
		case http.StatusOK:
			found++
			if a["lat"] != b["lat"] || a["lon"] != b["lon"] {
				t.Fatalf("cell %d moved: %v then %v", eci, a, b)
			}
		case http.StatusNotFound:
			missing++
		default:
			t.Fatalf("HTTP %d", code)
		}
	}
	if found == 0 || missing == 0 {
		t.Fatalf("found %d, missing %d: both must occur", found, missing)
	}
	if code, _ := get("mcc=440&mnc=10"); code != http.StatusBadRequest {
		t.Fatalf("no cell: HTTP %d", code)
	}
	if code, _ := get("mcc=440&mnc=10&lac=196&cid=68485165"); code != http.StatusOK && code != http.StatusNotFound {
		t.Fatalf("3G cell: HTTP %d", code)
	}
}
