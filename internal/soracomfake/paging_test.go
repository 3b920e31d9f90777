package soracomfake

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// walk follows x-soracom-next-key from the first page of path (which has
// no query yet) to the end and returns the key field of every item and
// every page's length. It checks that the Link header agrees with
// x-soracom-next-key on every page.
func walk(t *testing.T, s *apiClient, path, keyField string, limit int) (keys []string, pages []int) {
	t.Helper()
	next := ""
	for range 10000 {
		q := url.Values{}
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		if next != "" {
			q.Set("last_evaluated_key", next)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		var items []map[string]any
		r := s.getOK(path+sep+q.Encode(), &items)
		if limit > 0 && len(items) > limit {
			t.Fatalf("%s: page of %d items over limit %d", path, len(items), limit)
		}
		for _, it := range items {
			k, _ := it[keyField].(string)
			keys = append(keys, k)
		}
		pages = append(pages, len(items))
		next = r.header.Get("X-Soracom-Next-Key")
		checkLink(t, r.header.Get("Link"), next)
		if next == "" {
			return keys, pages
		}
	}
	t.Fatalf("%s: pagination does not end", path)
	return nil, nil
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel=next$`)

func checkLink(t *testing.T, link, next string) {
	t.Helper()
	if next == "" {
		if link != "" {
			t.Fatalf("Link %q on the last page", link)
		}
		return
	}
	m := linkNext.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("Link %q is not <...>; rel=next", link)
	}
	u, err := url.Parse(m[1])
	if err != nil || !strings.HasPrefix(u.Path, "/v1/") || u.Query().Get("last_evaluated_key") != next || u.Query().Get("limit") == "" {
		t.Fatalf("Link %q does not lead to the next page (key %q)", link, next)
	}
}

func TestListSimsReachesEverySIMOnceWithUnevenPages(t *testing.T) {
	f := newFake(t, Options{Seed: 3, SIMs: 250})
	var allPages [][]int
	trailingEmpty, shortMidList := false, false
	for _, cov := range []string{"jp", "g"} {
		s := serveChecked(t, f, cov).login(f.Credentials())
		for _, limit := range []int{100, 37, 10} {
			ids, pages := walk(t, s, "/v1/sims", "simId", limit)
			want := f.SimIDs(cov)
			if !slices.Equal(ids, want) {
				t.Fatalf("%s limit %d: listed %d SIMs, want the %d of the fleet in SIM ID order", cov, limit, len(ids), len(want))
			}
			for i, n := range pages {
				if i < len(pages)-1 && n < limit {
					shortMidList = true
				}
				if i == len(pages)-1 && n == 0 && len(pages) > 1 {
					trailingEmpty = true
				}
			}
			allPages = append(allPages, pages)
		}
	}
	if f.SimCount("jp")+f.SimCount("g") != 250 {
		t.Fatalf("fleet has %d+%d SIMs", f.SimCount("jp"), f.SimCount("g"))
	}
	if !shortMidList || !trailingEmpty {
		t.Fatalf("pages %v: want a short page mid-list (%v) and a trailing empty page (%v)", allPages, shortMidList, trailingEmpty)
	}
}

func TestListingIsStableWhileTheClockStands(t *testing.T) {
	f := newFake(t, Options{Seed: 3, SIMs: 60})
	s := serveChecked(t, f, "g").login(f.Credentials())
	first := s.get("/v1/sims?limit=20")
	second := s.get("/v1/sims?limit=20")
	if string(first.body) != string(second.body) || first.header.Get("X-Soracom-Next-Key") != second.header.Get("X-Soracom-Next-Key") {
		t.Fatal("the same page differs between two calls")
	}
}

func TestListGroupsPages(t *testing.T) {
	f := newFake(t, Options{Seed: 5, SIMs: 10})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	ids, pages := walk(t, s, "/v1/groups", "groupId", 2)
	if len(ids) != len(groupNames) || !slices.IsSorted(ids) || len(pages) < 3 {
		t.Fatalf("groups %v in pages %v", ids, pages)
	}
}

func TestLimitOutsideOneToHundredIs400(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	h := serveRaw(t, f, "jp")
	s := h.login(f.Credentials())
	for _, path := range []string{"/v1/sims", "/v1/groups", "/v1/sims/" + f.SimIDs("jp")[0] + "/events/sessions"} {
		for _, limit := range []string{"101", "0", "-1", "ten"} {
			wantError(t, s.get(path+"?limit="+limit), http.StatusBadRequest, codeBadRequest)
		}
	}
	var sims []map[string]any
	s.getOK("/v1/sims?limit=100", &sims)
	s.getOK("/v1/sims?limit=1", &sims)
}

func TestDefaultLimitIsTen(t *testing.T) {
	f := newFake(t, Options{Seed: 9, SIMs: 60})
	s := serveChecked(t, f, "jp").login(f.Credentials())
	var sims []map[string]any
	r := s.getOK("/v1/sims", &sims)
	if len(sims) > defaultPageLimit || r.header.Get("X-Soracom-Next-Key") == "" {
		t.Fatalf("first page without limit: %d SIMs, next key %q", len(sims), r.header.Get("X-Soracom-Next-Key"))
	}
}
