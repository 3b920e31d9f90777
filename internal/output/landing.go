package output

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
)

// statusMarker is where the live status table goes in exporter-toolkit's
// landing page, which is otherwise rendered once at start.
const statusMarker = "<!--soracom-status-->"

var statusTable = template.Must(template.New("status").Funcs(template.FuncMap{"since": since}).Parse(`
<h2>Sources</h2>
<table class="soracom-status">
<tr><th>Account</th><th>Operator</th><th>Coverage</th><th>Source</th><th>Interval</th><th>Last success</th><th>Items</th><th>Last poll</th><th>Last error</th></tr>
{{range .}}<tr class="{{if .Succeeded}}ok{{else}}failing{{end}}">
<td>{{.Key.Account}}</td><td>{{.OperatorID}}</td><td>{{.Key.Coverage}}</td><td>{{.Key.Source}}</td><td>{{.Interval}}{{if and .EffectiveInterval (ne .EffectiveInterval .Interval)}} (effective {{.EffectiveInterval}}, within the API budget share){{end}}</td>
<td>{{if .LastSuccess.IsZero}}never{{else}}{{.LastSuccess.UTC.Format "2006-01-02 15:04:05Z"}} ({{since .LastSuccess}} ago){{end}}</td>
<td>{{.Items}}</td><td>{{if .LastAttempt.IsZero}}pending{{else}}{{if .Succeeded}}ok{{else}}failed{{end}} in {{.LastDuration}}{{end}}</td>
<td>{{.LastError}}</td></tr>
{{end}}</table>
`))

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Second) }

// LandingOption adds to the landing page.
type LandingOption func(*landingExtras)

type landingExtras struct {
	webhookLastCall func() time.Time
}

// WithWebhook shows the Event Handler webhook's state: when it last
// received a valid call, or that none came since start.
func WithWebhook(lastValidCall func() time.Time) LandingOption {
	return func(e *landingExtras) { e.webhookLastCall = lastValidCall }
}

var webhookLine = template.Must(template.New("webhook").Funcs(template.FuncMap{"since": since}).Parse(
	`<p class="soracom-webhook">Event Handler webhook: enabled, {{if .IsZero}}no call received since start{{else}}last valid call {{.UTC.Format "2006-01-02 15:04:05Z"}} ({{since .}} ago){{end}}</p>
`))

// LandingPage renders exporter-toolkit's landing page with a live table of
// every source's last success, last error and item count.
func LandingPage(cfg web.LandingConfig, statuses func() []scheduler.Status, opts ...LandingOption) (http.Handler, error) {
	var extras landingExtras
	for _, o := range opts {
		o(&extras)
	}
	cfg.ExtraHTML += statusMarker
	cfg.ExtraCSS += `.soracom-status td, .soracom-status th { padding: 2px 8px; text-align: left; }
.soracom-status tr.failing td { color: #b00; }`
	lp, err := web.NewLandingPage(cfg)
	if err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	lp.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.Bytes()
	before, after, ok := bytes.Cut(page, []byte(statusMarker))
	if !ok {
		before, after = page, nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != cfg.RoutePrefix && r.URL.Path != cfg.RoutePrefix+"/" {
			http.NotFound(w, r)
			return
		}
		var table bytes.Buffer
		if err := statusTable.Execute(&table, statuses()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if extras.webhookLastCall != nil {
			_ = webhookLine.Execute(&table, extras.webhookLastCall())
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(before)
		_, _ = w.Write(table.Bytes())
		_, _ = w.Write(after)
	}), nil
}
