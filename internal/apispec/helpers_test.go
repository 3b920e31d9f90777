package apispec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// credentials are the headers the definition's api_key/api_token security
// schemes name. Their values are never checked.
var credentials = map[string]string{
	"X-Soracom-API-Key": "api-test",
	"X-Soracom-Token":   "token-test",
}

// serve starts a test server with handler behind v.
func serve(t *testing.T, v *Validator, handler http.Handler) *httptest.Server {
	t.Helper()
	return httptestServer(t, v.Wrap(handler))
}

// httptestServer starts a test server closed when tb ends.
func httptestServer(tb testing.TB, handler http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	return srv
}

// respondJSON is a handler that answers every request with status and body
// as JSON.
func respondJSON(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

// call sends a request to srv and returns the response with its body read.
func call(t *testing.T, srv *httptest.Server, method, target string, headers map[string]string, body string) (*http.Response, string) {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+target, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(got)
}

// requireViolation fails t unless v recorded a violation containing every
// one of fragments.
func requireViolation(t *testing.T, v *Validator, fragments ...string) {
	t.Helper()
	violations := v.Violations()
	for _, msg := range violations {
		if containsAll(msg, fragments) {
			return
		}
	}
	t.Fatalf("want a violation mentioning %q, got %d:\n  %s", fragments, len(violations), strings.Join(violations, "\n  "))
}

func containsAll(s string, fragments []string) bool {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// simJSON is one SIM as GET /v1/sims returns it, using only fields the
// definition's Sim schema declares; extra is spliced in before the closing
// brace to add or override fields.
func simJSON(extra string) string {
	return `{
		"simId": "8981100000000000001",
		"operatorId": "OP0012345678",
		"status": "active",
		"speedClass": "s1.standard",
		"type": "uicc",
		"moduleType": "nano",
		"groupId": "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		"createdTime": 1717200000000,
		"lastModifiedTime": 1717286400000,
		"terminationEnabled": false,
		"activeProfileId": "8981100000000000001",
		"tags": {"name": "gateway-01", "site": "Osaka", "rack position": "B-3"},
		"sessionStatus": {
			"online": true,
			"imsi": "440103000000001",
			"imei": "350000000000001",
			"sessionId": "s-0001",
			"ueIpAddress": "10.0.0.1",
			"dnsServers": ["100.127.0.53"],
			"lastUpdatedAt": 1717286400000,
			"cell": {"radioType": "LTE", "mcc": 440, "mnc": 10, "tac": 1, "eci": 2},
			"placement": {"infrastructureProvider": "aws", "region": "ap-northeast-1"}
		},
		"profiles": {
			"8981100000000000001": {
				"iccid": "8981100000000000001",
				"primaryImsi": "440103000000001",
				"otaSupported": true,
				"subscribers": {
					"440103000000001": {"imsi": "440103000000001", "status": "active", "subscription": "plan01s"}
				}
			}
		}` + extra + `
	}`
}
