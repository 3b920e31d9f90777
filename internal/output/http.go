package output

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
)

// contentType is the text exposition format, which every Prometheus version
// accepts.
var contentType = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// MetricsHandler serves /metrics. It never calls the SORACOM API: it writes
// the latest snapshots as they are, pre-compressed when the client accepts
// gzip, then the self-metrics.
func (e *Exposition) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		self, err := selfText([]prometheus.Gatherer{e.Self, e.Runtime}, false)
		if err != nil {
			http.Error(w, "gathering self-metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		view := e.Store.View(e.now())
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead {
			return
		}
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			gw := exposition.NewGzipWriter(w)
			view.WriteGzip(gw)
			gw.WritePlain(self)
			_ = gw.Close()
			return
		}
		if _, err := view.WriteTo(w); err != nil {
			return // the scraper went away
		}
		_, _ = w.Write(self)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// ReloadHandler serves /-/reload as Prometheus and blackbox_exporter do:
// POST or PUT reloads the configuration file, when the lifecycle API is
// enabled (--web.enable-lifecycle); a refused file is answered 500 with the
// same message as at start.
func ReloadHandler(lifecycle bool, reload func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "Only POST or PUT requests allowed.", http.StatusMethodNotAllowed)
			return
		}
		if !lifecycle {
			http.Error(w, "Lifecycle API is not enabled.", http.StatusForbidden)
			return
		}
		if err := reload(); err != nil {
			http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
		}
	})
}
