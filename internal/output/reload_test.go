package output

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReloadHandler: /-/reload answers as Prometheus's does: POST or PUT
// only, 403 unless the lifecycle API is enabled, 500 with the reason when
// the configuration is refused.
func TestReloadHandler(t *testing.T) {
	var reloads int
	fail := errors.New("c.yml:3: sources.sessions.interval: 1s is below the minimum of 10s")
	var result error
	reload := func() error { reloads++; return result }
	for _, c := range []struct {
		lifecycle bool
		method    string
		result    error
		code      int
		body      string
		reloads   int
	}{
		{true, http.MethodGet, nil, http.StatusMethodNotAllowed, "Only POST or PUT requests allowed.", 0},
		{false, http.MethodGet, nil, http.StatusMethodNotAllowed, "Only POST or PUT requests allowed.", 0},
		{false, http.MethodPost, nil, http.StatusForbidden, "Lifecycle API is not enabled.", 0},
		{true, http.MethodPost, nil, http.StatusOK, "", 1},
		{true, http.MethodPut, nil, http.StatusOK, "", 1},
		{true, http.MethodPost, fail, http.StatusInternalServerError, "failed to reload config: " + fail.Error(), 1},
	} {
		reloads, result = 0, c.result
		srv := httptest.NewServer(ReloadHandler(c.lifecycle, reload))
		req, _ := http.NewRequest(c.method, srv.URL+"/-/reload", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != c.code || strings.TrimSpace(string(body)) != c.body || reloads != c.reloads {
			t.Errorf("lifecycle %v, %s: %d %q, %d reloads; want %d %q, %d", c.lifecycle, c.method,
				resp.StatusCode, body, reloads, c.code, c.body, c.reloads)
		}
		if c.code == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST, PUT" {
			t.Errorf("405 without Allow: %q", resp.Header.Get("Allow"))
		}
	}
}
