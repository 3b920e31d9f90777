package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// slackMessage is what Alertmanager posts to a Slack incoming webhook.
type slackMessage struct {
	Channel     string `json:"channel"`
	Username    string `json:"username"`
	Attachments []struct {
		Title    string `json:"title"`
		Text     string `json:"text"`
		Color    string `json:"color"`
		Fallback string `json:"fallback"`
	} `json:"attachments"`
	raw string
}

func (m slackMessage) title() string {
	if len(m.Attachments) == 0 {
		return ""
	}
	return m.Attachments[0].Title
}

func (m slackMessage) text() string {
	if len(m.Attachments) == 0 {
		return ""
	}
	return m.Attachments[0].Text
}

// slackStandIn records the messages posted to it, as Slack's incoming
// webhook would receive them.
type slackStandIn struct {
	mu       sync.Mutex
	messages []slackMessage
}

func (s *slackStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m slackMessage
	if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	m.raw = string(body)
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (s *slackStandIn) all() []slackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slackMessage(nil), s.messages...)
}

// find returns the first message from index from on that satisfies match.
func (s *slackStandIn) find(from int, match func(slackMessage) bool) (slackMessage, bool) {
	msgs := s.all()
	for i := from; i < len(msgs); i++ {
		if match(msgs[i]) {
			return msgs[i], true
		}
	}
	return slackMessage{}, false
}

// fakeSIM is the part of the fake's SIM truth (GET /_fake/sims) the test
// uses.
type fakeSIM struct {
	SIMID  string `json:"simId"`
	Status string `json:"status"`
	IMSI   string `json:"imsi"`
	Name   string `json:"name"`
	Online bool   `json:"online"`
}

func fakeSIMs(t *testing.T, endpoint string) []fakeSIM {
	t.Helper()
	var sims []fakeSIM
	if err := json.Unmarshal(httpGet(t, endpoint+"/_fake/sims"), &sims); err != nil {
		t.Fatal(err)
	}
	return sims
}

func setOnline(t *testing.T, endpoint, simID string, online bool) {
	t.Helper()
	action := "offline"
	if online {
		action = "online"
	}
	resp, err := http.Post(endpoint+"/_fake/sims/"+simID+"/"+action, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_fake/sims/%s/%s: %s", simID, action, resp.Status)
	}
}

// amConfigCopy writes a copy of the shipped alertmanager.yml that posts to
// the stand-in webhook, uses the shipped templates and groups within a
// second. Each replaced setting must be found, so the test follows the
// shipped file or fails.
func amConfigCopy(t *testing.T, dir, webhookURL string) string {
	t.Helper()
	b, err := os.ReadFile(contribPath(t, "alertmanager", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	urlFile := filepath.Join(dir, "slack_webhook_url")
	writeFile(t, urlFile, webhookURL+"\n")
	cfg := string(b)
	for _, r := range [][2]string{
		{"slack_api_url_file: /etc/alertmanager/slack_webhook_url", "slack_api_url_file: " + urlFile},
		{"- /etc/alertmanager/templates/soracom.tmpl", "- " + contribPath(t, "alertmanager", "templates", "soracom.tmpl")},
		{"group_wait: 30s", "group_wait: 1s"},
		{"group_interval: 5m", "group_interval: 1s"},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("contrib/alertmanager/alertmanager.yml no longer contains %q", r[0])
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	path := filepath.Join(dir, "alertmanager.yml")
	writeFile(t, path, cfg)
	return path
}

// TestSIMOfflineReachesSlack is the alerting path end to end: the exporter
// on the fake fleet, Prometheus with the shipped rules (for: cut to 1s),
// Alertmanager with the shipped configuration and templates, and a stand-in
// for Slack's incoming webhook. One SIM goes offline in the fake: a Slack
// message naming it (name and IMSI) must arrive; it comes back: a resolved
// message must follow.
func TestSIMOfflineReachesSlack(t *testing.T) {
	t.Parallel()   // mostly waiting on polls and scrapes
	prometheus3(t) // skip or fail before starting anything
	amBin := alertmanager(t)
	bin := exporterBinary(t)
	// A still fleet (clock stopped): only the test changes sessions.
	fake := startFakeAPI(t, 20, "--clock.speed", "0")
	dir := t.TempDir()

	// Every active SIM online first, so that the only SIM offline is the
	// one the test takes down.
	var target fakeSIM
	var targetEndpoint string
	for _, cov := range []string{"jp", "g"} {
		for _, s := range fakeSIMs(t, fake.Endpoints[cov]) {
			if s.Status != "active" {
				continue
			}
			if !s.Online {
				setOnline(t, fake.Endpoints[cov], s.SIMID, true)
			}
			if target.SIMID == "" && s.Name != "" && s.IMSI != "" {
				target, targetEndpoint = s, fake.Endpoints[cov]
			}
		}
	}
	if target.SIMID == "" {
		t.Fatal("the fake fleet has no active SIM with a name")
	}

	slack := &slackStandIn{}
	hook := httptest.NewServer(slack)
	t.Cleanup(hook.Close)

	amAddr := freePort(t)
	start(t, "alertmanager", nil, nil, amBin, "--config.file="+amConfigCopy(t, dir, hook.URL+"/services/T000/B000/XXXX"),
		"--storage.path="+filepath.Join(dir, "am"), "--web.listen-address="+amAddr, "--cluster.listen-address=")

	exporterAddr := freePort(t)
	start(t, "exporter", nil, exporterEnv(fake), bin, append(exporterArgs(fake), "--web.listen-address", exporterAddr)...)

	promAddr := startPrometheus(t, dir, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs: [{targets: [%q]}]
scrape_configs:
  - job_name: soracom
    static_configs: [{targets: [%q]}]
`, shortRulesCopy(t, dir), amAddr, exporterAddr))
	waitHTTP(t, "http://"+amAddr+"/-/ready", 30*time.Second)

	online := fmt.Sprintf(`soracom_sim_session_online{sim_id=%q}`, target.SIMID)
	eventually(t, 30*time.Second, "Prometheus to see the SIM online", func() (bool, string) {
		v, ok := promQuery(t, promAddr, online)
		return ok && v == 1, fmt.Sprintf("%v (present: %v)", v, ok)
	})
	namesTarget := func(m slackMessage) bool {
		return strings.Contains(m.text(), target.Name) && strings.Contains(m.text(), target.IMSI)
	}
	if m, found := slack.find(0, namesTarget); found {
		t.Fatalf("a message names the SIM before it went offline: %s", m.raw)
	}

	setOnline(t, targetEndpoint, target.SIMID, false)
	var firing slackMessage
	eventually(t, 40*time.Second, "a Slack message about the offline SIM", func() (bool, string) {
		m, found := slack.find(0, func(m slackMessage) bool {
			return strings.HasPrefix(m.title(), "[FIRING:1] SoracomSIMOffline") && namesTarget(m)
		})
		firing = m
		return found, fmt.Sprintf("%d messages so far", len(slack.all()))
	})
	t.Logf("firing message as received:\n%s", firing.raw)
	if firing.Attachments[0].Color != "warning" || !strings.Contains(firing.text(), target.SIMID) ||
		!strings.Contains(firing.text(), "*Runbook:*") {
		t.Errorf("the firing message lacks the color, SIM ID or runbook: %s", firing.raw)
	}
	if firing.Channel != "#iot-fleet" {
		t.Errorf("firing message went to %q, want the fleet channel #iot-fleet", firing.Channel)
	}
	seen := len(slack.all())

	setOnline(t, targetEndpoint, target.SIMID, true)
	var resolved slackMessage
	eventually(t, 40*time.Second, "the resolved Slack message", func() (bool, string) {
		m, found := slack.find(seen, func(m slackMessage) bool {
			return strings.HasPrefix(m.title(), "[RESOLVED] SoracomSIMOffline") && namesTarget(m)
		})
		resolved = m
		return found, fmt.Sprintf("%d messages so far", len(slack.all()))
	})
	t.Logf("resolved message as received:\n%s", resolved.raw)
	if resolved.Attachments[0].Color != "good" {
		t.Errorf("resolved message color %q, want good", resolved.Attachments[0].Color)
	}
}

// TestAlertmanagerConfigChecks runs amtool check-config on the shipped
// configuration (paths pointed at the shipped templates and a webhook URL
// file): the configuration and templates load in the current Alertmanager.
func TestAlertmanagerConfigChecks(t *testing.T) {
	amtool := amtool(t)
	cfg := amConfigCopy(t, t.TempDir(), "https://hooks.slack.com/services/T000/B000/XXXX")
	out, err := exec.Command(amtool, "check-config", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("amtool check-config: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
