// Package exptest checks rendered expositions in tests: compared as text,
// HELP and TYPE lines included, with golden files, and run through
// client_golang's promlint. Comparing text rather than parsed values makes
// a changed type, help or label name fail a test, not only a changed value.
package exptest

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Canonical parses an exposition in the text format and writes it back
// sorted: families by name, each with its HELP and TYPE lines, series by
// their sorted labels. Two expositions of the same metrics are equal as
// canonical text whatever their order.
func Canonical(text []byte) ([]byte, error) {
	mfs, err := parse(text)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
		}
		slices.SortStableFunc(mf.Metric, func(a, b *dto.Metric) int { return cmp.Compare(labelKey(a), labelKey(b)) })
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func parse(text []byte) ([]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	byName, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("the exposition does not parse: %w", err)
	}
	mfs := make([]*dto.MetricFamily, 0, len(byName))
	for _, mf := range byName {
		mfs = append(mfs, mf)
	}
	slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return mfs, nil
}

func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, lp := range m.Label {
		fmt.Fprintf(&b, "%s=%q,", lp.GetName(), lp.GetValue())
	}
	return b.String()
}

// A Mask rewrites one line of the canonical text before it is compared:
// it returns the line, changed or not, and false to leave it out. Masks
// keep what varies from run to run (durations, the wall clock, the Go
// runtime) out of golden files.
type Mask func(line string) (string, bool)

// lineName is the metric name of a sample, HELP or TYPE line.
func lineName(line string) string {
	if rest, ok := strings.CutPrefix(line, "# "); ok {
		if f := strings.Fields(rest); len(f) >= 2 {
			return f[1]
		}
		return ""
	}
	if i := strings.IndexAny(line, "{ "); i >= 0 {
		return line[:i]
	}
	return line
}

// DropFamilies leaves out the families whose names start with a prefix.
func DropFamilies(prefixes ...string) Mask {
	return func(line string) (string, bool) {
		name := lineName(line)
		return line, !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) })
	}
}

// MaskValues replaces the sample values of the named families (histograms
// included) with "…": the series must be there, their values may vary.
func MaskValues(names ...string) Mask {
	return func(line string) (string, bool) {
		if strings.HasPrefix(line, "#") {
			return line, true
		}
		name := lineName(line)
		for _, n := range names {
			if name == n || name == n+"_bucket" || name == n+"_sum" || name == n+"_count" {
				return line[:strings.LastIndexByte(line, ' ')+1] + "…", true
			}
		}
		return line, true
	}
}

func applyMasks(text []byte, masks []Mask) []byte {
	if len(masks) == 0 {
		return text
	}
	var b bytes.Buffer
	for line := range strings.Lines(string(text)) {
		line, keep := strings.TrimSuffix(line, "\n"), true
		for _, m := range masks {
			if line, keep = m(line); !keep {
				break
			}
		}
		if keep {
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

// Golden compares the canonical text of an exposition, masked, with the
// file at path; with update, it rewrites the file first (go test -update,
// after a deliberate change). A difference fails t, listing the lines that
// differ.
func Golden(t testing.TB, path string, text []byte, update bool, masks ...Mask) {
	t.Helper()
	got, err := Canonical(text)
	if err != nil {
		t.Fatal(err)
	}
	got = applyMasks(got, masks)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the output differs from %s (go test -update rewrites it after a deliberate change):\n%s", path, lineDiff(want, got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+), at most 20
// of each.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	for _, d := range []struct {
		sign        string
		from, other []string
	}{{"-", w, g}, {"+", g, w}} {
		n := 0
		for _, l := range d.from {
			if slices.Contains(d.other, l) {
				continue
			}
			if n++; n > 20 {
				b.WriteString(d.sign + " …\n")
				break
			}
			b.WriteString(d.sign + " " + l + "\n")
		}
	}
	return b.String()
}

// Lint runs promlint on an exposition. Every problem fails t unless
// allowed names it, as "metric: text" mapped to the reason it is accepted.
func Lint(t testing.TB, text []byte, allowed map[string]string) {
	t.Helper()
	mfs, err := parse(text)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if _, ok := allowed[p.Metric+": "+p.Text]; !ok {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}
