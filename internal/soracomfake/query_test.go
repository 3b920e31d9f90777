package soracomfake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// search walks every page of GET /v1/query/sims with the given query and
// returns the SIM IDs found.
func search(t *testing.T, s *apiClient, query url.Values) []string {
	t.Helper()
	var ids []string
	next := ""
	for range 1000 {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", "100")
		if next != "" {
			q.Set("last_evaluated_key", next)
		}
		var page []simDoc
		r := s.getOK("/v1/query/sims?"+q.Encode(), &page)
		for _, sim := range page {
			ids = append(ids, sim.SimID)
		}
		next = r.header.Get("X-Soracom-Next-Key")
		checkLink(t, r.header.Get("Link"), next)
		if next == "" {
			return ids
		}
	}
	t.Fatal("search pages do not end")
	return nil
}

// truthIDs returns the SIM IDs of a coverage whose truth passes keep.
func truthIDs(f *Fake, cov string, keep func(SIMState) bool) []string {
	var ids []string
	for _, st := range f.SIMs(cov) {
		if keep(st) {
			ids = append(ids, st.SIMID)
		}
	}
	return ids
}

func TestSearchSims(t *testing.T) {
	f := newFake(t, Options{Seed: 12, SIMs: 400})
	f.Advance(30 * time.Minute)
	s := serveChecked(t, f, "jp").login(f.Credentials())
	cases := []struct {
		name  string
		query url.Values
		keep  func(SIMState) bool
	}{
		{"online", url.Values{"session_status": {"ONLINE"}}, func(st SIMState) bool { return st.Online }},
		{"offline", url.Values{"session_status": {"OFFLINE"}}, func(st SIMState) bool { return !st.Online }},
		{"status is partial: active finds inactive too", url.Values{"status": {"active"}},
			func(st SIMState) bool { return strings.Contains(st.Status, "active") }},
		{"OR over comma-separated values", url.Values{"status": {"ready,standby"}, "search_type": {"or"}},
			func(st SIMState) bool { return st.Status == "ready" || st.Status == "standby" }},
		{"AND over parameters", url.Values{"status": {"terminated"}, "session_status": {"OFFLINE"}, "name": {"DEVICE"}},
			func(st SIMState) bool {
				return st.Status == "terminated" && !st.Online && strings.Contains(strings.ToLower(st.Name), "device")
			}},
		{"name is case-insensitive and partial", url.Values{"name": {"Jp-DeViCe-0001"}},
			func(st SIMState) bool { return strings.Contains(st.Name, "jp-device-0001") }},
		{"group by name", url.Values{"group": {"会社検証用"}},
			func(st SIMState) bool { return strings.Contains(st.GroupName, "会社検証用") }},
		{"subscription is exact", url.Values{"subscription": {"plan-K2"}},
			func(st SIMState) bool { return simHasSubscription(f, st.SIMID, "plan-K2") }},
		{"tag values", url.Values{"tag": {"staging"}},
			func(st SIMState) bool {
				return slices.ContainsFunc(mapValues(st.Tags), func(v string) bool { return strings.Contains(v, "staging") })
			}},
		{"imsi prefix", url.Values{"imsi": {"440524"}},
			func(st SIMState) bool {
				return slices.ContainsFunc(st.IMSIs, func(v string) bool { return strings.Contains(v, "440524") })
			}},
	}
	for _, c := range cases {
		got := search(t, s, c.query)
		want := truthIDs(f, "jp", c.keep)
		if !slices.Equal(got, want) {
			t.Errorf("%s: found %d SIMs, want %d", c.name, len(got), len(want))
		}
		if len(want) == 0 {
			t.Errorf("%s: matches nothing in the test fleet", c.name)
		}
	}

	var page []simDoc
	s.getOK("/v1/query/sims", &page)
	if len(page) > defaultPageLimit {
		t.Fatalf("default page of %d SIMs", len(page))
	}
	wantError(t, s.get("/v1/query/sims?name=a"), http.StatusBadRequest, codeBadRequest)
	wantError(t, s.get("/v1/query/sims?name=ab,c"), http.StatusBadRequest, codeBadRequest)
}

func TestSearchSimsRejectsValuesOutsideTheEnums(t *testing.T) {
	f := newFake(t, Options{Seed: 12, SIMs: 4})
	s := serveRaw(t, f, "jp").login(f.Credentials())
	wantError(t, s.get("/v1/query/sims?session_status=online"), http.StatusBadRequest, codeBadRequest)
	wantError(t, s.get("/v1/query/sims?search_type=xor"), http.StatusBadRequest, codeBadRequest)
}

func simHasSubscription(f *Fake, simID, plan string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, _ := f.find(simID)
	return slices.Contains(s.collect(func(_ *profile, sub *subscription) string { return sub.plan.name }), plan)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
