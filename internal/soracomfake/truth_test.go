package soracomfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The tests below hold the fake to what the real API is known to do where
// it differs from the definition's silence.

func TestRealAuthenticationErrorCodes(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 2})
	raw := serveRaw(t, f, "jp")
	r := raw.do("GET", "/v1/sims", nil, nil)
	wantError(t, r, http.StatusUnauthorized, "AUM0001")
	if !strings.Contains(string(r.body), "Token is required in the request header") {
		t.Fatalf("missing token: %s", r.body)
	}
	c := f.Credentials()
	r = raw.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": "wrong"})
	wantError(t, r, http.StatusUnauthorized, "AUM0002")
	// Codes SORACOM does not document are unmistakably the fake's.
	wantError(t, raw.login(c).get("/v1/nothing"), http.StatusNotFound, "")
	for _, code := range []string{codeBadRequest, codeForbidden, codeNotFound, codeBadMethod, codeRateLimited, codeServerError, codeControlError} {
		if !strings.HasPrefix(code, "FAKE") {
			t.Errorf("invented code %s could pass for SORACOM's", code)
		}
	}
}

func TestTokenLifetimeBelow180SecondsIsRefused(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 2})
	raw := serveRaw(t, f, "jp")
	c := f.Credentials()
	for _, secs := range []int{1, 179} {
		wantError(t, raw.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey, "tokenTimeoutSeconds": secs}),
			http.StatusBadRequest, codeBadRequest)
	}
	if r := raw.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey, "tokenTimeoutSeconds": 180}); r.status != http.StatusOK {
		t.Fatalf("180 s: HTTP %d %s", r.status, r.body)
	}
}

func TestDeniedOperationIs403WithAValidToken(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4, DeniedOperations: []string{"getSubscriber"}})
	h := serveChecked(t, f, "jp")
	s := h.login(f.Credentials())
	st := f.SIMs("jp")[0]
	wantError(t, s.get("/v1/subscribers/"+st.IMSI), http.StatusForbidden, codeForbidden)
	var sim map[string]any
	s.getOK("/v1/sims/"+st.SIMID, &sim) // other operations stay allowed
	// Without a valid token, the answer is still 401: permissions come after
	// authentication.
	wantError(t, serveRaw(t, f, "jp").do("GET", "/v1/subscribers/"+st.IMSI, nil, nil), http.StatusUnauthorized, codeUnauthorized)

	// Over the control API: the permission granted, then another withdrawn.
	ctl := func(method, body string) []string {
		r := h.do(method, "/_fake/permissions", nil, []byte(body))
		if r.status != http.StatusOK {
			t.Fatalf("%s /_fake/permissions: HTTP %d %s", method, r.status, r.body)
		}
		var p struct{ Denied []string }
		mustJSON(t, r.body, &p)
		return p.Denied
	}
	if got := ctl("GET", ""); len(got) != 1 || got[0] != "getSubscriber" {
		t.Fatalf("denied %v", got)
	}
	ctl("PUT", `{"denied":["getSim"]}`)
	var sub map[string]any
	s.getOK("/v1/subscribers/"+st.IMSI, &sub)
	wantError(t, s.get("/v1/sims/"+st.SIMID), http.StatusForbidden, codeForbidden)
	if r := h.do("PUT", "/_fake/permissions", nil, []byte(`{"denied":["deleteEverything"]}`)); r.status != http.StatusBadRequest {
		t.Fatalf("unknown operation accepted: HTTP %d", r.status)
	}
	if f.CallsWithStatus("jp", "GET", "/sims/{sim_id}", http.StatusForbidden) != 1 {
		t.Fatalf("403 not counted: %+v", f.CallCounts())
	}
}

func TestInjected429WithAndWithoutHeaders(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	if err := f.SetFaults(Faults{RateLimitNext: 1}); err != nil {
		t.Fatal(err)
	}
	r := s.get("/v1/sims")
	wantError(t, r, http.StatusTooManyRequests, codeRateLimited)
	if h := readRateHeaders(t, r); h.remaining != 0 {
		t.Fatalf("429 headers %+v", h)
	}
	if err := f.SetFaults(Faults{RateLimitNext: 1, RateLimitWithoutHeaders: true}); err != nil {
		t.Fatal(err)
	}
	r = s.get("/v1/sims")
	wantError(t, r, http.StatusTooManyRequests, codeRateLimited)
	for name := range r.header {
		if strings.HasPrefix(strings.ToLower(name), "x-soracom-ratelimit") {
			t.Fatalf("bare 429 carries %s", name)
		}
	}
}

func TestGroupBucketIsSharedByItsPaths(t *testing.T) {
	clock := newWallClock()
	f := newFake(t, Options{Seed: 1, SIMs: 4, WallClock: clock.Now,
		RateLimitGroups: map[string][]string{"sim": {"/sims", "/v1/sims/{sim_id}"}}, RateLimitPerMinute: map[string]int{"sim": 3}})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	id := f.SimIDs("jp")[0]
	var v any
	for i, p := range []string{"/v1/sims", "/v1/sims/" + id, "/v1/sims"} {
		if h := readRateHeaders(t, s.getOK(p, &v)); h.limit != 3 || h.remaining != 2-i {
			t.Fatalf("call %d (%s): headers %+v", i, p, h)
		}
	}
	wantError(t, s.get("/v1/sims/"+id), http.StatusTooManyRequests, codeRateLimited)
	if h := readRateHeaders(t, s.getOK("/v1/groups", &v)); h.limit != defaultRateLimit {
		t.Fatalf("a path outside the group: %+v", h)
	}
	clock.Add(time.Minute)
	s.getOK("/v1/sims/"+id, &v)
}

func TestExportStaysProcessingForItsTime(t *testing.T) {
	clock := newWallClock()
	f := newFake(t, Options{Seed: 2, SIMs: 6, Coverages: []string{CoverageJapan}, WallClock: clock.Now, ExportProcessing: 10 * time.Minute})
	f.Advance(48 * time.Hour)
	s := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	start := func() string {
		body := fmt.Sprintf(`{"from":%d,"to":%d,"period":"month"}`, f.Now().Add(-time.Hour).Unix(), f.Now().Unix())
		r := s.do("POST", "/v1/stats/air/operators/"+f.OperatorID()+"/export?export_mode=async", s.credentialHeaders(), []byte(body))
		var e struct{ ExportedFileID string }
		mustJSON(t, r.body, &e)
		return e.ExportedFileID
	}
	status := func(id string) string {
		var st struct{ Status, URL string }
		s.getOK("/v1/files/exported/"+id, &st)
		return st.Status
	}
	id := start()
	for range 3 {
		clock.Add(3 * time.Minute)
		if got := status(id); got != "processing" {
			t.Fatalf("after %v: %s", 9*time.Minute, got)
		}
	}
	clock.Add(time.Minute)
	if got := status(id); got != "exported" {
		t.Fatalf("after 10m: %s", got)
	}

	// Over the control API: exports that fail.
	h := &host{t: t, url: s.url}
	if r := h.do("PUT", "/_fake/exports", nil, []byte(`{"processing":"0s","fail":true}`)); r.status != http.StatusOK {
		t.Fatalf("PUT /_fake/exports: HTTP %d %s", r.status, r.body)
	}
	id = start()
	if got := status(id); got != "processing" {
		t.Fatalf("first check: %s", got)
	}
	if got := status(id); got != "failed" {
		t.Fatalf("second check: %s", got)
	}
	var settings map[string]any
	mustJSON(t, h.do("GET", "/_fake/exports", nil, nil).body, &settings)
	if settings["fail"] != true || settings["processing"] != "0s" {
		t.Fatalf("settings %v", settings)
	}
}

func TestStatsSpansAreBounded(t *testing.T) {
	f := newFake(t, Options{Seed: 3, SIMs: 2, Coverages: []string{CoverageJapan}})
	f.Advance(10 * 24 * time.Hour)
	s := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	id, now := f.SimIDs(CoverageJapan)[0], f.Now().Unix()
	get := func(period string, span int64) response {
		return s.get(fmt.Sprintf("/v1/stats/air/sims/%s?from=%d&to=%d&period=%s", id, now-span, now, period))
	}
	const day = 24 * 3600
	if r := get("minutes", 3*day); r.status != http.StatusOK {
		t.Fatalf("3 days of minutes: HTTP %d %s", r.status, r.body)
	}
	wantError(t, get("minutes", 3*day+1), http.StatusBadRequest, codeBadRequest)
	if r := get("day", 9*day); r.status != http.StatusOK {
		t.Fatalf("9 days of days: HTTP %d", r.status)
	}
}

func TestSubscriberKeepsLocationRegistrationAndOfflineSessionFields(t *testing.T) {
	f := newFake(t, Options{Seed: 4, SIMs: 200, Coverages: []string{CoverageJapan}})
	f.Advance(6 * time.Hour)
	s := serveChecked(t, f, CoverageJapan).login(f.Credentials())
	registered, offline := 0, 0
	for _, st := range f.SIMs(CoverageJapan) {
		var sub struct {
			LocationRegistrationStatus map[string]struct {
				VPLMN            string
				LastModifiedTime int64
			}
			SessionStatus *struct {
				Online             bool
				IMSI, Subscription string
			}
		}
		s.getOK("/v1/subscribers/"+st.IMSI, &sub)
		for domain, reg := range sub.LocationRegistrationStatus {
			if len(reg.VPLMN) < 5 || reg.LastModifiedTime == 0 || (domain != "eps" && domain != "cs" && domain != "ps") {
				t.Fatalf("%s: %s registration %+v", st.IMSI, domain, reg)
			}
			registered++
		}
		if ss := sub.SessionStatus; ss != nil && !ss.Online {
			if ss.IMSI != st.IMSI || ss.Subscription != st.Subscription {
				t.Fatalf("%s: offline session keeps %+v", st.IMSI, ss)
			}
			offline++
		}
	}
	if registered == 0 || offline == 0 {
		t.Fatalf("%d registrations, %d offline sessions: fleet too small", registered, offline)
	}
}

func TestExportSettingsJSON(t *testing.T) {
	var s ExportSettings
	if err := json.Unmarshal([]byte(`{"processing":"-1s"}`), &s); err == nil {
		t.Fatal("negative processing accepted")
	}
	if err := json.Unmarshal([]byte(`{"processing":"90s","fail":true}`), &s); err != nil || s.Processing != 90*time.Second || !s.Fail {
		t.Fatalf("%+v %v", s, err)
	}
}
