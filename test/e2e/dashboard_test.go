package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dashboardPanels lists every panel of contrib/grafana/soracom-fleet.json
// with the exporter metrics its queries read. A panel must return data as
// soon as all of its metrics appear in the demo's /metrics: the test
// tightens by itself as new sources land. Queries must parse either way.
var dashboardPanels = []struct {
	title string
	needs []string
}{
	{"SIMs online", []string{"soracom_sim_session_online", "soracom_sim_info"}},
	{"Active SIMs offline", []string{"soracom_sim_session_online", "soracom_sim_info"}},
	{"Active SIMs", []string{"soracom_sim_info"}},
	{"Stale sources", []string{"soracom_exporter_source_stale"}},
	{"Online and offline SIMs", []string{"soracom_sim_session_online", "soracom_sim_info"}},
	{"Offline SIMs", []string{"soracom_sim_previous_session_end_timestamp_seconds", "soracom_sim_session_online", "soracom_sim_info"}},
	{"Session state changes per SIM (flapping)", []string{"soracom_sim_session_online", "soracom_sim_info"}},
	{"Session drops per SIM (session log)", []string{"soracom_sim_session_events_total", "soracom_sim_info"}},
	{"Radio type", []string{"soracom_sim_session_info", "soracom_sim_info"}},
	{"Networks (MCC-MNC)", []string{"soracom_sim_session_info", "soracom_sim_info"}},
	{"Cell changes", []string{"soracom_sim_cell_changes_total", "soracom_sim_info"}},
	{"Fleet traffic", []string{"soracom_air_bytes_total"}},
	{"Top talkers", []string{"soracom_sim_air_bytes_total", "soracom_sim_info"}},
	{"Traffic per SIM", []string{"soracom_sim_air_bytes_total", "soracom_sim_info"}},
	{"Charges this month, forecast and budget", []string{"soracom_bill_amount"}},
	{"Forecast against budget", []string{"soracom_bill_amount"}},
	{"SIMs by charges", []string{"soracom_sim_bill_amount", "soracom_sim_info"}},
	{"Charges by item", []string{"soracom_bill_item_amount"}},
	{"Age of source data", []string{"soracom_exporter_source_last_success_timestamp_seconds", "soracom_exporter_source_max_age_seconds"}},
	{"API requests by status", []string{"soracom_exporter_api_requests_total"}},
	{"API errors and retries", []string{"soracom_exporter_api_requests_total"}},
	{"Rate-limit headroom", []string{"soracom_exporter_api_ratelimit_remaining"}},
	{"Poll duration", []string{"soracom_exporter_source_duration_seconds"}},
	{"Failed polls and authentications", []string{"soracom_exporter_source_failures_total", "soracom_exporter_auth_total"}},
}

type grafanaDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type grafanaPanel struct {
	Type       string             `json:"type"`
	Title      string             `json:"title"`
	Datasource *grafanaDatasource `json:"datasource"`
	Targets    []struct {
		RefID      string             `json:"refId"`
		Expr       string             `json:"expr"`
		Instant    bool               `json:"instant"`
		Datasource *grafanaDatasource `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Type     string          `json:"type"`
			Name     string          `json:"name"`
			Query    json.RawMessage `json:"query"`
			AllValue *string         `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
	Panels []grafanaPanel `json:"panels"`
}

// flatPanels returns the dashboard's panels, rows' panels included, without
// the rows.
func flatPanels(ps []grafanaPanel) []grafanaPanel {
	var out []grafanaPanel
	for _, p := range ps {
		if p.Type != "row" {
			out = append(out, p)
		}
		out = append(out, flatPanels(p.Panels)...)
	}
	return out
}

func loadDashboard(t *testing.T) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(contribPath(t, "grafana", "soracom-fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("soracom-fleet.json: %v", err)
	}
	return d
}

// TestDashboardStructure checks what Grafana needs to import the dashboard
// anywhere: the current schema, a datasource variable every query uses, and
// the account, coverage and group variables.
func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	if d.SchemaVersion < 39 {
		t.Errorf("schemaVersion %d, want 39 or later", d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" {
		t.Errorf("no datasource variable (variables: %v)", vars)
	}
	for _, name := range []string{"account", "coverage", "group"} {
		if vars[name] != "query" {
			t.Errorf("no query variable %q (variables: %v)", name, vars)
		}
	}
	panels := flatPanels(d.Panels)
	if len(panels) != len(dashboardPanels) {
		t.Errorf("the dashboard has %d panels, the test's table %d: keep them in step", len(panels), len(dashboardPanels))
	}
	for _, p := range panels {
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the datasource variable", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q query %s does not use the datasource variable", p.Title, tg.RefID)
			}
		}
	}
}

// metricNames returns the metric names that have samples in an exposition.
func metricNames(exposition []byte) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(exposition))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// promResult runs a query (instant, or over the last two minutes) and
// returns the number of series with samples, or the error Prometheus gave.
func promResult(promAddr, query string, instant bool) (int, error) {
	now := time.Now()
	u := "http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(query)
	if !instant {
		u = fmt.Sprintf("http://%s/api/v1/query_range?query=%s&start=%d&end=%d&step=2", promAddr, url.QueryEscape(query),
			now.Add(-2*time.Minute).Unix(), now.Unix())
	}
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("%s: %s", r.Status, r.Error)
	}
	return len(r.Data.Result), nil
}

var labelValuesQuery = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

// TestDashboardQueriesReturnData runs every panel query and variable query
// of the dashboard, variables substituted, against a real Prometheus that
// scrapes the demo fleet and evaluates the shipped recording rules.
func TestDashboardQueriesReturnData(t *testing.T) {
	t.Parallel()          // mostly waiting on polls and scrapes
	tool(t, "prometheus") // skip or fail before starting anything
	bin := exporterBinary(t)
	dir := t.TempDir()
	d := loadDashboard(t)

	exporterAddr := freePort(t)
	start(t, "exporter-demo", nil, nil, bin, "--demo", "--web.listen-address", exporterAddr, "--source.sessions.interval", "10s")
	promAddr := startPrometheus(t, dir, fmt.Sprintf(`global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: [%q]
scrape_configs:
  - job_name: soracom
    static_configs: [{targets: [%q]}]
`, contribPath(t, "prometheus", "rules", "*.yml"), exporterAddr))

	// Both coverages polled, the recording rules evaluated, and enough
	// samples for rate() and changes() over $__rate_interval (30s).
	for _, c := range []struct {
		query string
		min   float64
	}{{`count(soracom_up == 1)`, 2}, {`count(group:soracom_sim_session_online:sum)`, 1}, {`count_over_time(up{job="soracom"}[30s])`, 5}} {
		eventually(t, 60*time.Second, fmt.Sprintf("%s >= %v", c.query, c.min), func() (bool, string) {
			v, ok := promQuery(t, promAddr, c.query)
			return ok && v >= c.min, fmt.Sprint(v, ok)
		})
	}
	exported := metricNames(httpGet(t, "http://"+exporterAddr+"/metrics"))

	operators := seriesLabelValues(t, promAddr, `soracom_up{account="demo"}`, "operator_id")
	if len(operators) == 0 {
		t.Fatal("no operator_id on soracom_up")
	}
	// What Grafana sends for: account demo, both coverages, every group
	// (its All value), and the hidden operator variable (all operators of
	// the account, as a regex alternation).
	vars := strings.NewReplacer(
		"$account", "demo",
		"$coverage", "(jp|g)",
		"$group", ".*",
		"$operator", "("+strings.Join(operators, "|")+")",
		"$__rate_interval", "30s",
		"$__range", "2m",
	)

	// The variable queries: label_values(selector, label) must find values.
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Errorf("variable %s: query %s: %v", v.Name, v.Query, err)
			continue
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(selector, label)", v.Name, q.Query)
			continue
		}
		if vals := seriesLabelValues(t, promAddr, vars.Replace(m[1]), m[2]); len(vals) == 0 {
			t.Errorf("variable %s: %q finds no values", v.Name, q.Query)
		}
	}

	panels := map[string]grafanaPanel{}
	for _, p := range flatPanels(d.Panels) {
		panels[p.Title] = p
	}
	for _, want := range dashboardPanels {
		p, ok := panels[want.title]
		if !ok {
			t.Errorf("panel %q is in the test's table but not in the dashboard", want.title)
			continue
		}
		delete(panels, want.title)
		required := true
		for _, m := range want.needs {
			if !exported[m] {
				required = false
			}
		}
		for _, tg := range p.Targets {
			q := vars.Replace(tg.Expr)
			if strings.Contains(q, "$") {
				t.Errorf("panel %q query %s: a variable is left after substitution: %s", p.Title, tg.RefID, q)
				continue
			}
			n, err := promResult(promAddr, q, tg.Instant)
			// A series that has just appeared may wait for the next scrape
			// and rule evaluation (2s each).
			for deadline := time.Now().Add(15 * time.Second); err == nil && n == 0 && required && time.Now().Before(deadline); {
				time.Sleep(time.Second)
				n, err = promResult(promAddr, q, tg.Instant)
			}
			switch {
			case err != nil:
				t.Errorf("panel %q query %s fails: %v\n%s", p.Title, tg.RefID, err, q)
			case n == 0 && required:
				t.Errorf("panel %q query %s returns no data although the exporter serves %v:\n%s", p.Title, tg.RefID, want.needs, q)
			case n == 0:
				t.Logf("panel %q query %s: no data yet (the demo does not serve all of %v)", p.Title, tg.RefID, want.needs)
			}
		}
	}
	for title := range panels {
		t.Errorf("panel %q is not in the test's table: add it with the metrics it reads", title)
	}
}

// seriesLabelValues returns the values of label on the series matching
// selector, as Grafana's label_values() does.
func seriesLabelValues(t *testing.T, promAddr, selector, label string) []string {
	t.Helper()
	u := fmt.Sprintf("http://%s/api/v1/series?match[]=%s&start=%s", promAddr, url.QueryEscape(selector),
		strconv.FormatInt(time.Now().Add(-5*time.Minute).Unix(), 10))
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string              `json:"status"`
		Error  string              `json:"error"`
		Data   []map[string]string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("series %s: %s %s %v", selector, r.Status, r.Error, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range r.Data {
		if v := s[label]; v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
