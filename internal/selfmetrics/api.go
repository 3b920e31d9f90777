// Package selfmetrics holds the exporter's metrics about itself: API calls,
// authentication, and the state of every source. They are few and bounded
// (by accounts × coverages × API operations), and are collected with
// client_golang, unlike the per-SIM metrics, which are rendered ahead of time.
package selfmetrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// API counts the exporter's calls to the SORACOM API.
type API struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	retries   *prometheus.CounterVec
	remaining *prometheus.GaugeVec
	limit     *prometheus.GaugeVec
	auth      *prometheus.CounterVec
	decode    *prometheus.CounterVec
}

// NewAPI registers the API metrics on reg.
func NewAPI(reg prometheus.Registerer) *API {
	targetLabels := []string{"account", "coverage"}
	a := &API{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_api_requests_total",
			Help: "HTTP requests sent to the SORACOM API, by route template and status code (code=\"error\" when no answer came).",
		}, append(targetLabels, "operation", "code")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "soracom_exporter_api_request_duration_seconds",
			Help:    "Duration of HTTP requests to the SORACOM API until the response headers arrived.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, append(targetLabels, "operation")),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_api_retries_total",
			Help: "HTTP requests to the SORACOM API that repeated an earlier attempt (after 5xx, 429, timeouts or an expired token).",
		}, append(targetLabels, "operation")),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "soracom_exporter_api_ratelimit_remaining",
			Help: "X-Soracom-Ratelimit-Remaining of the last answer: requests left in the current minute for this API path.",
		}, append(targetLabels, "operation")),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "soracom_exporter_api_ratelimit_limit",
			Help: "X-Soracom-Ratelimit-Limit of the last answer: requests allowed per minute for this API path.",
		}, append(targetLabels, "operation")),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_auth_total",
			Help: "Authentications (POST /v1/auth) by result: success, rejected (bad credentials) or error.",
		}, append(targetLabels, "result")),
		decode: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_decode_errors_total",
			Help: "Items of SORACOM API answers that did not decode (one SIM of a page) and were skipped, or answers of one object that did not, by route template.",
		}, append(targetLabels, "operation")),
	}
	reg.MustRegister(a.requests, a.duration, a.retries, a.remaining, a.limit, a.auth, a.decode)
	return a
}

// For returns a soracom.Observer that records the calls of one target.
func (a *API) For(account string, coverage soracom.Coverage) soracom.Observer {
	// Pre-create the auth series so that a rate() over them works from the
	// first scrape on.
	for _, r := range []string{soracom.AuthSuccess, soracom.AuthRejected, soracom.AuthError} {
		a.auth.WithLabelValues(account, string(coverage), r)
	}
	return &observer{api: a, account: account, coverage: string(coverage)}
}

type observer struct {
	api               *API
	account, coverage string
}

func (o *observer) ObserveRequest(ev soracom.RequestEvent) {
	code := "error"
	if ev.StatusCode > 0 {
		code = strconv.Itoa(ev.StatusCode)
	}
	o.api.requests.WithLabelValues(o.account, o.coverage, ev.Operation, code).Inc()
	o.api.duration.WithLabelValues(o.account, o.coverage, ev.Operation).Observe(ev.Duration.Seconds())
	if ev.Retry {
		o.api.retries.WithLabelValues(o.account, o.coverage, ev.Operation).Inc()
	}
	if ev.RateLimit.Present {
		o.api.remaining.WithLabelValues(o.account, o.coverage, ev.Operation).Set(float64(ev.RateLimit.Remaining))
		o.api.limit.WithLabelValues(o.account, o.coverage, ev.Operation).Set(float64(ev.RateLimit.Limit))
	}
}

func (o *observer) ObserveAuth(result string) {
	o.api.auth.WithLabelValues(o.account, o.coverage, result).Inc()
}

func (o *observer) ObserveDecodeError(operation string) {
	o.api.decode.WithLabelValues(o.account, o.coverage, operation).Inc()
}
