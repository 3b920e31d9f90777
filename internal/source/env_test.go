package source

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// env is one sessions source polling one fake fleet over real HTTP, every
// exchange held to the API definition.
type env struct {
	t      *testing.T
	fake   *soracomfake.Fake
	src    *Sessions
	target Target
}

// fakeClient is an API client of the fake served at url, with the fake's
// credentials.
func fakeClient(tb testing.TB, fake *soracomfake.Fake, url string) *soracom.Client {
	tb.Helper()
	cr := fake.Credentials()
	c, err := soracom.New(soracom.Options{Endpoint: url, Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newEnv(t *testing.T, fo soracomfake.Options, opts SessionsOptions) *env {
	t.Helper()
	if fo.Coverages == nil {
		fo.Coverages = []string{"jp"}
	}
	fake := soracomfake.New(fo)
	v := apispec.New()
	h := v.Wrap(fake.Handler(soracomfake.CoverageJapan))
	if fo.Quirks {
		// The quirks are the real API's deviations from its definition
		// (lower-case radio types): the validator would refuse them.
		h = fake.Handler(soracomfake.CoverageJapan)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if !fo.Quirks {
			apispec.Require(t, v)
		}
	})
	c := fakeClient(t, fake, srv.URL)
	return &env{t: t, fake: fake, src: NewSessions(opts),
		target: Target{Account: "test", Coverage: soracom.CoverageJapan, Client: c}}
}

// poll runs one poll and returns its metrics.
func (e *env) poll() map[string]*dto.MetricFamily {
	e.t.Helper()
	snap, err := e.src.Poll(context.Background(), e.target)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.parse(snap)
}

func (e *env) parse(res *poll.Result) map[string]*dto.MetricFamily {
	e.t.Helper()
	snap := snapshotOf(res, SessionsName)
	st := store.New()
	st.Put(snap)
	var buf bytes.Buffer
	if _, err := st.View(snap.Produced).WriteTo(&buf); err != nil {
		e.t.Fatal(err)
	}
	return parseText(e.t, buf.Bytes())
}

// value returns the value of the series of family name whose labels include
// want, and whether there is one.
func value(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, m := range mfs[name].GetMetric() {
		l := labels(m)
		match := true
		for k, v := range want {
			if l[k] != v {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		default:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// onlineWithCell returns n online SIMs with a device and a cell.
func (e *env) onlineWithCell(n int) []soracomfake.SIMState {
	e.t.Helper()
	var out []soracomfake.SIMState
	for _, s := range e.fake.SIMs("jp") {
		if s.Online && s.Cell != nil && s.IMEI != "" && len(out) < n {
			out = append(out, s)
		}
	}
	if len(out) < n {
		e.t.Fatalf("the fleet has %d online SIMs with a cell, want %d", len(out), n)
	}
	return out
}

const eventsOp = "/sims/{sim_id}/events/sessions"

// take merges decoded SIMs into the target's state as a listing does,
// without an API.
func (s *Sessions) take(t Target, sims ...*soracom.Sim) *targetState {
	st := s.state(t)
	listing := make([]listedSIM, len(sims))
	for i, sim := range sims {
		s.reduce(&listing[i], sim)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.merge(listing)
	return st
}

// merge takes a whole listing at once, as the pages of a complete
// listing would.
func (st *targetState) merge(listing []listedSIM) {
	n := st.begin()
	for i := range listing {
		st.take(&listing[i], n)
	}
	st.sweep(n)
}
