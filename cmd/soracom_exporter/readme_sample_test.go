package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSampleOutputIsTheDemos keeps the README's sample output true: its
// HELP and TYPE lines are the demo's, word for word, and each sample line
// has a line in the demo's output of the same metric with the same label
// names in the same order. Values differ with the clock; names must not.
func TestReadmeSampleOutputIsTheDemos(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Sample output")
	if !ok {
		t.Fatal("README.md has no Sample output section")
	}
	_, block, ok := strings.Cut(section, "```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 || strings.TrimSpace(block) == "" {
		t.Fatal("README.md's Sample output section has no code block")
	}

	textfile := filepath.Join(t.TempDir(), "soracom.prom")
	none := func(string) (string, bool) { return "", false }
	if code, _, stderr := runArgs(t, []string{"--demo", "--demo.sims=40", "--once", "--output.textfile", textfile, "--log.level=error"}, none); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	out, err := os.ReadFile(textfile)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		if !strings.HasPrefix(line, "#") {
			shapes[shape(line)] = true
		}
	}
	lines := 0
	for line := range strings.Lines(block) {
		line = strings.TrimSuffix(line, "\n")
		lines++
		switch {
		case strings.HasPrefix(line, "# "):
			if !strings.Contains(string(out), line+"\n") {
				t.Errorf("README sample line not in the demo's output:\n%s", line)
			}
		case !shapes[shape(line)]:
			t.Errorf("README sample has no line of this metric and label names in the demo's output:\n%s", line)
		}
	}
	if lines < 10 {
		t.Fatalf("the sample has %d lines; the parser lost it", lines)
	}
}

var labelName = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"`)

// shape is a sample line's metric name and label names, without values:
// soracom_sims{operator_id,coverage,status,speed_class}.
func shape(line string) string {
	name, labels, _ := strings.Cut(line, "{")
	if i := strings.IndexByte(name, ' '); i >= 0 {
		return name[:i]
	}
	var names []string
	for _, m := range labelName.FindAllStringSubmatch(labels, -1) {
		names = append(names, m[1])
	}
	return name + "{" + strings.Join(names, ",") + "}"
}
