package soracom_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/selfmetrics"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// The tests below hold the client to what the real SORACOM API does, with
// the fake playing it.

// withMetrics counts the client's calls with the exporter's own metrics.
func withMetrics(reg *prometheus.Registry) func(*soracom.Options) {
	api := selfmetrics.NewAPI(reg)
	return func(o *soracom.Options) { o.Observer = api.For("default", soracom.CoverageJapan) }
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestPermissionDeniedCostsNoAuthentication: a SAM user lacks one
// permission. Ten calls of the denied operation, with permitted calls in
// between, cost exactly one POST /v1/auth; every 403 is counted and the
// missing permission is named in the log.
func TestPermissionDeniedCostsNoAuthentication(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, soracomfake.Options{SIMs: 20, Coverages: []string{jp}, DeniedOperations: []string{"getSubscriber"}}, withMetrics(reg))
	ctx := context.Background()
	sims := e.fake.SIMs(jp)
	for i := range 10 {
		_, err := e.client.GetSubscriber(ctx, sims[i].IMSI)
		if !soracom.IsStatus(err, http.StatusForbidden) {
			t.Fatalf("poll %d: got %v, want a 403", i, err)
		}
		if !strings.Contains(err.Error(), "SAM") {
			t.Errorf("the error does not say what is missing: %v", err)
		}
		if _, err := e.client.GetSim(ctx, sims[i].SIMID); err != nil {
			t.Fatalf("poll %d: permitted call failed: %v", i, err)
		}
		if _, err := e.listAll(t, ctx); err != nil {
			t.Fatalf("poll %d: listing failed: %v", i, err)
		}
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("%d POST /v1/auth over ten polls, want exactly 1", a)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/subscribers/{imsi}", http.StatusForbidden); n != 10 {
		t.Fatalf("%d denied calls reached the API, want 10 (no retries of a 403)", n)
	}
	if got := counterValue(t, reg, "soracom_exporter_api_requests_total", map[string]string{"operation": "/subscribers/{imsi}", "code": "403"}); got != 10 {
		t.Fatalf("soracom_exporter_api_requests_total{code=\"403\"} = %v, want 10", got)
	}
	if got := counterValue(t, reg, "soracom_exporter_auth_total", map[string]string{"result": "success"}); got != 1 {
		t.Fatalf("soracom_exporter_auth_total{result=\"success\"} = %v, want 1", got)
	}
	logs := e.logs.String()
	warns := 0
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "permission denied") {
			warns++
			if !strings.Contains(line, "/subscribers/{imsi}") || !strings.Contains(line, "FAKE0403") {
				t.Errorf("the warning does not name the operation and code: %s", line)
			}
		}
	}
	if warns != 1 {
		t.Fatalf("%d warnings for the missing permission, want 1 (then debug):\n%s", warns, logs)
	}
}

// TestExpiredTokenIsRenewedOnceOn401 is the other side: a 401 drops the
// token and authenticates again, once.
func TestExpiredTokenIsRenewedOnceOn401(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp}}, nil)
	ctx := context.Background()
	id := e.fake.SimIDs(jp)[0]
	if _, err := e.client.GetSim(ctx, id); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireTokens()
	if _, err := e.client.GetSim(ctx, id); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 2 {
		t.Fatalf("%d auth calls, want 2", a)
	}
}

// TestBare429WaitsAMinute: a 429 without any hint, with nothing known about
// the window, waits a minute (not a second, three times).
func TestBare429WaitsAMinute(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp}}, nil)
	if err := e.fake.SetFaults(soracomfake.Faults{RateLimitNext: 1, RateLimitWithoutHeaders: true, Path: "/sims/{sim_id}"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Slept()
	if _, err := e.client.GetSim(context.Background(), e.fake.SimIDs(jp)[0]); err != nil {
		t.Fatal(err)
	}
	if sleeps, total := e.clock.Slept(); total != time.Minute {
		t.Fatalf("waited %v (%v), want one minute", total, sleeps)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims/{sim_id}", http.StatusTooManyRequests); n != 1 {
		t.Fatalf("%d 429s", n)
	}
}

// TestBare429WaitsForTheKnownRefresh: when an earlier answer told when the
// window refreshes, a bare 429 waits until then.
func TestBare429WaitsForTheKnownRefresh(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp}}, nil)
	ctx := context.Background()
	id := e.fake.SimIDs(jp)[0]
	if _, err := e.client.GetSim(ctx, id); err != nil { // the window (60 s) starts now
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Second)
	if err := e.fake.SetFaults(soracomfake.Faults{RateLimitNext: 1, RateLimitWithoutHeaders: true}); err != nil {
		t.Fatal(err)
	}
	e.clock.Slept()
	if _, err := e.client.GetSim(ctx, id); err != nil {
		t.Fatal(err)
	}
	if sleeps, total := e.clock.Slept(); total != 40*time.Second {
		t.Fatalf("waited %v (%v), want the 40 s left of the known window", total, sleeps)
	}
}

// TestA429WaitIsBoundedByTheDeadline: a wait that would end after the
// call's deadline is not started.
func TestA429WaitIsBoundedByTheDeadline(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp}}, nil)
	if err := e.fake.SetFaults(soracomfake.Faults{RateLimitNext: 1, RateLimitWithoutHeaders: true, Path: "/sims/{sim_id}"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.clock.Slept()
	_, err := e.client.GetSim(ctx, e.fake.SimIDs(jp)[0])
	if !soracom.IsStatus(err, http.StatusTooManyRequests) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v, want the 429 and why it was not waited out", err)
	}
	if _, total := e.clock.Slept(); total != 0 {
		t.Fatalf("waited %v although the deadline was closer", total)
	}
	if ctx.Err() != nil {
		t.Fatal("the call used up its deadline instead of failing at once")
	}
}

// TestBare429sAreWaitedOutThreeTimesPerCall: a call answered 429 again and
// again waits out three of them, a minute each when nothing tells the
// refresh, then fails with the fourth 429.
func TestBare429sAreWaitedOutThreeTimesPerCall(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp}}, nil)
	if err := e.fake.SetFaults(soracomfake.Faults{RateLimitNext: 5, RateLimitWithoutHeaders: true, Path: "/sims/{sim_id}"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Slept()
	_, err := e.client.GetSim(context.Background(), e.fake.SimIDs(jp)[0])
	if !soracom.IsStatus(err, http.StatusTooManyRequests) {
		t.Fatalf("got %v, want the fourth 429", err)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims/{sim_id}", http.StatusTooManyRequests); n != 4 {
		t.Fatalf("%d calls answered 429, want 4: three waited out, the fourth final", n)
	}
	sleeps, total := e.clock.Slept()
	if total != 3*time.Minute {
		t.Fatalf("waited %v (%v), want a minute before each of three attempts", total, sleeps)
	}
}

// TestPageWithOneMalformedSIMServesTheRest: every other SIM of the listing
// is served, the odd one is counted and logged once with its ID.
func TestPageWithOneMalformedSIMServesTheRest(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, soracomfake.Options{SIMs: 250, Coverages: []string{jp}}, withMetrics(reg))
	all := e.fake.SimIDs(jp)
	odd := all[137]
	if err := e.fake.SetFaults(soracomfake.Faults{MalformedSIMs: []string{odd}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ids, err := e.listAll(t, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, id := range all {
			if id != odd {
				want = append(want, id)
			}
		}
		requireSameSet(t, ids, want)
	}
	if got := counterValue(t, reg, "soracom_exporter_decode_errors_total", map[string]string{"operation": "/sims"}); got != 2 {
		t.Fatalf("soracom_exporter_decode_errors_total{operation=\"/sims\"} = %v, want 2 (once per listing)", got)
	}
	if n := strings.Count(e.logs.String(), "level=WARN msg=\"skipping an item"); n != 1 {
		t.Fatalf("%d warnings, want 1 for the same SIM over two listings:\n%s", n, e.logs.String())
	}
	if !strings.Contains(e.logs.String(), "id="+odd) {
		t.Fatalf("the log does not name SIM %s", odd)
	}
	// A page is not asked for again because of one odd SIM.
	if n := e.fake.Calls(jp, http.MethodGet, "/sims"); n > 2*len(all)/50 {
		t.Fatalf("%d pages for two listings", n)
	}
	// The definition check saw the odd SIM and nothing else.
	for _, v := range e.spec.Violations() {
		if !strings.Contains(v, "sessionStatus") {
			t.Errorf("unexpected violation: %s", v)
		}
	}
	e.spec.Reset()
	// getSim of the odd SIM fails at once, counted, without retries.
	_, err := e.client.GetSim(context.Background(), odd)
	var me *soracom.MalformedResponseError
	if !errors.As(err, &me) || e.fake.Calls(jp, http.MethodGet, "/sims/{sim_id}") != 1 {
		t.Fatalf("getSim of the odd SIM: %v after %d calls", err, e.fake.Calls(jp, http.MethodGet, "/sims/{sim_id}"))
	}
	e.spec.Reset()
}

// TestOperationsOfOneRateLimitGroupShareTheBudget: the fake counts
// /sims/{sim_id} and /sims/{sim_id}/events/sessions in one bucket. Once the
// session-event reads spent half of it, a SIM lookup is paced too: the
// client knows the lookup draws on the same budget, although its own last
// answer said it had nearly all of it.
func TestOperationsOfOneRateLimitGroupShareTheBudget(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 4, Coverages: []string{jp},
		RateLimitGroups:    map[string][]string{"sim": {"/sims/{sim_id}", "/sims/{sim_id}/events/sessions"}},
		RateLimitPerMinute: map[string]int{"sim": 100}}, nil)
	ctx := context.Background()
	id := e.fake.SimIDs(jp)[0]
	if _, err := e.client.GetSim(ctx, id); err != nil { // the lookup's budget: 99 of 100
		t.Fatal(err)
	}
	for range 52 {
		if _, _, err := e.client.SessionEventsPage(ctx, id, 0, 0, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Slept()
	if _, err := e.client.GetSim(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, waited := e.clock.Slept(); waited <= 0 {
		t.Fatal("the lookup went out at once, as if it had the whole budget to itself")
	}
	n := 0
	for _, op := range []string{"/sims/{sim_id}", "/sims/{sim_id}/events/sessions"} {
		n += e.fake.CallsWithStatus(jp, http.MethodGet, op, http.StatusTooManyRequests)
	}
	if n != 0 {
		t.Fatalf("%d answers were 429", n)
	}
}
