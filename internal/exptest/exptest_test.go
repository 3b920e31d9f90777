package exptest

import (
	"strings"
	"testing"
)

func TestCanonicalSortsAndKeepsTypes(t *testing.T) {
	a := "# HELP b_total B.\n# TYPE b_total counter\nb_total{y=\"2\",x=\"1\"} 2\nb_total{x=\"0\",y=\"2\"} 1\n# HELP a A.\n# TYPE a gauge\na 1\n"
	b := "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b_total B.\n# TYPE b_total counter\nb_total{x=\"0\",y=\"2\"} 1\nb_total{x=\"1\",y=\"2\"} 2\n"
	ca, err := Canonical([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := Canonical([]byte(b))
	if string(ca) != string(cb) || string(ca) != b {
		t.Fatalf("canonical forms differ:\n%s\n%s", ca, cb)
	}
	gauge, _ := Canonical([]byte(strings.Replace(b, "b_total counter", "b_total gauge", 1)))
	if string(gauge) == string(cb) {
		t.Fatal("a counter turned into a gauge compares equal")
	}
}

func TestMasks(t *testing.T) {
	text := []byte("# HELP d_seconds D.\n# TYPE d_seconds histogram\nd_seconds_bucket{le=\"+Inf\"} 3\nd_seconds_sum 0.7\nd_seconds_count 3\n" +
		"# HELP go_x X.\n# TYPE go_x gauge\ngo_x 5\n")
	c, _ := Canonical(text)
	got := string(applyMasks(c, []Mask{DropFamilies("go_"), MaskValues("d_seconds")}))
	want := "# HELP d_seconds D.\n# TYPE d_seconds histogram\nd_seconds_bucket{le=\"+Inf\"} …\nd_seconds_sum …\nd_seconds_count …\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
