package apispec

import (
	"net/http"
	"strings"
	"testing"
)

func TestConformingSimListPasses(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "["+simJSON("")+","+simJSON("")+"]"))

	resp, _ := call(t, srv, http.MethodGet, "/v1/sims?limit=10", credentials, "")

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	Require(t, v)
	if got := v.Operations()["listSims"]; got != 1 {
		t.Errorf("Operations()[listSims] = %d, want 1", got)
	}
}

func TestSimResponseWithUndeclaredOrMistypedFieldFails(t *testing.T) {
	cases := []struct {
		name  string
		sim   string
		wants []string
	}{
		{"misspelled simId", simJSON(`, "simID": "8981100000000000001"`), []string{"simID"}},
		{"invented field", simJSON(`, "foo": 1`), []string{"foo"}},
		{"wrong type", simJSON(`, "createdTime": "x"`), []string{"createdTime"}},
		{"invented field in a nested object", simJSON(`, "sessionStatus": {"online": true, "onLine": true}`), []string{"onLine"}},
		{"invented field in a map value", simJSON(`, "profiles": {"p": {"iccid": "1", "iccId": "1"}}`), []string{"iccId"}},
		{"value outside the enum", simJSON(`, "status": "online"`), []string{"status"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, "["+tc.sim+"]"))

			call(t, srv, http.MethodGet, "/v1/sims?limit=10", credentials, "")

			requireViolation(t, v, append([]string{"GET /v1/sims?limit=10", "listSims", "response 200"}, tc.wants...)...)
		})
	}
}

func TestTagSetAcceptsAnyTagName(t *testing.T) {
	v := New()
	tags := `, "tags": {"name": "", "Any Tag Name": "x", "日本語": "y", "simID": "z"}`
	srv := serve(t, v, respondJSON(http.StatusOK, "["+simJSON(tags)+"]"))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	Require(t, v)
}

func TestTagSetStillRequiresStringValues(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "["+simJSON(`, "tags": {"count": 3}`)+"]"))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	requireViolation(t, v, "listSims", "count")
}

func TestAuthResponse(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		violation string // empty: the response conforms
	}{
		{"documented fields", `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1"}`, ""},
		{"with SAM user name", `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1","userName":"exporter"}`, ""},
		{"invented field", `{"apiKey":"api-1","operatorId":"OP0012345678","apiToken":"tok-1"}`, "apiToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, tc.body))

			call(t, srv, http.MethodPost, "/v1/auth", nil, `{"authKeyId":"keyId-1","authKey":"secret-1"}`)

			if tc.violation == "" {
				Require(t, v)
				return
			}
			requireViolation(t, v, "POST /v1/auth", "(auth)", "response 200", tc.violation)
		})
	}
}

func TestMalformedJSONBody(t *testing.T) {
	const broken = `[{"simId": "898110`
	cases := []struct {
		name           string
		status         int
		allowMalformed bool
		wantViolation  bool
	}{
		{"success", http.StatusOK, false, true},
		{"success with AllowMalformed", http.StatusOK, true, false},
		{"server error", http.StatusInternalServerError, false, false},
		{"rate limited", http.StatusTooManyRequests, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New()
			v.AllowMalformed(tc.allowMalformed)
			srv := serve(t, v, respondJSON(tc.status, broken))

			resp, body := call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

			if resp.StatusCode != tc.status || body != broken {
				t.Fatalf("client got %d %q, want %d %q", resp.StatusCode, body, tc.status, broken)
			}
			if tc.wantViolation {
				requireViolation(t, v, "listSims", "not valid JSON")
			} else {
				Require(t, v)
			}
		})
	}
}

func TestEmptySuccessBodyFails(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, ""))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	requireViolation(t, v, "listSims", "response 200")
}

func TestUndocumentedStatusBodiesAreNotChecked(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusNotFound, `{"code":"SEM0001","message":"No such SIM found."}`))

	call(t, srv, http.MethodGet, "/v1/sims/8981100000000000001", credentials, "")

	Require(t, v)
	if got := v.Operations()["getSim"]; got != 1 {
		t.Errorf("Operations()[getSim] = %d, want 1", got)
	}
}

func TestWrongResponseContentTypeFails(t *testing.T) {
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("[]"))
	}))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	requireViolation(t, v, "listSims", "response 200", "text/plain")
}

func TestSimPageOfHundredPasses(t *testing.T) {
	sims := make([]string, 100)
	for i := range sims {
		sims[i] = simJSON("")
	}
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "["+strings.Join(sims, ",")+"]"))

	call(t, srv, http.MethodGet, "/v1/sims?limit=100&last_evaluated_key=8981100000000000001", credentials, "")

	Require(t, v)
}
