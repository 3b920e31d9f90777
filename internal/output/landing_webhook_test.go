package output

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
)

// TestLandingShowsWebhookState: an enabled webhook that got no call says
// so; once a call came, the page shows when.
func TestLandingShowsWebhookState(t *testing.T) {
	var last atomic.Int64
	h, err := LandingPage(web.LandingConfig{Name: "soracom_exporter"}, func() []scheduler.Status { return nil }, nil,
		WithWebhook(func() time.Time {
			if v := last.Load(); v != 0 {
				return time.Unix(v, 0)
			}
			return time.Time{}
		}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	page := func() string {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if p := page(); !strings.Contains(p, "Event Handler webhook: enabled, no call received since start") {
		t.Fatalf("page without the webhook state:\n%s", p)
	}
	last.Store(time.Date(2025, 11, 20, 1, 2, 3, 0, time.UTC).Unix())
	if p := page(); !strings.Contains(p, `last valid call <span title="2025-11-20 01:02:03Z">`) {
		t.Fatalf("page without the last call:\n%s", p)
	}

	plain, err := LandingPage(web.LandingConfig{Name: "soracom_exporter"}, func() []scheduler.Status { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if strings.Contains(rec.Body.String(), "Event Handler webhook") {
		t.Fatal("the webhook line shows while the webhook is off")
	}
}
