package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	readmeMetric = regexp.MustCompile(`\b(?:soracom|node_textfile)_[a-z0-9_]+\b`)
	readmeFlag   = regexp.MustCompile("(?:^|[\\s(`\"'|=,])--(?:\\[no-\\])?([a-z][a-z0-9]*(?:[.-][a-z0-9]+)*)")
)

// readmeNames returns the metric names and the flags a README names. A
// soracom_* word followed by a file extension or a dash is a file or unit
// name, and soracom_exporter is the program.
func readmeNames(text string) (metrics, flags map[string]bool) {
	metrics, flags = map[string]bool{}, map[string]bool{}
	for _, loc := range readmeMetric.FindAllStringIndex(text, -1) {
		name, rest := text[loc[0]:loc[1]], text[loc[1]:]
		if name == "soracom_exporter" || strings.HasPrefix(rest, "-") || regexp.MustCompile(`^\.[a-z]`).MatchString(rest) {
			continue
		}
		metrics[name] = true
	}
	for _, m := range readmeFlag.FindAllStringSubmatch(text, -1) {
		flags[m[1]] = true
	}
	return metrics, flags
}

func missing(from, in map[string]bool) []string {
	var out []string
	for k := range from {
		if !in[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestReadmesNameTheSameMetricsAndFlags keeps README.ja.md a full version
// of README.md: every metric and flag named in one is named in the other,
// and each links to the other at its top.
func TestReadmesNameTheSameMetricsAndFlags(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	en, ja := read("README.md"), read("README.ja.md")
	enMetrics, enFlags := readmeNames(en)
	jaMetrics, jaFlags := readmeNames(ja)
	if len(enMetrics) < 50 || len(enFlags) < 40 {
		t.Fatalf("README.md names %d metrics and %d flags: the patterns no longer find them", len(enMetrics), len(enFlags))
	}
	for _, c := range []struct {
		what     string
		from, in map[string]bool
		fromName string
		inName   string
	}{
		{"metrics", enMetrics, jaMetrics, "README.md", "README.ja.md"},
		{"metrics", jaMetrics, enMetrics, "README.ja.md", "README.md"},
		{"flags", enFlags, jaFlags, "README.md", "README.ja.md"},
		{"flags", jaFlags, enFlags, "README.ja.md", "README.md"},
	} {
		if m := missing(c.from, c.in); len(m) > 0 {
			t.Errorf("%s names %s that %s does not: %s", c.fromName, c.what, c.inName, strings.Join(m, ", "))
		}
	}
	head := func(s string) string { return s[:min(len(s), 400)] }
	if !strings.Contains(head(en), "(README.ja.md)") || !strings.Contains(head(ja), "(README.md)") {
		t.Error("each README must link to the other at its top")
	}
}

// TestReadmeNamesAreFound shows the patterns above can fail: a metric and a
// flag named in one text only are reported.
func TestReadmeNamesAreFound(t *testing.T) {
	m, f := readmeNames("`soracom_sim_info` and soracom_budget.yml, soracom_exporter-textfile.service; run `--web.listen-address=:9881` or --[no-]sims.session-events")
	if !m["soracom_sim_info"] || m["soracom_budget"] || len(m) != 1 {
		t.Errorf("metrics %v", m)
	}
	if !f["web.listen-address"] || !f["sims.session-events"] || len(f) != 2 {
		t.Errorf("flags %v", f)
	}
}
