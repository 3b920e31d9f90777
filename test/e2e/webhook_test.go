package e2e

import (
	"bytes"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEventHandlerWebhookUpdatesWithinSeconds is the webhook's whole path
// with the real binaries: the fake API, playing SORACOM's Event Handler,
// POSTs the README's template to the exporter when a SIM goes offline, and
// the exporter's metric changes long before its next poll (5 minutes away).
// The output, with the session intelligence families and cell positions,
// passes promtool check metrics.
func TestEventHandlerWebhookUpdatesWithinSeconds(t *testing.T) {
	promtool := promtool3(t)
	bin := exporterBinary(t)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "webhook-secret")
	writeFile(t, secretFile, "e2e-shared-secret\n")
	httpAddr := freePort(t)
	hookURL := "http://" + httpAddr + "/webhook/session"

	fake := startFakeAPI(t, 200, "--coverage", "jp", "--clock.speed", "0",
		"--event-handler.url", hookURL, "--event-handler.secret-file", secretFile)
	args := []string{"--soracom.auth-key-id", fake.AuthKeyID, "--soracom.coverage", "jp", "--soracom.endpoint", fake.Endpoints["jp"],
		"--source.sessions.interval", "5m", "--web.listen-address", httpAddr, "--log.level", "debug",
		"--webhook.enable", "--webhook.secret-file", secretFile, "--sims.cell-locations"}
	start(t, "exporter", nil, exporterEnv(fake), bin, args...)

	metricsURL := "http://" + httpAddr + "/metrics"
	onlineRe := func(simID string) *regexp.Regexp {
		return regexp.MustCompile(`soracom_sim_session_online\{sim_id="` + simID + `",[^}]*\} (\d)`)
	}
	var sim fakeSIM
	for _, s := range fakeSIMs(t, fake.Endpoints["jp"]) {
		if s.Online {
			sim = s
			break
		}
	}
	if sim.SIMID == "" {
		t.Fatal("no online SIM in the fake fleet")
	}
	eventually(t, 30*time.Second, "the first poll", func() (bool, string) {
		m := onlineRe(sim.SIMID).FindSubmatch(fetch(metricsURL))
		return m != nil && string(m[1]) == "1", "no online series yet"
	})

	// A caller without the secret is refused.
	resp, err := http.Post(hookURL, "application/json", strings.NewReader(`{"imsi":"`+sim.IMSI+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("webhook without the secret: %s", resp.Status)
	}

	began := time.Now()
	setOnline(t, fake.Endpoints["jp"], sim.SIMID, false)
	eventually(t, 20*time.Second, "the webhook to take the SIM offline", func() (bool, string) {
		m := onlineRe(sim.SIMID).FindSubmatch(fetch(metricsURL))
		return m != nil && string(m[1]) == "0", "still online"
	})
	t.Logf("session change to updated metric through the Event Handler webhook: %s (the simulator dispatches once a second)",
		time.Since(began).Round(10*time.Millisecond))

	out := fetch(metricsURL)
	for _, want := range []string{"soracom_sim_session_info{", "soracom_sim_location_latitude_degrees{",
		`soracom_exporter_webhook_refreshes_total{result="success"} 1`, `soracom_exporter_webhook_requests_total{result="unauthorized"} 1`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the output lacks %s", want)
		}
	}
	promtoolCheck(t, promtool, "webhook", out)
}

func fetch(u string) []byte {
	resp, err := http.Get(u)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.Bytes()
}
