package selfmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

func TestAPIObserver(t *testing.T) {
	reg := prometheus.NewRegistry()
	api := NewAPI(reg)
	o := api.For("prod", soracom.CoverageJapan)
	rl := soracom.RateLimit{Present: true, Limit: 300, Remaining: 42}
	o.ObserveRequest(soracom.RequestEvent{Operation: "/sims", Method: "GET", StatusCode: 200, Duration: time.Second, RateLimit: rl})
	o.ObserveRequest(soracom.RequestEvent{Operation: "/sims", Method: "GET", StatusCode: 0, Retry: true})
	o.ObserveAuth(soracom.AuthRejected)

	want := `
# HELP soracom_exporter_api_requests_total HTTP requests sent to the SORACOM API, by route template and status code (code="error" when no answer came).
# TYPE soracom_exporter_api_requests_total counter
soracom_exporter_api_requests_total{account="prod",code="200",coverage="jp",operation="/sims"} 1
soracom_exporter_api_requests_total{account="prod",code="error",coverage="jp",operation="/sims"} 1
# HELP soracom_exporter_api_retries_total HTTP requests to the SORACOM API that repeated an earlier attempt (after 5xx, 429, timeouts or an expired token).
# TYPE soracom_exporter_api_retries_total counter
soracom_exporter_api_retries_total{account="prod",coverage="jp",operation="/sims"} 1
# HELP soracom_exporter_api_ratelimit_remaining X-Soracom-Ratelimit-Remaining of the last answer: requests left in the current minute for this API path.
# TYPE soracom_exporter_api_ratelimit_remaining gauge
soracom_exporter_api_ratelimit_remaining{account="prod",coverage="jp",operation="/sims"} 42
# HELP soracom_exporter_api_ratelimit_limit X-Soracom-Ratelimit-Limit of the last answer: requests allowed per minute for this API path.
# TYPE soracom_exporter_api_ratelimit_limit gauge
soracom_exporter_api_ratelimit_limit{account="prod",coverage="jp",operation="/sims"} 300
# HELP soracom_exporter_auth_total Authentications (POST /v1/auth) by result: success, rejected (bad credentials) or error.
# TYPE soracom_exporter_auth_total counter
soracom_exporter_auth_total{account="prod",coverage="jp",result="error"} 0
soracom_exporter_auth_total{account="prod",coverage="jp",result="rejected"} 1
soracom_exporter_auth_total{account="prod",coverage="jp",result="success"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"soracom_exporter_api_requests_total", "soracom_exporter_api_retries_total", "soracom_exporter_api_ratelimit_remaining",
		"soracom_exporter_api_ratelimit_limit", "soracom_exporter_auth_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "soracom_exporter_api_request_duration_seconds"); n != 1 {
		t.Fatalf("%d duration histograms", n)
	}
}

func TestSourceCollectorUpNeedsEverySource(t *testing.T) {
	st := store.New()
	now := time.Now()
	k := func(cov, src string) store.Key { return store.Key{Account: "prod", Coverage: cov, Source: src} }
	st.SetMaxAge(k("jp", "sessions"), time.Minute)
	st.Put(&store.Snapshot{Key: k("jp", "sessions"), Produced: now})
	statuses := []scheduler.Status{
		{Key: k("jp", "sessions"), OperatorID: "OP1", Succeeded: true, LastSuccess: now, MaxAge: time.Minute, Polls: 3},
		{Key: k("jp", "air"), Succeeded: false, Polls: 2, Failures: 2},
		{Key: k("g", "sessions"), Succeeded: true, LastSuccess: now},
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewSourceCollector(func() []scheduler.Status { return statuses }, st, nil))
	want := `
# HELP soracom_up Whether the last poll of every source of this account and coverage succeeded (1) or not (0).
# TYPE soracom_up gauge
soracom_up{account="prod",coverage="g",operator_id=""} 1
soracom_up{account="prod",coverage="jp",operator_id="OP1"} 0
# HELP soracom_exporter_source_stale 1 when the source's metrics are withdrawn from the output because its last success is older than its max age (or it never succeeded).
# TYPE soracom_exporter_source_stale gauge
soracom_exporter_source_stale{account="prod",coverage="g",operator_id="",source="sessions"} 1
soracom_exporter_source_stale{account="prod",coverage="jp",operator_id="OP1",source="air"} 1
soracom_exporter_source_stale{account="prod",coverage="jp",operator_id="OP1",source="sessions"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "soracom_up", "soracom_exporter_source_stale"); err != nil {
		t.Fatal(err)
	}
}
