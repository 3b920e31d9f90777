package app

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the exposition as node_exporter serves its metrics:
// at most maxRequests scrapes at once (0: no limit), the others answered
// 503 at once, and every request counted in
// promhttp_metric_handler_requests_total{code} and
// promhttp_metric_handler_requests_in_flight. The exposition is rendered
// in advance, so the limit bounds the memory and connections that a storm
// of scrapes can take, not any work on the API.
func (a *App) MetricsHandler(maxRequests int) http.Handler {
	h := a.Exposition.MetricsHandler()
	if maxRequests > 0 {
		h = limitRequests(h, maxRequests)
	}
	// The counters go with the go_* and process_* metrics: HTTP only, never
	// into the textfile.
	return promhttp.InstrumentMetricHandler(a.runtime, h)
}

// limitRequests answers 503 when max requests are already being served,
// as promhttp.HandlerOpts.MaxRequestsInFlight does.
func limitRequests(h http.Handler, max int) http.Handler {
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", max), http.StatusServiceUnavailable)
		}
	})
}
