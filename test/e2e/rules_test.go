package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// contribPath is a path inside the repository's contrib/ directory.
func contribPath(t *testing.T, parts ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "contrib"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// shippedRuleFiles lists the rule files users install (tests excluded).
func shippedRuleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(contribPath(t, "prometheus", "rules", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in contrib/prometheus/rules (%v)", err)
	}
	return files
}

var forLine = regexp.MustCompile(`(?m)^(\s+for:\s*)\S+\s*$`)

// shortRulesCopy writes copies of the shipped rule files into dir with
// every `for:` cut to one second, so an end-to-end test sees alerts fire as
// soon as their condition holds. It returns the copies' glob.
func shortRulesCopy(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "rules")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range shippedRuleFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		short := forLine.ReplaceAll(b, []byte("${1}1s"))
		writeFile(t, filepath.Join(out, filepath.Base(f)), string(short))
	}
	return filepath.Join(out, "*.yml")
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type ruleTestFile struct {
	Tests []struct {
		AlertRuleTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRulesPassPromtool runs `promtool check rules` on every shipped rule
// file and `promtool test rules` on every unit test of them.
func TestRulesPassPromtool(t *testing.T) {
	promtool := promtool3(t)
	check := exec.Command(promtool, append([]string{"check", "rules"}, shippedRuleFiles(t)...)...)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	tests, err := filepath.Glob(contribPath(t, "prometheus", "tests", "*_test.yml"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no rule unit tests in contrib/prometheus/tests (%v)", err)
	}
	run := exec.Command(promtool, append([]string{"test", "rules"}, tests...)...)
	run.Dir = contribPath(t, "prometheus", "tests")
	if out, err := run.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

// TestEveryAlertIsDocumentedAndTested holds each alert to the kit's
// promises: a severity, a summary, a description and a runbook line; a SIM
// alert names the SIM by name and IMSI; and the unit tests show it both
// firing and not firing.
func TestEveryAlertIsDocumentedAndTested(t *testing.T) {
	firing, quiet := map[string]bool{}, map[string]bool{}
	tests, _ := filepath.Glob(contribPath(t, "prometheus", "tests", "*_test.yml"))
	for _, f := range tests {
		var tf ruleTestFile
		readYAML(t, f, &tf)
		for _, tg := range tf.Tests {
			for _, at := range tg.AlertRuleTests {
				if len(at.ExpAlerts) > 0 {
					firing[at.Alertname] = true
				} else {
					quiet[at.Alertname] = true
				}
			}
		}
	}
	var alerts []string
	for _, f := range shippedRuleFiles(t) {
		var rf ruleFile
		readYAML(t, f, &rf)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				alerts = append(alerts, r.Alert)
				where := filepath.Base(f) + ": " + r.Alert
				if r.Labels["severity"] != "critical" && r.Labels["severity"] != "warning" {
					t.Errorf("%s: severity %q, want critical or warning", where, r.Labels["severity"])
				}
				for _, a := range []string{"summary", "description", "runbook"} {
					if strings.TrimSpace(r.Annotations[a]) == "" {
						t.Errorf("%s: no %s annotation", where, a)
					}
				}
				if strings.HasPrefix(r.Alert, "SoracomSIM") {
					s := r.Annotations["summary"]
					if !strings.Contains(s, "$labels.name") || !strings.Contains(s, "$labels.imsi") {
						t.Errorf("%s: the summary must name the SIM by name and IMSI: %q", where, s)
					}
				}
				if !firing[r.Alert] || !quiet[r.Alert] {
					t.Errorf("%s: unit tests show it firing: %v, not firing: %v; want both", where, firing[r.Alert], quiet[r.Alert])
				}
			}
		}
	}
	sort.Strings(alerts)
	want := []string{"SoracomAPIRateLimitNearlyExhausted", "SoracomAPIRateLimited", "SoracomAuthRejected",
		"SoracomCostForecastOverBudget", "SoracomCostOverBudget", "SoracomExporterDown", "SoracomSIMFlapping",
		"SoracomSIMIMEIChanged", "SoracomSIMOffline", "SoracomSIMOnlineButSilent", "SoracomSourceFailing",
		"SoracomSourceStale", "SoracomTextfileStale"}
	if strings.Join(alerts, " ") != strings.Join(want, " ") {
		t.Errorf("alerts shipped:\n%v\nwant (update the README's alert list too):\n%v", alerts, want)
	}
}
