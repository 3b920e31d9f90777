package apispec

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestValidatorsShareOneLoadedDefinition(t *testing.T) {
	a, b := New(), New()
	if a.spec != b.spec || a.spec.doc != b.spec.doc {
		t.Fatal("two validators loaded the definition separately")
	}
	if a.spec.doc.Servers[0].URL != "/v1" || len(a.spec.doc.Servers) != 1 {
		t.Errorf("servers = %v, want only the relative /v1", a.spec.doc.Servers)
	}
}

func TestStrictnessLeavesOpenMapsAlone(t *testing.T) {
	schemas := New().spec.doc.Components.Schemas
	cases := []struct {
		schema    string
		wantAllow bool // additional properties accepted
	}{
		{"Sim", false},
		{"SessionStatus", false},
		{"AuthRequest", false},
		{"AuthResponse", false},
		{"TagSet", true},
		{"Map", true},
	}
	for _, tc := range cases {
		ref, ok := schemas[tc.schema]
		if !ok {
			t.Errorf("schema %s not in the definition", tc.schema)
			continue
		}
		ap := ref.Value.AdditionalProperties
		allows := ap.Schema != nil || ap.Has == nil || *ap.Has
		if allows != tc.wantAllow {
			t.Errorf("%s accepts additional properties = %v, want %v", tc.schema, allows, tc.wantAllow)
		}
	}
	profiles := schemas["Sim"].Value.Properties["profiles"].Value.AdditionalProperties
	if profiles.Schema == nil {
		t.Error("Sim.profiles lost its map of SimProfile")
	}
}

func TestOperationsCountsRequestsPerOperation(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "[]"))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")
	call(t, srv, http.MethodGet, "/v1/sims?limit=5", credentials, "")
	call(t, srv, http.MethodGet, "/v1/sims?limits=5", credentials, "") // counted although it fails
	call(t, srv, http.MethodGet, "/v1/subscribers", credentials, "")

	want := map[string]int{"listSims": 3, "listSubscribers": 1}
	got := v.Operations()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Operations() = %v, want %v", got, want)
	}
	got["listSims"] = 100
	if v.Operations()["listSims"] != 3 {
		t.Error("Operations() returned the validator's own map")
	}
}

func TestResetForgetsViolationsAndOperations(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "[]"))
	call(t, srv, http.MethodGet, "/v1/sims?limits=5", credentials, "")
	if len(v.Violations()) == 0 || len(v.Operations()) == 0 {
		t.Fatal("setup: nothing recorded")
	}

	v.Reset()

	if len(v.Violations()) != 0 || len(v.Operations()) != 0 {
		t.Errorf("after Reset: violations %q, operations %v", v.Violations(), v.Operations())
	}
	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")
	Require(t, v)
}

// recordingTB captures what Require reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestRequireListsEveryViolation(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "[]"))
	call(t, srv, http.MethodGet, "/v1/sims?limits=5", credentials, "")
	call(t, srv, http.MethodGet, "/v1/subscribers?limit=1000", credentials, "")

	tb := &recordingTB{}
	Require(tb, v)

	if len(tb.errors) != 1 {
		t.Fatalf("Require reported %d errors, want 1: %q", len(tb.errors), tb.errors)
	}
	for _, want := range []string{"2 request(s)", "limits", "listSubscribers"} {
		if !strings.Contains(tb.errors[0], want) {
			t.Errorf("Require's report lacks %q:\n%s", want, tb.errors[0])
		}
	}
}

func TestRequirePassesWithoutViolations(t *testing.T) {
	tb := &recordingTB{}
	Require(tb, New())
	if len(tb.errors) != 0 {
		t.Errorf("Require reported %q for a clean validator", tb.errors)
	}
}

func TestLongViolationsAreTruncated(t *testing.T) {
	fields := make([]string, 200)
	for i := range fields {
		fields[i] = fmt.Sprintf(`"invented%03d":1`, i)
	}
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, `[{`+strings.Join(fields, ",")+`}]`))

	call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	violations := v.Violations()
	if len(violations) != 1 {
		t.Fatalf("got %d violations, want 1: %q", len(violations), violations)
	}
	if len(violations[0]) > maxViolationLen+len("…") || !strings.HasSuffix(violations[0], "…") {
		t.Errorf("violation of %d bytes not truncated: %s", len(violations[0]), violations[0])
	}
	if !strings.HasPrefix(violations[0], "GET /v1/sims (listSims): response 200:") {
		t.Errorf("truncated violation lost its subject: %s", violations[0])
	}
}

func TestTruncateKeepsUTF8Whole(t *testing.T) {
	got := truncate("ab日本", 4) // the cut falls inside 日
	if got != "ab…" {
		t.Errorf("truncate = %q, want %q", got, "ab…")
	}
}

func TestConcurrentTraffic(t *testing.T) {
	v := New()
	srv := serve(t, v, respondJSON(http.StatusOK, "["+simJSON("")+"]"))

	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				target := "/v1/sims"
				if w == 0 && i == 0 {
					target = "/v1/sims?limits=1"
				}
				getConcurrently(t, srv.Client(), srv.URL+target)
				_ = v.Violations()
				_ = v.Operations()
			}
		}(w)
	}
	wg.Wait()

	if got := v.Operations()["listSims"]; got != workers*each {
		t.Errorf("Operations()[listSims] = %d, want %d", got, workers*each)
	}
	if got := len(v.Violations()); got != 1 {
		t.Errorf("got %d violations, want 1: %q", got, v.Violations())
	}
}

// getConcurrently is call for goroutines other than the test's own, which
// must not stop the test with Fatal.
func getConcurrently(t *testing.T, client *http.Client, url string) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Error(err)
		return
	}
	for k, val := range credentials {
		req.Header.Set(k, val)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
