package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exporterArgs points the exporter at the fake API on both coverages.
func exporterArgs(f *fakeAPI) []string {
	args := []string{"--soracom.auth-key-id", f.AuthKeyID, "--source.sessions.interval", "10s", "--log.level", "debug"}
	for _, cov := range []string{"jp", "g"} {
		args = append(args, "--soracom.coverage", cov, "--soracom.endpoint", cov+"="+f.Endpoints[cov])
	}
	return args
}

func exporterEnv(f *fakeAPI) []string {
	return append(os.Environ(), "SORACOM_AUTH_KEY="+f.AuthKey)
}

// TestPrometheusScrapesHTTPAndTextfile is the end-to-end path of both
// outputs on Prometheus 3: the exporter over HTTP, the exporter writing a
// textfile read by node_exporter, and Prometheus scraping both with its
// default scrape protocols, logging no warning or error about them.
func TestPrometheusScrapesHTTPAndTextfile(t *testing.T) {
	prom := scrapeBothOutputs(t, prometheus3(t), promtool3(t))
	for _, line := range strings.Split(prom.output(), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			t.Errorf("Prometheus 3 logged: %s", line)
		}
	}
}

// TestPrometheus2ScrapesHTTPAndTextfile keeps both outputs working with
// Debian stable's Prometheus 2.
func TestPrometheus2ScrapesHTTPAndTextfile(t *testing.T) {
	scrapeBothOutputs(t, prometheus2(t), promtool2(t))
}

// scrapeBothOutputs runs the exporter over HTTP and as a textfile read by
// node_exporter, lets the given Prometheus scrape both (its default scrape
// settings), checks every SIM arrives by both paths and promtool accepts
// both outputs. It returns Prometheus' process, for its log.
func scrapeBothOutputs(t *testing.T, prometheus, promtool string) *process {
	nodeExporter := tool(t, "prometheus-node-exporter", "node_exporter")
	bin := exporterBinary(t)
	fake := startFakeAPI(t, 300)
	if fake.total() != 300 {
		t.Fatalf("fake API has %d SIMs", fake.total())
	}
	dir := t.TempDir()

	// The exporter over HTTP.
	httpAddr := freePort(t)
	start(t, "exporter-http", nil, exporterEnv(fake), bin, append(exporterArgs(fake), "--web.listen-address", httpAddr)...)

	// The exporter writing a textfile only.
	textDir := filepath.Join(dir, "textfile")
	if err := os.Mkdir(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	textPath := filepath.Join(textDir, "soracom.prom")
	start(t, "exporter-textfile", nil, exporterEnv(fake), bin, append(exporterArgs(fake), "--web.disable", "--output.textfile", textPath)...)

	nodeAddr := freePort(t)
	start(t, "node_exporter", nil, nil, nodeExporter, "--web.listen-address="+nodeAddr,
		"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+textDir)

	promAddr, prom := startPrometheusBinary(t, prometheus, dir, fmt.Sprintf(`global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: soracom
    static_configs: [{targets: ["%s"]}]
  - job_name: node
    static_configs: [{targets: ["%s"]}]
`, httpAddr, nodeAddr))

	want := float64(fake.total())
	for _, job := range []string{"soracom", "node"} {
		q := fmt.Sprintf(`count(soracom_sim_session_online{job=%q})`, job)
		eventually(t, 90*time.Second, q+" to equal the fake's SIM count", func() (bool, string) {
			v, ok := promQuery(t, promAddr, q)
			return ok && v == want, fmt.Sprintf("%v (present: %v), want %v", v, ok, want)
		})
	}
	eventually(t, 30*time.Second, "node_textfile_scrape_error to be 0", func() (bool, string) {
		v, ok := promQuery(t, promAddr, `node_textfile_scrape_error`)
		return ok && v == 0, fmt.Sprintf("%v present %v", v, ok)
	})
	for _, q := range []string{`soracom_up{job="soracom"} == 1`, `soracom_up{job="node"} == 1`} {
		eventually(t, 30*time.Second, q, func() (bool, string) {
			v, ok := promQuery(t, promAddr, "count("+q+")")
			return ok && v == 2, fmt.Sprint(v)
		})
	}
	// A few more scrapes of both, so that a warning about a later scrape
	// would be in the log.
	eventually(t, 30*time.Second, "five scrapes of each target", func() (bool, string) {
		v, ok := promQuery(t, promAddr, `min(count_over_time(up[1m]))`)
		return ok && v >= 5, fmt.Sprint(v)
	})

	// promtool lints the real output of both paths.
	body := httpGet(t, "http://"+httpAddr+"/metrics")
	promtoolCheck(t, promtool, "HTTP /metrics", body)
	text, err := os.ReadFile(textPath)
	if err != nil {
		t.Fatal(err)
	}
	promtoolCheck(t, promtool, "textfile", text)
	if bytes.Contains(text, []byte("\ngo_")) || bytes.Contains(text, []byte("\nprocess_")) {
		t.Error("the textfile carries go_* or process_* metrics")
	}
	return prom
}

func promtoolCheck(t *testing.T, promtool, what string, exposition []byte) {
	t.Helper()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics on the %s output: %v\n%s", what, err, out)
	}
}

func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v", u, resp.Status, err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
