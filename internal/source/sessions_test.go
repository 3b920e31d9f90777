package source

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// pollFake runs one sessions poll against a fake fleet (held to the spec) and
// returns the fake and the rendered text.
func pollFake(t *testing.T, fo soracomfake.Options, opts SessionsOptions) (*soracomfake.Fake, []byte) {
	t.Helper()
	fake := soracomfake.New(fo)
	v := apispec.New()
	srv := httptest.NewServer(v.Wrap(fake.Handler(soracomfake.CoverageJapan)))
	defer srv.Close()
	c := fakeClient(t, fake, srv.URL)
	res, err := NewSessions(opts).Poll(context.Background(), Target{Account: "test", Coverage: soracom.CoverageJapan, Client: c})
	if err != nil {
		t.Fatal(err)
	}
	apispec.Require(t, v)
	snap := snapshotOf(res, SessionsName)
	st := store.New()
	st.Put(snap)
	var buf bytes.Buffer
	if _, err := st.View(snap.Produced).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return fake, buf.Bytes()
}

func parseText(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	return mfs
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.Label {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

// TestSessionsMatchFleetTruth compares every SIM's series with what the
// fake knows about it, including the hostile names.
func TestSessionsMatchFleetTruth(t *testing.T) {
	fake, text := pollFake(t, soracomfake.Options{Seed: 5, SIMs: 300, Coverages: []string{"jp"}}, SessionsOptions{SessionEvents: true})
	mfs := parseText(t, text)
	truth := map[string]soracomfake.SIMState{}
	for _, s := range fake.SIMs("jp") {
		truth[s.SIMID] = s
	}
	online := mfs["soracom_sim_session_online"]
	if online == nil || len(online.Metric) != len(truth) {
		t.Fatalf("soracom_sim_session_online has %d series, fleet has %d SIMs", len(online.GetMetric()), len(truth))
	}
	hostile := 0
	for _, m := range online.Metric {
		l := labels(m)
		s, ok := truth[l["sim_id"]]
		if !ok {
			t.Fatalf("unknown SIM %s", l["sim_id"])
		}
		if got := m.GetGauge().GetValue() == 1; got != s.Online {
			t.Errorf("SIM %s: online %v, fake says %v", s.SIMID, got, s.Online)
		}
		if l["name"] != s.Name {
			t.Errorf("SIM %s: name %q, fake says %q", s.SIMID, l["name"], s.Name)
		}
		if strings.ContainsAny(s.Name, "\"\\\n") || strings.Contains(s.Name, "会社") {
			hostile++
		}
	}
	if hostile == 0 {
		t.Fatal("the fleet had no hostile names: the round trip was not exercised")
	}
	info := mfs["soracom_sim_info"]
	if len(info.GetMetric()) != len(truth) {
		t.Fatalf("soracom_sim_info: %d series", len(info.GetMetric()))
	}
	for _, m := range info.Metric {
		l := labels(m)
		s := truth[l["sim_id"]]
		if l["status"] != s.Status || l["speed_class"] != s.SpeedClass || l["operator_id"] != fake.OperatorID() || l["coverage"] != "jp" || l["module_type"] != s.ModuleType || l["sim_type"] != s.Type {
			t.Errorf("SIM %s info %v disagrees with %+v", s.SIMID, l, s)
		}
		if !s.Online && l["imsi"] != s.IMSI {
			t.Errorf("offline SIM %s reports IMSI %s, want the active profile's primary %s", s.SIMID, l["imsi"], s.IMSI)
		}
	}
	onlineCount := mfs["soracom_sims_online"].GetMetric()[0].GetGauge().GetValue()
	if int(onlineCount) != fake.OnlineCount("jp") {
		t.Fatalf("soracom_sims_online %v, fake %d", onlineCount, fake.OnlineCount("jp"))
	}
	total := 0.0
	for _, m := range mfs["soracom_sims"].Metric {
		total += m.GetGauge().GetValue()
	}
	if int(total) != len(truth) {
		t.Fatalf("soracom_sims sums to %v", total)
	}
	// Never-connected SIMs have no last-updated series, offline ones with a
	// previous session have an offline-since series.
	if n, m := len(mfs["soracom_sim_session_last_updated_timestamp_seconds"].GetMetric()), len(truth); n == 0 || n >= m {
		t.Errorf("last_updated series: %d of %d SIMs (never-connected SIMs must have none)", n, m)
	}
	if len(mfs["soracom_sim_previous_session_end_timestamp_seconds"].GetMetric()) == 0 {
		t.Error("no previous_session_end series")
	}
}

func TestSessionsFilterAndTagLabels(t *testing.T) {
	fake, text := pollFake(t, soracomfake.Options{Seed: 5, SIMs: 200, Coverages: []string{"jp"}},
		SessionsOptions{SessionEvents: true, Filter: Filter{Statuses: []string{"active"}}, TagLabels: []string{"site", "odd-tag"}})
	mfs := parseText(t, text)
	want := 0
	for _, s := range fake.SIMs("jp") {
		if s.Status == "active" {
			want++
		}
	}
	info := mfs["soracom_sim_info"].GetMetric()
	if len(info) != want || want == 0 {
		t.Fatalf("%d SIMs exported, %d are active", len(info), want)
	}
	for _, m := range info {
		l := labels(m)
		if l["status"] != "active" {
			t.Fatalf("filtered-out status %s exported", l["status"])
		}
		if _, ok := l["tag_site"]; !ok {
			t.Fatal("tag_site label missing")
		}
		if _, ok := l["tag_odd_tag"]; !ok {
			t.Fatal("tag label not sanitised to tag_odd_tag")
		}
	}
}

func TestSeedMetricOnePerIMSI(t *testing.T) {
	fake, text := pollFake(t, soracomfake.Options{Seed: 5, SIMs: 200, Coverages: []string{"jp"}}, SessionsOptions{SessionEvents: true, SeedMetric: true})
	mfs := parseText(t, text)
	imsis := 0
	for _, s := range fake.SIMs("jp") {
		imsis += len(s.IMSIs)
	}
	seed := mfs["soracom_session_status"].GetMetric()
	if len(seed) != imsis {
		t.Fatalf("soracom_session_status has %d series, the fleet %d IMSIs", len(seed), imsis)
	}
	for _, m := range seed {
		if l := labels(m); len(l) != 2 || l["imsi"] == "" {
			t.Fatalf("labels %v, want exactly imsi and name", l)
		}
	}
}

func TestTagLabelName(t *testing.T) {
	TagLabelName := exposition.TagLabelName
	for in, want := range map[string]string{"site": "tag_site", "odd-tag": "tag_odd_tag", "場所": "tag___", "a.b c": "tag_a_b_c"} {
		if got := TagLabelName(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}
