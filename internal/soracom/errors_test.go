package soracom

import (
	"strings"
	"testing"
)

func TestParseAPIError(t *testing.T) {
	for _, tc := range []struct {
		body             string
		code, msg, error string
	}{
		{`{"code":"AUM0001","message":"Invalid API key"}`, "AUM0001", "Invalid API key", "soracom: GET /sims: HTTP 401 Unauthorized (AUM0001): Invalid API key"},
		{`{"errorMessage":{"code":"COM0001","message":"spec shape"},"httpStatus":401}`, "COM0001", "spec shape", ""},
		{``, "", "", "soracom: GET /sims: HTTP 401 Unauthorized"},
		{`<html>bad gateway</html>`, "", "", "soracom: GET /sims: HTTP 401 Unauthorized"},
		{`{"code":"X","message":"line1\nforged log line"}`, "X", "line1 forged log line", ""},
	} {
		e := parseAPIError("GET", "/sims", 401, []byte(tc.body))
		if e.Code != tc.code || e.Message != tc.msg {
			t.Errorf("%q: got code %q message %q", tc.body, e.Code, e.Message)
		}
		if tc.error != "" && e.Error() != tc.error {
			t.Errorf("%q: Error() = %q, want %q", tc.body, e.Error(), tc.error)
		}
	}
	long := parseAPIError("GET", "/sims", 500, []byte(`{"code":"C","message":"`+strings.Repeat("é", 1000)+`"}`))
	if len(long.Message) > 310 || !strings.HasSuffix(long.Message, "…") {
		t.Errorf("long message not clipped: %d bytes", len(long.Message))
	}
}

func TestNextKey(t *testing.T) {
	h := map[string][]string{"X-Soracom-Next-Key": {"abc"}}
	if got := nextKey(h); got != "abc" {
		t.Fatalf("got %q", got)
	}
	h = map[string][]string{"Link": {`</v1/sims?last_evaluated_key=8981100000000000001&limit=100>; rel=next`}}
	if got := nextKey(h); got != "8981100000000000001" {
		t.Fatalf("Link fallback: got %q", got)
	}
	h = map[string][]string{"Link": {`</v1/sims?limit=100>; rel=prev`}}
	if got := nextKey(h); got != "" {
		t.Fatalf("prev link taken as next: %q", got)
	}
}
