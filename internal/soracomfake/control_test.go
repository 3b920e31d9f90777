package soracomfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStandaloneFakeIsDrivenOverHTTP uses only what a separate process
// has: the base URLs from Serve, the credentials and the /_fake/ API.
func TestStandaloneFakeIsDrivenOverHTTP(t *testing.T) {
	f := newFake(t, Options{Seed: 21, SIMs: 50})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoints, err := f.Serve(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(endpoints) != 2 || !strings.HasPrefix(endpoints["jp"], "http://127.0.0.1:") || endpoints["jp"] == endpoints["g"] {
		t.Fatalf("endpoints %v", endpoints)
	}
	jp := &host{t: t, url: endpoints["jp"]}
	ctl := func(method, path, body string) response {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return jp.do(method, path, nil, b)
	}

	var truth []SIMState
	mustJSON(t, ctl("GET", "/_fake/sims", "").body, &truth)
	var gTruth []SIMState
	mustJSON(t, ctl("GET", "/_fake/sims?coverage=g", "").body, &gTruth)
	if len(truth) != 25 || len(gTruth) != 25 || truth[0].Coverage != "jp" || gTruth[0].Coverage != "g" {
		t.Fatalf("truth: %d jp, %d g SIMs", len(truth), len(gTruth))
	}

	var target SIMState
	for _, st := range truth {
		if !st.Online && st.Type != "virtual" {
			target = st
			break
		}
	}
	var after SIMState
	mustJSON(t, ctl("POST", "/_fake/sims/"+target.SIMID+"/online", "").body, &after)
	if !after.Online || after.Cell == nil {
		t.Fatalf("after /online: %+v", after)
	}
	s := jp.login(f.Credentials())
	var sim simDoc
	s.getOK("/v1/sims/"+target.SIMID, &sim)
	if !sim.SessionStatus.Online {
		t.Fatal("/online not visible in getSim")
	}
	mustJSON(t, ctl("POST", "/_fake/sims/"+target.SIMID+"/offline", "").body, &after)
	if after.Online {
		t.Fatal("/offline left the SIM online")
	}
	var evs []SessionEvent
	mustJSON(t, ctl("GET", "/_fake/sims/"+target.SIMID+"/events", "").body, &evs)
	if len(evs) == 0 || evs[len(evs)-1].Event != "Deleted" {
		t.Fatalf("events %+v", evs)
	}

	var now struct{ Now int64 }
	mustJSON(t, ctl("POST", "/_fake/advance?d=90m", "").body, &now)
	if now.Now != testStart.Add(90*time.Minute).UnixMilli() {
		t.Fatalf("advance answered now=%d", now.Now)
	}
	if r := ctl("POST", "/_fake/advance?d=soon", ""); r.status != http.StatusBadRequest {
		t.Fatalf("bad duration: HTTP %d", r.status)
	}
	var summary map[string]struct{ SIMs, Online int }
	mustJSON(t, ctl("GET", "/_fake/summary", "").body, &summary)
	if summary["jp"].SIMs != 25 || summary["g"].Online != f.OnlineCount("g") {
		t.Fatalf("summary %+v", summary)
	}

	var counters struct {
		Total int
		Calls []CallCount
	}
	mustJSON(t, ctl("GET", "/_fake/counters", "").body, &counters)
	if counters.Total != 2 || f.Calls("jp", "GET", "/v1/sims/{sim_id}") != 1 || f.Calls("jp", "POST", "/auth") != 1 {
		t.Fatalf("counters %+v (control requests must not count)", counters)
	}

	if r := ctl("POST", "/_fake/faults", `{"failNext":1,"failStatus":500,"latency":"1ms"}`); r.status != http.StatusOK {
		t.Fatalf("POST faults: HTTP %d %s", r.status, r.body)
	}
	if r := ctl("POST", "/_fake/faults", `{"failStatus":418}`); r.status != http.StatusBadRequest {
		t.Fatalf("bad faults: HTTP %d", r.status)
	}
	wantError(t, s.get("/v1/sims/"+target.SIMID), http.StatusInternalServerError, codeServerError)
	s.getOK("/v1/sims/"+target.SIMID, &sim)
	ctl("POST", "/_fake/faults", `{"alwaysFail":true}`)
	ctl("DELETE", "/_fake/faults", "")
	s.getOK("/v1/sims/"+target.SIMID, &sim)

	ctl("POST", "/_fake/expire-tokens", "")
	wantError(t, s.get("/v1/sims/"+target.SIMID), http.StatusUnauthorized, codeUnauthorized)
	ctl("POST", "/_fake/counters/reset", "")
	if f.TotalCalls() != 0 {
		t.Fatalf("%d calls after reset", f.TotalCalls())
	}
	if r := ctl("GET", "/_fake/nothing", ""); r.status != http.StatusNotFound {
		t.Fatalf("unknown control path: HTTP %d", r.status)
	}

	cancel()
	waitClosed(t, endpoints["g"])
}

// waitClosed waits until the server at base stops accepting connections.
func waitClosed(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 500 {
		resp, err := client.Get(base + "/_fake/now")
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server still answers after its context ended")
}

func TestUnknownPathsAndMethods(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveRaw(t, f, "jp").login(f.Credentials())
	wantError(t, s.get("/v1/no/such/path"), http.StatusNotFound, codeNotFound)
	wantError(t, s.get("/sims"), http.StatusNotFound, codeNotFound)
	r := s.do("DELETE", "/v1/sims", s.credentialHeaders(), nil)
	wantError(t, r, http.StatusMethodNotAllowed, codeBadMethod)
	if f.Calls("jp", "GET", unmatchedTemplate) != 2 || f.Calls("jp", "DELETE", "/sims") != 1 {
		t.Fatalf("counters %+v", f.CallCounts())
	}
}

func TestGetUnknownSIMAndSubscriberAre404(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "g").login(f.Credentials())
	wantError(t, s.get("/v1/sims/8942310000000000000"), http.StatusNotFound, codeNotFound)
	wantError(t, s.get("/v1/subscribers/295050000000000"), http.StatusNotFound, codeNotFound)
	// A SIM of the other coverage is unknown here.
	wantError(t, s.get("/v1/sims/"+f.SimIDs("jp")[0]), http.StatusNotFound, codeNotFound)
}

func TestCountersAreExact(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 30})
	jp := serveChecked(t, f, "jp").login(f.Credentials())
	g := serveChecked(t, f, "g").login(f.Credentials())
	var sims []json.RawMessage
	for range 3 {
		jp.getOK("/v1/sims", &sims)
	}
	g.getOK("/v1/sims/"+f.SimIDs("g")[0], &json.RawMessage{})
	checks := []struct {
		cov, method, path string
		want              int
	}{
		{"jp", "GET", "/sims", 3}, {"jp", "GET", "/v1/sims", 3}, {"g", "GET", "/sims", 0},
		{"g", "GET", "/sims/{sim_id}", 1}, {"jp", "POST", "/auth", 1}, {"g", "POST", "/v1/auth", 1},
	}
	for _, c := range checks {
		if got := f.Calls(c.cov, c.method, c.path); got != c.want {
			t.Errorf("Calls(%s, %s, %s) = %d, want %d", c.cov, c.method, c.path, got, c.want)
		}
	}
	if f.TotalCalls() != 6 || f.CallsWithStatus("jp", "GET", "/sims", 200) != 3 {
		t.Fatalf("total %d, counts %+v", f.TotalCalls(), f.CallCounts())
	}
	f.ResetCounters()
	if f.TotalCalls() != 0 {
		t.Fatal("reset left calls counted")
	}
}

func TestInvalidOptionsPanic(t *testing.T) {
	for name, o := range map[string]Options{
		"coverage": {Coverages: []string{"eu"}},
		"twice":    {Coverages: []string{"jp", "jp"}},
		"negative": {SIMs: -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			New(o)
		}()
	}
	one := New(Options{Coverages: []string{"g"}, SIMs: 3})
	if one.SimCount("g") != 3 {
		t.Fatalf("single coverage holds %d SIMs", one.SimCount("g"))
	}
	defer func() {
		if recover() == nil {
			t.Error("Handler of a coverage not served did not panic")
		}
	}()
	one.Handler("jp")
}
