package e2e

import (
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReloadKeepsServingOnABrokenFile: the exporter runs from a
// configuration file with the lifecycle API. A broken file is refused by
// POST /-/reload with the message it would get at start, and the running
// configuration keeps serving; the fixed file, with changes, is applied by
// POST /-/reload, then by SIGHUP.
func TestReloadKeepsServingOnABrokenFile(t *testing.T) {
	tool(t, "promtool") // skip or fail like the other end-to-end tests
	bin := exporterBinary(t)
	fake := startFakeAPI(t, 60, "--coverage", "jp")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "soracom_exporter.yml")
	account := "accounts:\n  - name: e2e\n    endpoints: {jp: " + fake.Endpoints["jp"] + "}\n" +
		"    credentials: {auth_key_id: " + fake.AuthKeyID + ", auth_key_env: SORACOM_AUTH_KEY}\n"
	config := func(sessionsInterval string, air bool) string {
		return account + "sources:\n  sessions: {interval: " + sessionsInterval + "}\n" +
			"  air: {enabled: " + strconv.FormatBool(air) + ", interval: 1m}\n"
	}
	writeFile(t, cfgPath, config("10s", true))
	addr := freePort(t)
	p := start(t, "exporter", nil, exporterEnv(fake), bin, "--config.file", cfgPath, "--web.enable-lifecycle",
		"--web.listen-address", addr, "--log.level", "info")
	base := "http://" + addr

	scrape := func() string {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	sample := func(body, series string) (float64, bool) {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(m[1], 64)
		return v, err == nil
	}
	const (
		reloadOK       = "soracom_exporter_config_last_reload_successful"
		sessionsMaxAge = `soracom_exporter_source_max_age_seconds{account="e2e",coverage="jp",operator_id="` + "%s" + `",source="sessions"}`
	)
	maxAge := func(body string) (float64, bool) {
		return sample(body, strings.Replace(sessionsMaxAge, "%s", fake.OperatorID, 1))
	}
	reload := func() (int, string) {
		resp, err := http.Post(base+"/-/reload", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitHTTP(t, base+"/metrics", 30*time.Second)
	eventually(t, 60*time.Second, "the sessions and air sources' first polls", func() (bool, string) {
		body := scrape()
		return strings.Contains(body, "\nsoracom_sims_online{") && strings.Contains(body, "\nsoracom_air_bytes_total{"), tail(body, 300)
	})
	if v, _ := sample(scrape(), reloadOK); v != 1 {
		t.Fatalf("%s = %v at start", reloadOK, v)
	}
	if resp, err := http.Get(base + "/-/reload"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /-/reload: %v %v", resp.Status, err)
	}

	// A broken file: refused with the messages of a start, old
	// configuration still serving.
	writeFile(t, cfgPath, config("1s", true)+"  billing: {enabled: true, interval: 1m}\n")
	check, _ := exec.Command(bin, "--config.file", cfgPath, "--config.check").CombinedOutput()
	atStart := strings.TrimSpace(strings.TrimPrefix(string(check), "soracom_exporter: "))
	if !strings.Contains(atStart, "sources.sessions.interval: 1s is below the minimum") || !strings.Contains(atStart, "sources.billing.interval:") {
		t.Fatalf("--config.check of the broken file: %s", check)
	}
	code, body := reload()
	if code != http.StatusInternalServerError || strings.TrimSpace(body) != "failed to reload config: "+atStart {
		t.Fatalf("reload of a broken file: %d %q\nwant the message at start: %q", code, body, atStart)
	}
	metrics := scrape()
	if v, _ := sample(metrics, reloadOK); v != 0 {
		t.Errorf("%s = %v after a refused reload", reloadOK, v)
	}
	if !strings.Contains(metrics, "\nsoracom_sims_online{") || !strings.Contains(metrics, "\nsoracom_air_bytes_total{") {
		t.Fatal("the running configuration stopped serving after a refused reload")
	}
	if v, _ := maxAge(metrics); v != 30 {
		t.Errorf("sessions max age %v after a refused reload, want the running 30", v)
	}
	if out := p.output(); !strings.Contains(out, "configuration reload refused") || !strings.Contains(out, "sources.sessions.interval: 1s is below the minimum") {
		t.Errorf("the refusal is not logged with its reason:\n%s", tail(out, 2000))
	}

	// The fixed file, changed: a new interval, air disabled.
	writeFile(t, cfgPath, config("20s", false))
	if code, body := reload(); code != http.StatusOK {
		t.Fatalf("reload of the fixed file: %d %q", code, body)
	}
	metrics = scrape()
	if v, _ := sample(metrics, reloadOK); v != 1 {
		t.Errorf("%s = %v after a good reload", reloadOK, v)
	}
	if v, _ := maxAge(metrics); v != 60 {
		t.Errorf("sessions max age %v after the reload, want 60 (3 × 20s)", v)
	}
	if strings.Contains(metrics, "\nsoracom_air_bytes_total{") || strings.Contains(metrics, `source="air"`) {
		t.Error("the disabled air source still exports")
	}
	if !strings.Contains(metrics, "\nsoracom_sims_online{") {
		t.Error("the sessions source's data went with the reload")
	}

	// SIGHUP: a broken file is refused and the process lives on; a good
	// one applies.
	writeFile(t, cfgPath, "sources: [")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "SIGHUP to refuse the broken file", func() (bool, string) {
		v, ok := sample(scrape(), reloadOK)
		return ok && v == 0, strconv.FormatFloat(v, 'g', -1, 64)
	})
	writeFile(t, cfgPath, config("30s", true))
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "SIGHUP to apply the fixed file", func() (bool, string) {
		body := scrape()
		ok, _ := sample(body, reloadOK)
		age, _ := maxAge(body)
		return ok == 1 && age == 90, tail(body, 300)
	})
	eventually(t, 30*time.Second, "the air source enabled again to export", func() (bool, string) {
		return strings.Contains(scrape(), "\nsoracom_air_bytes_total{"), ""
	})
	select {
	case <-p.done:
		t.Fatal("the exporter exited")
	default:
	}
}
