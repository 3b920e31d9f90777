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
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// panelNeeds lists every panel of a dashboard with the exporter metrics its
// queries read. A panel must return data as soon as all of its metrics
// appear in the demo's /metrics (for the SIM dashboard: for the SIM picked):
// the test tightens by itself as new sources land. Queries must parse
// either way.
type panelNeeds []struct {
	title string
	needs []string
}

// fleetPanels is contrib/grafana/soracom-fleet.json.
var fleetPanels = panelNeeds{
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

// simPanels is contrib/grafana/soracom-sim.json.
var simPanels = panelNeeds{
	{"Session now", []string{"soracom_sim_session_online"}},
	{"Previous session ended", []string{"soracom_sim_previous_session_end_timestamp_seconds"}},
	{"Last network registration", []string{"soracom_sim_last_location_update_timestamp_seconds"}},
	{"Session drops in the time range", []string{"soracom_sim_session_online"}}, // or vector(0)
	{"Online and offline", []string{"soracom_sim_session_online"}},
	{"Session events", []string{"soracom_sim_session_events_total"}},
	{"Radio type and network", []string{"soracom_sim_session_info"}},
	{"Cell", []string{"soracom_sim_session_info"}},
	{"Cell and device changes", []string{"soracom_sim_cell_changes_total", "soracom_sim_imei_changes_total"}},
	{"Traffic", []string{"soracom_sim_air_bytes_total"}},
	{"Data this month", []string{"soracom_sim_air_bytes_total"}},
	{"Charges this month", []string{"soracom_sim_bill_amount"}},
	{"SIM", []string{"soracom_sim_info"}},
	{"Device and session", []string{"soracom_sim_session_info"}},
}

type grafanaDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type grafanaPanel struct {
	Type        string             `json:"type"`
	Title       string             `json:"title"`
	Datasource  *grafanaDatasource `json:"datasource"`
	FieldConfig struct {
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options any    `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string          `json:"id"`
				Value json.RawMessage `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Transformations []struct {
		Options struct {
			RenameByName map[string]string `json:"renameByName"`
		} `json:"options"`
	} `json:"transformations"`
	Targets []struct {
		RefID      string             `json:"refId"`
		Expr       string             `json:"expr"`
		Instant    bool               `json:"instant"`
		Datasource *grafanaDatasource `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaDashboard struct {
	UID           string `json:"uid"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Type     string          `json:"type"`
			Name     string          `json:"name"`
			Query    json.RawMessage `json:"query"`
			Regex    string          `json:"regex"`
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

func loadDashboard(t *testing.T, name string) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(contribPath(t, "grafana", name))
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// TestDashboardStructure checks what Grafana needs to import the dashboards
// anywhere: the current schema, a datasource variable every query uses, the
// fleet's account, coverage and group variables and the SIM dashboard's
// search and SIM variables; and that the fleet's SIM tables link each SIM to
// the SIM dashboard.
func TestDashboardStructure(t *testing.T) {
	fleet, sim := loadDashboard(t, "soracom-fleet.json"), loadDashboard(t, "soracom-sim.json")
	for _, c := range []struct {
		name   string
		d      grafanaDashboard
		vars   map[string]string
		panels panelNeeds
	}{
		{"soracom-fleet.json", fleet, map[string]string{"account": "query", "coverage": "query", "group": "query"}, fleetPanels},
		{"soracom-sim.json", sim, map[string]string{"search": "textbox", "sim": "query"}, simPanels},
	} {
		d := c.d
		if d.SchemaVersion < 39 {
			t.Errorf("%s: schemaVersion %d, want 39 or later", c.name, d.SchemaVersion)
		}
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			vars[v.Name] = v.Type
		}
		if vars["datasource"] != "datasource" {
			t.Errorf("%s: no datasource variable (variables: %v)", c.name, vars)
		}
		for name, typ := range c.vars {
			if vars[name] != typ {
				t.Errorf("%s: no %s variable %q (variables: %v)", c.name, typ, name, vars)
			}
		}
		panels := flatPanels(d.Panels)
		if len(panels) != len(c.panels) {
			t.Errorf("%s has %d panels, the test's table %d: keep them in step", c.name, len(panels), len(c.panels))
		}
		for _, p := range panels {
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s: panel %q does not use the datasource variable", c.name, p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", c.name, p.Title)
			}
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
					t.Errorf("%s: panel %q query %s does not use the datasource variable", c.name, p.Title, tg.RefID)
				}
			}
		}
	}

	// Every fleet table listing SIMs links their name and SIM ID to the SIM
	// dashboard, with the SIM selected.
	tables := 0
	for _, p := range flatPanels(fleet.Panels) {
		if p.Type != "table" || len(p.Transformations) == 0 || p.Transformations[0].Options.RenameByName["sim_id"] != "SIM ID" {
			continue
		}
		tables++
		linked := map[string]bool{}
		for _, o := range p.FieldConfig.Overrides {
			for _, prop := range o.Properties {
				if prop.ID != "links" {
					continue
				}
				var links []struct{ Title, URL string }
				if err := json.Unmarshal(prop.Value, &links); err != nil {
					t.Errorf("panel %q: links: %v", p.Title, err)
				}
				for _, l := range links {
					if strings.HasPrefix(l.URL, "/d/"+sim.UID+"/") && strings.Contains(l.URL, `var-sim=${__data.fields["SIM ID"]}`) {
						linked[fmt.Sprint(o.Matcher.Options)] = true
					}
				}
			}
		}
		if !linked["Name"] || !linked["SIM ID"] {
			t.Errorf("fleet table %q does not link Name and SIM ID to the SIM dashboard (linked: %v)", p.Title, linked)
		}
	}
	if tables < 4 {
		t.Errorf("%d fleet tables list SIMs, want at least 4", tables)
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
// of both dashboards, variables substituted, against a real Prometheus that
// scrapes the demo fleet and evaluates the shipped recording rules. The SIM
// dashboard is shown the SIM with the most kinds of per-SIM data, picked
// through its own SIM variable.
func TestDashboardQueriesReturnData(t *testing.T) {
	t.Parallel()   // mostly waiting on polls and scrapes
	prometheus3(t) // skip or fail before starting anything
	bin := exporterBinary(t)
	dir := t.TempDir()
	fleet, sim := loadDashboard(t, "soracom-fleet.json"), loadDashboard(t, "soracom-sim.json")

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
	checkVariables(t, promAddr, "soracom-fleet.json", fleet, vars)
	checkPanels(t, promAddr, "soracom-fleet.json", fleet, fleetPanels, vars, exported)

	// The SIM with the most kinds of per-SIM data, and what it has.
	perSIM := `{__name__=~"soracom_sim_.*", __name__!="soracom_sim_info"}`
	var best struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		} `json:"data"`
	}
	// An online SIM (one with a radio context) first.
	for _, only := range []string{" and on (sim_id) soracom_sim_session_info", ""} {
		if len(best.Data.Result) == 0 {
			getJSON(t, "http://"+promAddr+"/api/v1/query?query="+url.QueryEscape(
				`topk(1, count by (sim_id) (group by (sim_id, __name__) (`+perSIM+`))`+only+`)`), &best)
		}
	}
	if len(best.Data.Result) == 0 {
		t.Fatal("no per-SIM series")
	}
	simID := best.Data.Result[0].Metric["sim_id"]
	simHas := map[string]bool{}
	for _, name := range seriesLabelValues(t, promAddr, fmt.Sprintf(`{sim_id=%q}`, simID), "__name__") {
		simHas[name] = true
	}
	t.Logf("SIM dashboard shown SIM %s, which has %d metrics", simID, len(simHas))

	// The SIM variable lists every SIM by name, IMSI and SIM ID, and the
	// search finds this one by its IMSI.
	imsi := seriesLabelValues(t, promAddr, fmt.Sprintf(`soracom_sim_info{sim_id=%q}`, simID), "imsi")
	if len(imsi) != 1 {
		t.Fatalf("SIM %s has IMSIs %v", simID, imsi)
	}
	all := simOptions(t, promAddr, sim, "")
	if want := countSeries(t, promAddr, "group by (sim_id) (soracom_sim_info)"); len(all) != want {
		t.Errorf("the SIM variable lists %d SIMs, Prometheus has %d", len(all), want)
	}
	found := simOptions(t, promAddr, sim, imsi[0])
	if len(found) != 1 || found[0].value != simID || !strings.Contains(found[0].text, imsi[0]) || !strings.Contains(found[0].text, simID) {
		t.Errorf("searching the IMSI %s finds %v, want SIM %s shown with its IMSI and SIM ID", imsi[0], found, simID)
	}
	simVars := strings.NewReplacer("$sim", simID, "$search", "", "$__rate_interval", "30s", "$__range", "2m")
	checkPanels(t, promAddr, "soracom-sim.json", sim, simPanels, simVars, simHas)
}

// checkVariables runs the label_values(selector, label) variable queries of
// a dashboard: each must find values.
func checkVariables(t *testing.T, promAddr, name string, d grafanaDashboard, vars *strings.Replacer) {
	t.Helper()
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q := variableQuery(t, v.Query)
		m := labelValuesQuery.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("%s: variable %s: %q is not label_values(selector, label)", name, v.Name, q)
			continue
		}
		if vals := seriesLabelValues(t, promAddr, vars.Replace(m[1]), m[2]); len(vals) == 0 {
			t.Errorf("%s: variable %s: %q finds no values", name, v.Name, q)
		}
	}
}

func variableQuery(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var q struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		t.Fatalf("variable query %s: %v", raw, err)
	}
	return q.Query
}

type option struct{ text, value string }

var queryResult = regexp.MustCompile(`(?s)^query_result\((.*)\)\s*$`)

// simOptions evaluates the SIM dashboard's sim variable as Grafana does for
// a query_result() variable: each result written as {label="value",…}
// value timestamp, then the variable's regex picks the text and value.
func simOptions(t *testing.T, promAddr string, d grafanaDashboard, search string) []option {
	t.Helper()
	for _, v := range d.Templating.List {
		if v.Name != "sim" {
			continue
		}
		m := queryResult.FindStringSubmatch(variableQuery(t, v.Query))
		if m == nil {
			t.Fatalf("the sim variable is not a query_result(): %s", v.Query)
		}
		re := regexp.MustCompile(strings.TrimSuffix(strings.TrimPrefix(v.Regex, "/"), "/"))
		var r struct {
			Data struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		getJSON(t, "http://"+promAddr+"/api/v1/query?query="+url.QueryEscape(strings.ReplaceAll(m[1], "$search", search)), &r)
		var out []option
		for _, res := range r.Data.Result {
			names := make([]string, 0, len(res.Metric))
			for k := range res.Metric {
				names = append(names, k)
			}
			sort.Strings(names)
			var b strings.Builder
			b.WriteString("{")
			for i, k := range names {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, "%s=%q", k, res.Metric[k])
			}
			fmt.Fprintf(&b, "} %v %v", res.Value[1], res.Value[0])
			sm := re.FindStringSubmatch(b.String())
			if sm == nil {
				t.Errorf("the sim variable's regex %s does not match %s", v.Regex, b.String())
				continue
			}
			out = append(out, option{text: sm[re.SubexpIndex("text")], value: sm[re.SubexpIndex("value")]})
		}
		return out
	}
	t.Fatal("the SIM dashboard has no sim variable")
	return nil
}

func countSeries(t *testing.T, promAddr, query string) int {
	t.Helper()
	n, err := promResult(promAddr, query, true)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkPanels runs every query of every panel of a dashboard, variables
// substituted. A panel whose metrics are all present must return data.
func checkPanels(t *testing.T, promAddr, name string, d grafanaDashboard, table panelNeeds, vars *strings.Replacer, present map[string]bool) {
	t.Helper()
	panels := map[string]grafanaPanel{}
	for _, p := range flatPanels(d.Panels) {
		panels[p.Title] = p
	}
	for _, want := range table {
		p, ok := panels[want.title]
		if !ok {
			t.Errorf("%s: panel %q is in the test's table but not in the dashboard", name, want.title)
			continue
		}
		delete(panels, want.title)
		required := true
		for _, m := range want.needs {
			if !present[m] {
				required = false
			}
		}
		for _, tg := range p.Targets {
			q := vars.Replace(tg.Expr)
			if strings.Contains(q, "$") {
				t.Errorf("%s: panel %q query %s: a variable is left after substitution: %s", name, p.Title, tg.RefID, q)
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
				t.Errorf("%s: panel %q query %s fails: %v\n%s", name, p.Title, tg.RefID, err, q)
			case n == 0 && required:
				t.Errorf("%s: panel %q query %s returns no data although the exporter serves %v:\n%s", name, p.Title, tg.RefID, want.needs, q)
			case n == 0:
				t.Logf("%s: panel %q query %s: no data (not served: some of %v)", name, p.Title, tg.RefID, want.needs)
			}
		}
	}
	for title := range panels {
		t.Errorf("%s: panel %q is not in the test's table: add it with the metrics it reads", name, title)
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
