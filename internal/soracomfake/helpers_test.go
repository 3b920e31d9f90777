package soracomfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
)

var testStart = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)

// newFake builds a small fake for a test.
func newFake(t testing.TB, o Options) *Fake {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = testStart
	}
	return New(o)
}

// host is one coverage of a fake behind a real HTTP server.
type host struct {
	t    testing.TB
	url  string
	spec *apispec.Validator
}

// serveChecked serves a coverage with every request and response held to
// the API definition; the test fails at the end if any broke it.
func serveChecked(t testing.TB, f *Fake, coverage string) *host {
	t.Helper()
	v := apispec.New()
	srv := httptest.NewServer(v.Wrap(f.Handler(coverage)))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { apispec.Require(t, v) })
	return &host{t: t, url: srv.URL, spec: v}
}

// serveRaw serves a coverage without the definition check, for requests
// that break the definition on purpose (missing credentials, limit=101,
// unknown paths).
func serveRaw(t testing.TB, f *Fake, coverage string) *host {
	t.Helper()
	srv := httptest.NewServer(f.Handler(coverage))
	t.Cleanup(srv.Close)
	return &host{t: t, url: srv.URL}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (h *host) do(method, path string, header map[string]string, body []byte) response {
	h.t.Helper()
	r, err := h.send(method, path, header, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is do without failing the test, for use off the test goroutine.
func (h *host) send(method, path string, header map[string]string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("reading body: %w", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// authenticate posts an AuthRequest and returns the response.
func (h *host) authenticate(req map[string]any) response {
	h.t.Helper()
	b, _ := json.Marshal(req)
	return h.do("POST", "/v1/auth", nil, b)
}

// apiClient is an authenticated API client of one host.
type apiClient struct {
	*host
	apiKey, token string
}

func (h *host) login(c Credentials) *apiClient {
	h.t.Helper()
	r := h.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey})
	if r.status != http.StatusOK {
		h.t.Fatalf("auth: HTTP %d %s", r.status, r.body)
	}
	var a struct{ APIKey, Token string }
	mustJSON(h.t, r.body, &a)
	return &apiClient{host: h, apiKey: a.APIKey, token: a.Token}
}

func (s *apiClient) get(path string) response {
	s.t.Helper()
	return s.do("GET", path, s.credentialHeaders(), nil)
}

func (s *apiClient) credentialHeaders() map[string]string {
	return map[string]string{"X-Soracom-API-Key": s.apiKey, "X-Soracom-Token": s.token}
}

// getOK gets path, expects 200 and decodes the body into v.
func (s *apiClient) getOK(path string, v any) response {
	s.t.Helper()
	r := s.get(path)
	if r.status != http.StatusOK {
		s.t.Fatalf("GET %s: HTTP %d %s", path, r.status, r.body)
	}
	mustJSON(s.t, r.body, v)
	return r
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %q: %v", truncateForLog(b), err)
	}
}

func truncateForLog(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// wantError checks a SORACOM error response.
func wantError(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
	}
	var e struct{ Code, Message string }
	if err := json.Unmarshal(r.body, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("error body %q is not {code,message} (%v)", r.body, err)
	}
	if code != "" && e.Code != code {
		t.Fatalf("error code %q, want %q", e.Code, code)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("error Content-Type %q", r.header.Get("Content-Type"))
	}
}

// wallClock is an injected Options.WallClock that tests move by hand.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func newWallClock() *wallClock { return &wallClock{t: time.Unix(1_700_000_000, 0)} }

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *wallClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
