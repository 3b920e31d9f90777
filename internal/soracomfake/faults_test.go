package soracomfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func statusesOf(s *apiClient, path string, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = s.get(path).status
	}
	return out
}

func TestFailNextOnOnePath(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	if err := f.SetFaults(Faults{FailNext: 2, FailStatus: 502, Path: "/v1/sims"}); err != nil {
		t.Fatal(err)
	}
	var groups []map[string]any
	s.getOK("/v1/groups", &groups) // other paths are untouched
	wantError(t, s.get("/v1/sims"), http.StatusBadGateway, codeServerError)
	wantError(t, s.get("/v1/sims"), http.StatusBadGateway, codeServerError)
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
	if n := f.CallsWithStatus("jp", "GET", "/sims", 502); n != 2 {
		t.Fatalf("counted %d 502s", n)
	}
	if left := f.Faults().FailNext; left != 0 {
		t.Fatalf("FailNext left %d", left)
	}
}

func TestErrorRateIsSeeded(t *testing.T) {
	run := func() []int {
		f := newFake(t, Options{Seed: 42, SIMs: 4})
		s := serveChecked(t, f, "g").login(f.Credentials())
		if err := f.SetFaults(Faults{ErrorRate: 0.5, FailStatus: 500}); err != nil {
			t.Fatal(err)
		}
		return statusesOf(s, "/v1/groups", 40)
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different outcomes: %v vs %v", a, b)
		}
		if a[i] == 500 {
			failed++
		}
	}
	if failed == 0 || failed == len(a) {
		t.Fatalf("error rate 0.5 failed %d of %d requests", failed, len(a))
	}
}

func TestRateLimitBurst(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	_ = f.SetFaults(Faults{RateLimitNext: 2})
	for range 2 {
		r := s.get("/v1/sims")
		wantError(t, r, http.StatusTooManyRequests, codeRateLimited)
		if h := readRateHeaders(t, r); h.remaining != 0 || h.refresh < 1 {
			t.Fatalf("burst 429 headers %+v", h)
		}
	}
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
}

func TestTruncatedBody(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 10})
	h := serveChecked(t, f, "jp")
	h.spec.AllowMalformed(true)
	s := h.login(f.Credentials())
	_ = f.SetFaults(Faults{TruncateNext: 1})
	r := s.get("/v1/sims")
	if r.status != http.StatusOK || json.Valid(r.body) || len(r.body) == 0 {
		t.Fatalf("want a 200 with a cut body, got HTTP %d %q", r.status, r.body)
	}
	if cl, _ := strconv.Atoi(r.header.Get("Content-Length")); cl != len(r.body) {
		t.Fatalf("Content-Length %d for %d bytes", cl, len(r.body))
	}
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
}

func TestDroppedConnection(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	_ = f.SetFaults(Faults{DropNext: 1})
	req, _ := http.NewRequest("GET", s.url+"/v1/sims", nil)
	req.Header.Set("X-Soracom-API-Key", s.apiKey)
	req.Header.Set("X-Soracom-Token", s.token)
	// A fresh transport: the request must not be retried on another
	// connection behind the test's back.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered HTTP %d", resp.StatusCode)
	}
	if n := f.CallsWithStatus("jp", "GET", "/sims", statusDropped); n != 1 {
		t.Fatalf("counted %d dropped requests", n)
	}
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
}

func TestAlwaysFailUntilCleared(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	h := serveChecked(t, f, "jp")
	s := h.login(f.Credentials())
	_ = f.SetFaults(Faults{AlwaysFail: true})
	for _, st := range statusesOf(s, "/v1/sims", 3) {
		if st != http.StatusServiceUnavailable {
			t.Fatalf("always-fail answered %d", st)
		}
	}
	c := f.Credentials()
	wantError(t, h.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey}), http.StatusServiceUnavailable, codeServerError)
	_ = f.SetFaults(Faults{})
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
}

func TestFaultsCanTargetOneCoverage(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	jp := serveChecked(t, f, "jp").login(f.Credentials())
	g := serveChecked(t, f, "g").login(f.Credentials())
	_ = f.SetFaults(Faults{AlwaysFail: true, Coverage: "g"})
	var sims []map[string]any
	jp.getOK("/v1/sims", &sims)
	wantError(t, g.get("/v1/sims"), http.StatusServiceUnavailable, codeServerError)
}

func TestLatencyDelaysButHonoursCancellation(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	_ = f.SetFaults(Faults{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/v1/sims", nil)
	req.Header.Set("X-Soracom-API-Key", s.apiKey)
	req.Header.Set("X-Soracom-Token", s.token)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("answered HTTP %d within an hour of latency", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the client's deadline", err)
	}
	_ = f.SetFaults(Faults{Latency: time.Millisecond})
	var sims []map[string]any
	s.getOK("/v1/sims", &sims)
}

func TestInvalidFaultsAreRejected(t *testing.T) {
	f := newFake(t, Options{})
	for _, bad := range []Faults{{FailStatus: 404}, {ErrorRate: 1.5}, {FailNext: -1}, {Coverage: "eu"}} {
		if err := f.SetFaults(bad); err == nil {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

func TestFaultsJSONRoundTrip(t *testing.T) {
	in := Faults{FailNext: 3, FailStatus: 500, Latency: 250 * time.Millisecond, Path: "/sims", DropNext: 1,
		RateLimitWithoutHeaders: true, MalformedSIMs: []string{"8981"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Faults
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("%s decoded to %+v", b, out)
	}
	if err := json.Unmarshal([]byte(`{"latency":"soon"}`), &out); err == nil {
		t.Fatal("bad latency accepted")
	}
}
