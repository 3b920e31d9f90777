package output

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// The sessions source's fleet-level families, as it renders them.
var (
	famSims       = exposition.NewFamily("soracom_sims", "SIMs.", exposition.Gauge, "operator_id", "coverage", "status", "speed_class")
	famSimsOnline = exposition.NewFamily("soracom_sims_online", "Online.", exposition.Gauge, "operator_id", "coverage")
)

func sessionsSnapshot(k store.Key, produced time.Time) *store.Snapshot {
	b := exposition.NewBuilder()
	b.Add(famSims, 3000, "OP001", k.Coverage, "active", "s1.standard")
	b.Add(famSims, 1242, "OP001", k.Coverage, "active", "s1.minimum")
	b.Add(famSims, 100000, "OP001", k.Coverage, "inactive", "s1.standard")
	b.Add(famSimsOnline, 4000, "OP001", k.Coverage)
	b.Add(famOnline, 1, "8981", "4401", "camera-1") // a per-SIM family: not counted
	return &store.Snapshot{Key: k, OperatorID: "OP001", Produced: produced, Items: 104242, Families: b.Build()}
}

func landing(t *testing.T, statuses []scheduler.Status, snaps map[store.Key]*store.Snapshot) string {
	t.Helper()
	h, err := LandingPage(web.LandingConfig{Name: "soracom_exporter", Description: "SORACOM SIMs", Version: "test",
		Links: []web.LandingLinks{{Address: "/metrics", Text: "Metrics"}}},
		func() []scheduler.Status { return statuses },
		func(k store.Key) *store.Snapshot { return snaps[k] })
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	rec404 := httptest.NewRecorder()
	h.ServeHTTP(rec404, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec404.Code != http.StatusNotFound {
		t.Errorf("/nope: %d", rec404.Code)
	}
	return rec.Body.String()
}

// text is the page without tags and with runs of white space folded, as a
// person reads it.
func text(page string) string {
	page = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(page), " ")
}

func TestLandingPageShowsFleetNextToSourceState(t *testing.T) {
	now := time.Now()
	jp := store.Key{Account: "prod", Coverage: "jp", Source: "sessions"}
	statuses := []scheduler.Status{
		{Key: jp, OperatorID: "OP001", Succeeded: true, LastSuccess: now.Add(-3 * time.Second), LastAttempt: now.Add(-3 * time.Second),
			LastDuration: 3054933552, Items: 104242, Interval: time.Minute, EffectiveInterval: 134 * time.Second,
			MaxAge: 3 * time.Minute, NextPoll: now.Add(57 * time.Second)},
		{Key: store.Key{Account: "prod", Coverage: "jp", Source: "air"}, OperatorID: "OP001", Succeeded: true,
			LastSuccess: now.Add(-2 * time.Minute), LastAttempt: now.Add(-2 * time.Minute), LastDuration: 95 * time.Millisecond,
			Items: 812, Interval: 15 * time.Minute, EffectiveInterval: 15 * time.Minute},
		{Key: store.Key{Account: "prod", Coverage: "jp", Source: "billing"}, OperatorID: "OP001", Succeeded: true,
			LastSuccess: now.Add(-2 * time.Hour), LastAttempt: now.Add(-2 * time.Hour), Items: 77, Interval: time.Hour, MaxAge: time.Hour},
		{Key: store.Key{Account: "prod", Coverage: "g", Source: "sessions"}, LastAttempt: now, LastDuration: 1500 * time.Millisecond,
			ConsecutiveFailures: 3, Interval: 10 * time.Second, LastError: "soracom: GET /sims: HTTP 503 <script>"},
	}
	page := landing(t, statuses, map[store.Key]*store.Snapshot{jp: sessionsSnapshot(jp, now.Add(-3*time.Second))})
	got := text(page)
	for _, want := range []string{
		"soracom_exporter", `href="/metrics"`,
		// The fleet at a glance of prod/jp, from the sessions snapshot.
		"Account prod, coverage jp (operator OP001)",
		"104,242 SIMs: 4,242 active, 4,000 online, 242 offline (active without a data session)",
		// prod/g has no data: said so, next to the failing source.
		"Account prod, coverage g", "Fleet not known yet",
		"failing (3 failures in a row)", "HTTP 503 &lt;script&gt;", "failed in 1.50 s",
		// Durations for people, and what each count means.
		"ok in 3.05 s", "every 1 min", "every 10 s", "every 15 min", "in 57 s", "ok in 95.0 ms", "3 s ago",
		// The API budget lengthened the sessions interval; air fits.
		"every 1 min (effective every 2 min 14 s, to stay within the API budget share)",
		"104,242 SIMs listed", "812 SIMs with traffic this month", "77 SIMs with charges this month",
		// Older than its max age.
		"billing stale", "2 h ago",
	} {
		if !strings.Contains(got, want) && !strings.Contains(page, want) {
			t.Errorf("landing page lacks %q", want)
		}
	}
	if strings.Count(page, "effective every") != 1 {
		t.Error("an interval the budget did not lengthen is shown as effective")
	}
	if strings.Contains(page, "3.054933552s") {
		t.Error("landing page shows an unrounded duration")
	}
	// Only served endpoints are linked: exporter-toolkit's profiling links
	// point at /debug/pprof, which is not served.
	for _, href := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if href[1] != "/metrics" && !strings.HasPrefix(href[1], "https://") {
			t.Errorf("landing page links %s, which is not served", href[1])
		}
	}
	if strings.Contains(page, "debug/pprof") {
		t.Error("landing page mentions pprof")
	}
}

func TestLandingPageWithoutSources(t *testing.T) {
	if got := text(landing(t, nil, nil)); !strings.Contains(got, "No source is configured") {
		t.Errorf("landing page without sources: %s", got)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                        "0 s",
		-time.Second:             "0 s",
		400 * time.Microsecond:   "< 1 ms",
		1234 * time.Microsecond:  "1.23 ms",
		120 * time.Millisecond:   "120 ms",
		3054933552:               "3.05 s",
		42340 * time.Millisecond: "42.3 s",
		59999 * time.Millisecond: "60.0 s",
		time.Minute:              "1 min",
		4*time.Minute + 3*time.Second + 400*time.Millisecond: "4 min 3 s",
		2*time.Hour + 5*time.Minute + 10*time.Second:         "2 h 5 min",
		50 * time.Hour: "2 d 2 h",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
