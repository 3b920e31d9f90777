package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The exporter on the SORACOM API's limits, seen from outside: the real
// binaries, the fake's call counters, /metrics, the landing page and the
// exporter's log.

// scrapeFamilies parses the exporter's /metrics.
func scrapeFamilies(t *testing.T, metricsURL string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(httpGet(t, metricsURL)))
	if err != nil {
		t.Fatalf("%s does not parse: %v", metricsURL, err)
	}
	return mfs
}

// sumOf adds the samples of family name whose labels include match, and
// says whether there was one.
func sumOf(mfs map[string]*dto.MetricFamily, name string, match map[string]string) (float64, bool) {
	sum, found := 0.0, false
metric:
	for _, m := range mfs[name].GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		for k, v := range match {
			if labels[k] != v {
				continue metric
			}
		}
		found = true
		sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return sum, found
}

// fakeCalls returns how many API requests of one kind the fake served
// (GET /_fake/counters); status 0 counts every status.
func fakeCalls(t *testing.T, endpoint, method, path string, status int) int {
	t.Helper()
	var counters struct {
		Calls []struct {
			Method string `json:"method"`
			Path   string `json:"path"`
			Status int    `json:"status"`
			Count  int    `json:"count"`
		} `json:"calls"`
	}
	fakeControl(t, http.MethodGet, endpoint+"/_fake/counters", &counters)
	n := 0
	for _, c := range counters.Calls {
		if c.Method == method && c.Path == path && (status == 0 || c.Status == status) {
			n += c.Count
		}
	}
	return n
}

// logLines returns the lines of a process's log at level that contain
// every one of words.
func logLines(p *process, level string, words ...string) []string {
	var out []string
line:
	for _, l := range strings.Split(p.output(), "\n") {
		if !strings.Contains(l, "level="+level+" ") {
			continue
		}
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue line
			}
		}
		out = append(out, l)
	}
	return out
}

// TestMissingPermissionFromOutside: the fake's credentials lack
// exportAirStats, and the exporter polls every source, the sessions and
// air sources every 10 s. After several polls: one POST /v1/auth in all,
// the air source failing with every 403 counted alike by the fake and in
// soracom_exporter_api_requests_total, the sessions and billing sources
// serving their data, and one warning naming the denied operation.
func TestMissingPermissionFromOutside(t *testing.T) {
	const (
		sims     = 40
		deniedOp = "/stats/air/operators/{operator_id}/export"
	)
	bin := exporterBinary(t)
	fake := startFakeAPI(t, sims, "--coverage", "jp", "--clock.speed", "0", "--deny", "exportAirStats")
	endpoint := fake.Endpoints["jp"]
	httpAddr := freePort(t)
	exporter := start(t, "exporter", nil, exporterEnv(fake), bin, "--soracom.auth-key-id", fake.AuthKeyID,
		"--soracom.coverage", "jp", "--soracom.endpoint", endpoint, "--web.listen-address", httpAddr,
		"--source.sessions.interval", "10s", "--source.air.enabled", "--source.air.interval", "10s",
		"--source.billing.enabled")
	metricsURL := "http://" + httpAddr + "/metrics"
	waitHTTP(t, metricsURL, 30*time.Second)

	// The air source backs off after failures (10 s, then 20 s): its
	// third poll comes about 30 s after the first.
	polls := func(mfs map[string]*dto.MetricFamily, source string) float64 {
		v, _ := sumOf(mfs, "soracom_exporter_source_polls_total", map[string]string{"source": source})
		return v
	}
	eventually(t, 50*time.Second, "three polls of the air and sessions sources", func() (bool, string) {
		mfs := scrapeFamilies(t, metricsURL)
		air, sessions := polls(mfs, "air"), polls(mfs, "sessions")
		return air >= 3 && sessions >= 3, fmt.Sprintf("air %v, sessions %v polls", air, sessions)
	})

	// The fake's counters and the metrics, read between two scrapes that
	// saw the same number of air polls.
	var mfs map[string]*dto.MetricFamily
	var denied int
	eventually(t, 20*time.Second, "a reading between two polls", func() (bool, string) {
		mfs = scrapeFamilies(t, metricsURL)
		denied = fakeCalls(t, endpoint, http.MethodPost, deniedOp, http.StatusForbidden)
		after := scrapeFamilies(t, metricsURL)
		return polls(mfs, "air") == polls(after, "air"), "an air poll in between"
	})
	airPolls := polls(mfs, "air")
	if n := fakeCalls(t, endpoint, http.MethodPost, "/auth", 0); n != 1 {
		t.Errorf("the fake saw %d POST /v1/auth, want 1", n)
	}
	if float64(denied) != airPolls {
		t.Errorf("the fake answered %d exports with 403 over %v air polls, want one per poll", denied, airPolls)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_api_requests_total", map[string]string{"code": "403"}); v != float64(denied) {
		t.Errorf("soracom_exporter_api_requests_total{code=\"403\"} sums to %v, the fake answered %d", v, denied)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_api_requests_total", map[string]string{"code": "403", "operation": deniedOp}); v != float64(denied) {
		t.Errorf("soracom_exporter_api_requests_total{code=\"403\",operation=%q} = %v, want %d", deniedOp, v, denied)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_auth_total", map[string]string{"result": "success"}); v != 1 {
		t.Errorf("soracom_exporter_auth_total{result=\"success\"} = %v, want 1", v)
	}
	for source, want := range map[string]float64{"sessions": 1, "billing": 1, "air": 0} {
		if v, ok := sumOf(mfs, "soracom_exporter_source_success", map[string]string{"source": source}); !ok || v != want {
			t.Errorf("soracom_exporter_source_success{source=%q} = %v (present %v), want %v", source, v, ok, want)
		}
	}
	if v, _ := sumOf(mfs, "soracom_exporter_source_failures_total", map[string]string{"source": "air"}); v != airPolls {
		t.Errorf("%v of %v air polls failed, want every one", v, airPolls)
	}
	if n := len(mfs["soracom_sim_session_online"].GetMetric()); n != sims {
		t.Errorf("%d SIMs served, want %d", n, sims)
	}
	if _, ok := mfs["soracom_bill_amount"]; !ok {
		t.Error("no soracom_bill_amount served")
	}
	if _, ok := mfs["soracom_sim_air_bytes_total"]; ok {
		t.Error("air usage served although every export was denied")
	}
	warned := logLines(exporter, "WARN", "permission denied", deniedOp)
	if len(warned) != 1 || !strings.Contains(warned[0], "exportAirStats") {
		t.Errorf("%d warnings name the denied operation, want 1 naming the permission:\n%s", len(warned), strings.Join(warned, "\n"))
	}
}

// TestFleetTooLargeForItsIntervalFromOutside: GET /sims limited to 40 a
// minute, a fleet of four or five pages (the fake's pages are uneven), the
// sessions source asked to poll every 10 s at the default share of 0.5.
// Paced at 20 calls a minute, a listing takes longer than 9 s of every
// 10 s (the plan fills 90 % of the share): the exporter lengthens the
// interval, says why in its log, reports the effective interval in its
// metrics and on its landing page, stays within the share, and is never
// answered 429.
func TestFleetTooLargeForItsIntervalFromOutside(t *testing.T) {
	const (
		sims  = 300
		limit = 40
		share = 0.5
	)
	bin := exporterBinary(t)
	fake := startFakeAPI(t, sims, "--coverage", "jp", "--clock.speed", "0", "--rate-limit.path", "/sims="+strconv.Itoa(limit))
	endpoint := fake.Endpoints["jp"]
	httpAddr := freePort(t)
	exporter := start(t, "exporter", nil, exporterEnv(fake), bin, "--soracom.auth-key-id", fake.AuthKeyID,
		"--soracom.coverage", "jp", "--soracom.endpoint", endpoint, "--web.listen-address", httpAddr,
		"--source.sessions.interval", "10s")
	metricsURL := "http://" + httpAddr + "/metrics"
	waitHTTP(t, metricsURL, 30*time.Second)
	sessions := func(kv ...string) map[string]string {
		m := map[string]string{"source": "sessions"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	// Two successful polls: the second runs on the lengthened interval.
	eventually(t, 45*time.Second, "two successful polls of the sessions source", func() (bool, string) {
		mfs := scrapeFamilies(t, metricsURL)
		polls, _ := sumOf(mfs, "soracom_exporter_source_polls_total", sessions())
		failures, _ := sumOf(mfs, "soracom_exporter_source_failures_total", sessions())
		ok, _ := sumOf(mfs, "soracom_exporter_source_success", sessions())
		return polls-failures >= 2 && ok == 1, fmt.Sprintf("%v polls, %v failed, last success %v", polls, failures, ok)
	})
	mfs := scrapeFamilies(t, metricsURL)
	if v, _ := sumOf(mfs, "soracom_exporter_api_ratelimit_limit", map[string]string{"operation": "/sims"}); v != limit {
		t.Errorf("soracom_exporter_api_ratelimit_limit{operation=\"/sims\"} = %v, the fake limits /sims to %d", v, limit)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_source_interval_seconds", sessions("kind", "configured")); v != 10 {
		t.Errorf("configured interval %v s, want 10", v)
	}
	effective, _ := sumOf(mfs, "soracom_exporter_source_interval_seconds", sessions("kind", "effective"))
	if effective <= 10 {
		t.Errorf("effective interval %v s: not lengthened", effective)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_source_max_age_seconds", sessions()); v != 3*effective {
		t.Errorf("max age %v s, want three effective intervals (%v s)", v, 3*effective)
	}
	if v, ok := sumOf(mfs, "soracom_exporter_api_budget_used_ratio", map[string]string{"operation": "/sims"}); !ok || v <= 0 || v > share {
		t.Errorf("soracom_exporter_api_budget_used_ratio{operation=\"/sims\"} = %v (present %v), want at most the share, %v", v, ok, share)
	}
	if n := len(mfs["soracom_sim_session_online"].GetMetric()); n != sims {
		t.Errorf("%d SIMs served, want %d", n, sims)
	}
	if n := fakeCalls(t, endpoint, http.MethodGet, "/sims", http.StatusTooManyRequests); n != 0 {
		t.Errorf("the fake answered %d listings with 429", n)
	}
	if v, _ := sumOf(mfs, "soracom_exporter_api_requests_total", map[string]string{"code": "429"}); v != 0 {
		t.Errorf("soracom_exporter_api_requests_total{code=\"429\"} sums to %v", v)
	}

	warned := logLines(exporter, "WARN", "interval lengthened", "=sessions", "operation=/sims", "configured_interval=10s",
		"effective_interval=")
	if len(warned) == 0 {
		t.Errorf("no warning explains the lengthened interval:\n%s", tail(exporter.output(), 4000))
	}
	page := string(httpGet(t, "http://"+httpAddr+"/"))
	m := regexp.MustCompile(`effective every (\d+) s`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the landing page does not show the effective interval:\n%s", page)
	}
	if shown, _ := strconv.ParseFloat(m[1], 64); shown <= 10 {
		t.Errorf("the landing page shows an effective interval of %s", m[0])
	}
}
