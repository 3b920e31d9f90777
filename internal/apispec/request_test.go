package apispec

import (
	"net/http"
	"strings"
	"testing"
)

func TestUndeclaredQueryParameterFails(t *testing.T) {
	for _, target := range []string{"/v1/sims?limits=10", "/v1/sims?limit=10&last_key=abc"} {
		t.Run(target, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

			call(t, srv, http.MethodGet, target, credentials, "")

			name := "limits"
			if strings.Contains(target, "last_key") {
				name = "last_key"
			}
			requireViolation(t, v, target, "listSims", "request", `"`+name+`"`, "not declared")
		})
	}
}

func TestSubscriberLimitIsBoundedByDefinition(t *testing.T) {
	cases := []struct {
		limit     string
		wantValid bool
	}{
		{"1", true},
		{"100", true},
		{"1000", false},
		{"0", false},
		{"ten", false},
	}
	for _, tc := range cases {
		t.Run(tc.limit, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

			call(t, srv, http.MethodGet, "/v1/subscribers?limit="+tc.limit, credentials, "")

			if tc.wantValid {
				Require(t, v)
			} else {
				requireViolation(t, v, "listSubscribers", "request", `"limit"`)
			}
		})
	}
}

func TestAuthRequestBody(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		violation string // empty: the request conforms
	}{
		{"auth key", `{"authKeyId":"keyId-1","authKey":"secret-1"}`, ""},
		{"SAM user with token timeout", `{"operatorId":"OP0012345678","userName":"exporter","password":"pw-1","tokenTimeoutSeconds":3600}`, ""},
		{"unknown key", `{"authKeyId":"keyId-1","authKey":"secret-1","authKeySecret":"x"}`, "authKeySecret"},
		{"timeout above maximum", `{"authKeyId":"keyId-1","authKey":"secret-1","tokenTimeoutSeconds":172801}`, "tokenTimeoutSeconds"},
		{"not JSON", `{"authKeyId":`, "decode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1"}`))

			call(t, srv, http.MethodPost, "/v1/auth", nil, tc.body)

			if tc.violation == "" {
				Require(t, v)
				return
			}
			requireViolation(t, v, "POST /v1/auth", "(auth)", "request", tc.violation)
		})
	}
}

func TestViolationsDoNotQuoteRequestValues(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1"}`))

	// tokenTimeoutSeconds has the wrong type, so the whole body fails its
	// schema; the message must name the field, not repeat the credentials.
	call(t, srv, http.MethodPost, "/v1/auth", nil,
		`{"authKeyId":"keyId-SECRET1","authKey":"SECRET2","tokenTimeoutSeconds":"SECRET3","other":"SECRET4"}`)

	requireViolation(t, v, "tokenTimeoutSeconds")
	for _, msg := range v.Violations() {
		if strings.Contains(msg, "SECRET") {
			t.Errorf("violation quotes a request value: %s", msg)
		}
	}
}

func TestCredentialHeadersAreRequired(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string]string
		missing string // empty: the request conforms
	}{
		{"both present", credentials, ""},
		{"API key missing", map[string]string{"X-Soracom-Token": "token-test"}, "X-Soracom-API-Key"},
		{"token missing", map[string]string{"X-Soracom-API-Key": "api-test"}, "X-Soracom-Token"},
		{"both missing", nil, "X-Soracom-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

			call(t, srv, http.MethodGet, "/v1/sims", tc.headers, "")

			if tc.missing == "" {
				Require(t, v)
				return
			}
			requireViolation(t, v, "GET /v1/sims", "listSims", "request", tc.missing, "missing")
		})
	}
}

func TestAuthNeedsNoCredentialHeaders(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1"}`))

	call(t, srv, http.MethodPost, "/v1/auth", nil, `{"authKeyId":"keyId-1","authKey":"secret-1"}`)

	Require(t, v)
}

func TestBodyOnOperationWithoutRequestBodyFails(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, `{"limit":10}`)

	requireViolation(t, v, "listSims", "request", "body not allowed")
}

func TestRequestOutsideDefinitionFails(t *testing.T) {
	cases := []struct{ method, target, reason string }{
		{http.MethodGet, "/v1/sim", "no matching operation"},
		{http.MethodDelete, "/v1/sims", "method not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			v := New()
			srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

			call(t, srv, tc.method, tc.target, credentials, "")

			requireViolation(t, v, tc.method+" "+tc.target, "no operation", tc.reason)
		})
	}
}
