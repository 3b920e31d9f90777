package output

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// statusMarker is where the live status goes in exporter-toolkit's landing
// page, which is otherwise rendered once at start.
const statusMarker = "<!--soracom-status-->"

// The sessions source's fleet-level families, read back from its snapshot
// for the fleet at a glance.
const (
	sessionsSource   = "sessions"
	simsFamily       = "soracom_sims"
	simsOnlineFamily = "soracom_sims_online"
)

// itemsMeaning says what a source's item count counts.
var itemsMeaning = map[string]string{
	sessionsSource: "SIMs listed",
	"air":          "SIMs with traffic this month",
	"billing":      "SIMs with charges this month",
}

var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"human": humanDuration,
	"count": groupDigits,
}).Parse(`
{{range .}}<section class="soracom-target">
<h2>Account {{.Account}}, coverage {{.Coverage}}{{with .OperatorID}} (operator {{.}}){{end}}</h2>
{{with .Fleet}}<p class="soracom-fleet"><b>{{count .SIMs}}</b> SIMs: <b>{{count .Active}}</b> active,
<b class="online">{{count .Online}}</b> online, <b class="{{if .Offline}}offline{{end}}">{{count .Offline}}</b> offline (active without a data session);
as of {{.Age}} ago.</p>
{{else}}<p class="soracom-fleet">Fleet not known yet: the sessions source has not completed a poll.</p>
{{end}}<table class="soracom-status">
<tr><th>Source</th><th>State</th><th>Interval</th><th>Last success</th><th>Counted</th><th>Last poll</th><th>Next poll</th><th>Last error</th></tr>
{{range .Sources}}<tr class="{{.State}}">
<td>{{.Key.Source}}</td><td>{{.State}}{{if gt .ConsecutiveFailures 1}} ({{.ConsecutiveFailures}} failures in a row){{end}}</td><td>every {{.Every}}{{with .Lengthened}}<br>(effective every {{.}}, to stay within the API budget share){{end}}</td>
<td>{{if .LastSuccess.IsZero}}never{{else}}<span title="{{.LastSuccess.UTC.Format "2006-01-02 15:04:05Z"}}">{{.Ago .LastSuccess}} ago</span>{{end}}</td>
<td>{{if .LastSuccess.IsZero}}–{{else}}{{count .Items}} {{.ItemsMeaning}}{{end}}</td>
<td>{{if .LastAttempt.IsZero}}pending{{else}}{{if .Succeeded}}ok{{else}}failed{{end}} in {{human .LastDuration}}{{end}}</td>
<td>{{if .NextPoll.IsZero}}–{{else if .NextPoll.After .Now}}in {{.Until .NextPoll}}{{else}}due now{{end}}</td>
<td>{{.LastError}}</td></tr>
{{end}}</table>
</section>
{{else}}<p>No source is configured.</p>
{{end}}`))

// target is one account and coverage on the page: its fleet and sources.
type target struct {
	Account, Coverage, OperatorID string
	Fleet                         *fleet
	Sources                       []sourceRow
}

type sourceRow struct {
	scheduler.Status
	Now time.Time
}

// State is the source's health in one word, also its row's CSS class.
func (r sourceRow) State() string {
	switch {
	case r.LastAttempt.IsZero():
		return "pending"
	case !r.Succeeded:
		return "failing"
	case r.MaxAge > 0 && r.Now.Sub(r.LastSuccess) > r.MaxAge:
		return "stale"
	default:
		return "ok"
	}
}

// Ago is how long before the page t was, to the second.
func (r sourceRow) Ago(t time.Time) string { return wholeSeconds(r.Now.Sub(t)) }

// Until is how long after the page t is, to the second.
func (r sourceRow) Until(t time.Time) string { return wholeSeconds(t.Sub(r.Now)) }

// Every is the configured poll interval.
func (r sourceRow) Every() string { return wholeSeconds(r.Interval) }

// Lengthened is the effective interval when the API budget lengthened the
// configured one, else "".
func (r sourceRow) Lengthened() string {
	if r.EffectiveInterval == 0 || r.EffectiveInterval == r.Interval {
		return ""
	}
	return wholeSeconds(r.EffectiveInterval)
}

// ItemsMeaning names what the source counts.
func (r sourceRow) ItemsMeaning() string {
	return cmp.Or(itemsMeaning[r.Key.Source], "items")
}

// fleet is the sessions source's count of one account and coverage.
type fleet struct {
	SIMs, Active, Online, Offline int
	Produced, now                 time.Time
}

// Age is how old the counts are, to the second.
func (f *fleet) Age() string { return wholeSeconds(f.now.Sub(f.Produced)) }

var (
	sampleLine = regexp.MustCompile(`(?m)^(\w+)\{([^}]*)\} (\S+)$`)
	statusText = regexp.MustCompile(`(?:^|,)status="([^"]*)"`)
)

// fleetOf reads the fleet counts back from the fleet-level families of a
// sessions snapshot: a handful of lines, whatever the fleet's size.
func fleetOf(snap *store.Snapshot, now time.Time) *fleet {
	if snap == nil {
		return nil
	}
	f := &fleet{Produced: snap.Produced, now: now}
	found := false
	for fam, frag := range snap.Families {
		if fam == nil || frag == nil || (fam.Name != simsFamily && fam.Name != simsOnlineFamily) {
			continue
		}
		for _, m := range sampleLine.FindAllSubmatch(frag.Text(), -1) {
			v, err := strconv.ParseFloat(string(m[3]), 64)
			if err != nil {
				continue
			}
			found = true
			switch string(m[1]) {
			case simsFamily:
				f.SIMs += int(v)
				if s := statusText.FindSubmatch(m[2]); s != nil && string(s[1]) == "active" {
					f.Active += int(v)
				}
			case simsOnlineFamily:
				f.Online += int(v)
			}
		}
	}
	if !found {
		return nil
	}
	// SORACOM gives a data session to active SIMs; an online SIM of another
	// status would count here as an active one that is online.
	f.Offline = max(f.Active-f.Online, 0)
	return f
}

// targets groups the statuses by account and coverage, in the scheduler's
// order, with the fleet from each sessions snapshot.
func targets(statuses []scheduler.Status, snapshot func(store.Key) *store.Snapshot, now time.Time) []target {
	var out []target
	index := map[[2]string]int{}
	for _, st := range statuses {
		k := [2]string{st.Key.Account, st.Key.Coverage}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, target{Account: k[0], Coverage: k[1]})
		}
		t := &out[i]
		t.OperatorID = cmp.Or(t.OperatorID, st.OperatorID)
		t.Sources = append(t.Sources, sourceRow{Status: st, Now: now})
		if st.Key.Source == sessionsSource && snapshot != nil {
			t.Fleet = fleetOf(snapshot(st.Key), now)
		}
	}
	return out
}

// humanDuration rounds d for people: three significant digits below a
// minute (3.05 s, 42.3 s, 120 ms), whole units above (4 min 3 s, 2 h 5 min).
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d == 0:
		return "0 s"
	case d < time.Millisecond:
		return "< 1 ms"
	case d < time.Second:
		return significant(float64(d)/float64(time.Millisecond)) + " ms"
	case d < time.Minute:
		return significant(d.Seconds()) + " s"
	}
	d = d.Round(time.Second)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}}
	for i, u := range units[:3] {
		if d >= u.size {
			whole, rest := d/u.size, (d%u.size)/units[i+1].size
			if rest == 0 {
				return fmt.Sprintf("%d %s", whole, u.name)
			}
			return fmt.Sprintf("%d %s %d %s", whole, u.name, rest, units[i+1].name)
		}
	}
	return d.String() // not reached
}

// wholeSeconds is humanDuration for points in time, where fractions of a
// second say nothing: 57 s, 4 min 3 s.
func wholeSeconds(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= 0 && d < time.Minute {
		return strconv.Itoa(int(d/time.Second)) + " s"
	}
	return humanDuration(d)
}

// significant formats v (1 <= v < 1000) with three significant digits.
func significant(v float64) string {
	switch {
	case v >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// groupDigits writes n with thousands separators: 100,000.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// LandingOption adds to the landing page.
type LandingOption func(*landingExtras)

type landingExtras struct {
	webhookLastCall func() time.Time
}

// WithWebhook shows the Event Handler webhook's state: when it last
// received a valid call, or that none came since start, so that a handler
// that never fires (a rule SORACOM has not enabled) is visible.
func WithWebhook(lastValidCall func() time.Time) LandingOption {
	return func(e *landingExtras) { e.webhookLastCall = lastValidCall }
}

type webhookState struct{ Last, Now time.Time }

// Ago is how long before the page the last call came.
func (w webhookState) Ago() string { return wholeSeconds(w.Now.Sub(w.Last)) }

var webhookLine = template.Must(template.New("webhook").Parse(
	`<p class="soracom-webhook">Event Handler webhook: enabled, {{if .Last.IsZero}}no call received since start{{else}}last valid call <span title="{{.Last.UTC.Format "2006-01-02 15:04:05Z"}}">{{.Ago}} ago</span>{{end}}</p>
`))

// LandingPage renders exporter-toolkit's landing page with, per account and
// coverage, the fleet at a glance and a live table of its sources. It reads
// the scheduler's statuses and, for the fleet, the sessions source's
// snapshot (snapshot may be nil: the fleet is then not shown). The page
// links only what is served: the caller's links, no profiling endpoints.
func LandingPage(cfg web.LandingConfig, statuses func() []scheduler.Status, snapshot func(store.Key) *store.Snapshot,
	opts ...LandingOption) (http.Handler, error) {
	var extras landingExtras
	for _, o := range opts {
		o(&extras)
	}
	cfg.ExtraHTML += statusMarker
	cfg.Profiling = "false"
	cfg.ExtraCSS += `.soracom-status td, .soracom-status th { padding: 2px 8px; text-align: left; }
.soracom-status tr.failing td, .soracom-status tr.stale td, .soracom-fleet .offline { color: #b00; }
.soracom-fleet .online { color: #070; }`
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
		sts := slices.Clone(statuses())
		now := time.Now()
		var status bytes.Buffer
		if err := statusPage.Execute(&status, targets(sts, snapshot, now)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if extras.webhookLastCall != nil {
			_ = webhookLine.Execute(&status, webhookState{Last: extras.webhookLastCall(), Now: now})
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(before)
		_, _ = w.Write(status.Bytes())
		_, _ = w.Write(after)
	}), nil
}
