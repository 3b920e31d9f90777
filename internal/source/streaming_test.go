package source

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// cutAfterFirstPage lets the first page of GET /v1/sims through and ends
// the poll's context at the second, as a timeout half way through a
// listing would.
type cutAfterFirstPage struct {
	next   http.RoundTripper
	cancel context.CancelFunc
	pages  atomic.Int32
}

func (c *cutAfterFirstPage) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/sims") && c.pages.Add(1) > 1 {
		c.cancel()
		return nil, context.Canceled
	}
	return c.next.RoundTrip(r)
}

// TestIncompleteListingForgetsNothing: SIMs are merged as their pages
// arrive, but only a complete listing forgets the SIMs it did not have. A
// listing cut after its first page keeps every SIM (even one the API no
// longer lists) and what the first page said, which is newer; the next
// complete listing forgets the SIM that is gone. Both modes.
func TestIncompleteListingForgetsNothing(t *testing.T) {
	for _, aggregate := range []bool{false, true} {
		e := newEnv(t, soracomfake.Options{Seed: 21, SIMs: 400}, SessionsOptions{Aggregate: aggregate, SessionEvents: true})
		e.poll()
		st := e.src.states.get(e.target, nil)
		total := e.fake.SimCount("jp")
		online := func() (int, int) {
			st.mu.Lock()
			defer st.mu.Unlock()
			n := 0
			for _, c := range st.counts {
				n += c
			}
			if n != st.sims.len() {
				t.Fatalf("aggregate=%v: the fleet gauges count %d SIMs, the state has %d", aggregate, n, st.sims.len())
			}
			return st.sims.len(), st.online
		}
		if n, on := online(); n != total || on == 0 {
			t.Fatalf("aggregate=%v: first poll kept %d SIMs (%d online), want %d with some online", aggregate, n, on, total)
		}

		// Every SIM goes offline and one is no longer listed.
		sims := e.fake.SIMs("jp")
		for _, s := range sims {
			if err := e.fake.SetOnline(s.SIMID, false); err != nil {
				t.Fatal(err)
			}
		}
		gone := sims[len(sims)/2].SIMID
		if err := e.fake.RemoveSIM(gone); err != nil {
			t.Fatal(err)
		}

		// A listing cut after its first page.
		ctx, cancel := context.WithCancel(context.Background())
		cr := e.fake.Credentials()
		cut := &cutAfterFirstPage{next: http.DefaultTransport, cancel: cancel}
		c, err := soracom.New(soracom.Options{Endpoint: e.target.Client.Endpoint(), HTTPClient: &http.Client{Transport: cut},
			Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
		if err != nil {
			t.Fatal(err)
		}
		_, onBefore := online()
		cutTarget := e.target
		cutTarget.Client = c
		if _, err := e.src.Poll(ctx, cutTarget); err == nil {
			t.Fatalf("aggregate=%v: a listing cut after its first page succeeded", aggregate)
		}
		n, on := online()
		if n != total {
			t.Fatalf("aggregate=%v: after an incomplete listing the source keeps %d SIMs, want all %d", aggregate, n, total)
		}
		if on >= onBefore {
			t.Fatalf("aggregate=%v: the first page's SIMs went offline but %d are online, %d before", aggregate, on, onBefore)
		}
		if !e.src.Knows(e.target, SIMRef{SimID: gone}) {
			t.Fatalf("aggregate=%v: an incomplete listing forgot SIM %s", aggregate, gone)
		}

		// The next complete listing forgets the SIM that is gone.
		e.poll()
		if n, on := online(); n != total-1 || on != 0 {
			t.Fatalf("aggregate=%v: after a complete listing %d SIMs (%d online), want %d (0 online)", aggregate, n, on, total-1)
		}
		if e.src.Knows(e.target, SIMRef{SimID: gone}) {
			t.Fatalf("aggregate=%v: SIM %s is no longer listed but still known", aggregate, gone)
		}
	}
}

// TestFiltersSelectTheSameSIMsInBothModes: aggregate mode reads summaries
// of the listing, per-SIM mode Sims; a filter on a tag, a group and a
// status keeps the SIMs the fake says match, in both.
func TestFiltersSelectTheSameSIMsInBothModes(t *testing.T) {
	fo := soracomfake.Options{Seed: 25, SIMs: 300, Coverages: []string{"jp"}}
	truth := soracomfake.New(fo).SIMs("jp") // the fleet of every fake of these options
	var group, env string
	for _, s := range truth {
		if s.GroupID != "" && s.Tags["env"] != "" {
			group, env = s.GroupID, s.Tags["env"]
			break
		}
	}
	matches := func(f Filter, s soracomfake.SIMState) bool {
		for k, v := range f.Tags {
			if got, ok := s.Tags[k]; !ok || got != v {
				return false
			}
		}
		return (f.Statuses == nil || slices.Contains(f.Statuses, s.Status)) &&
			(f.GroupIDs == nil || slices.Contains(f.GroupIDs, s.GroupID))
	}
	for _, f := range []Filter{
		{Tags: map[string]string{"env": env}},
		{Tags: map[string]string{"env": env}, Statuses: []string{"active"}},
		{GroupIDs: []string{group}},
		{Tags: map[string]string{"no-such-tag": ""}},
	} {
		want := 0
		for _, s := range truth {
			if matches(f, s) {
				want++
			}
		}
		if _, none := f.Tags["no-such-tag"]; (want == 0) != none || want == len(truth) {
			t.Fatalf("filter %+v matches %d of the fake's %d SIMs: not a test", f, want, len(truth))
		}
		for _, aggregate := range []bool{false, true} {
			e := newEnv(t, fo, SessionsOptions{Aggregate: aggregate, Filter: f})
			e.poll()
			if got := e.src.states.get(e.target, nil).sims.len(); got != want {
				t.Fatalf("aggregate=%v, filter %+v: %d SIMs kept, want %d", aggregate, f, got, want)
			}
		}
	}
}
