package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMetricsHandlerCountsRequests: /metrics carries node_exporter's
// promhttp_metric_handler_* metrics about itself.
func TestMetricsHandlerCountsRequests(t *testing.T) {
	h := newHarness(t, 5, time.Hour, 0)
	srv := httptest.NewServer(h.app.MetricsHandler(40))
	t.Cleanup(srv.Close)
	get := func() string {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
		}
		return string(b)
	}
	get()
	body := get()
	for _, want := range []string{
		"# TYPE promhttp_metric_handler_requests_total counter",
		`promhttp_metric_handler_requests_total{code="200"} 1`,
		"# TYPE promhttp_metric_handler_requests_in_flight gauge",
		"promhttp_metric_handler_requests_in_flight 1",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("the second scrape lacks %q", want)
		}
	}
}

// TestLimitRequests: beyond the limit, a request is answered 503 at once
// rather than queued; a freed slot serves again.
func TestLimitRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := limitRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}), 2)
	done := make(chan int, 2)
	for range 2 {
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			done <- rec.Code
		}()
		<-entered
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Limit of concurrent requests reached (2)") {
		t.Fatalf("third request at once: HTTP %d %q", rec.Code, rec.Body.String())
	}
	release <- struct{}{}
	if code := <-done; code != http.StatusOK {
		t.Fatalf("a request within the limit got HTTP %d", code)
	}
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		done <- rec.Code
	}()
	<-entered
	close(release)
	for range 2 {
		if code := <-done; code != http.StatusOK {
			t.Fatalf("a request after a slot was freed got HTTP %d", code)
		}
	}
}
