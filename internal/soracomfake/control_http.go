package soracomfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// controlPrefix starts the paths of the control API. They are not part of
// the SORACOM API: no authentication, no rate limit, no faults, not
// counted.
const controlPrefix = "/_fake/"

// serveControl exposes the Go control methods over HTTP, for a separate
// process driving a standalone fake:
//
//	GET    /_fake/sims[?coverage=jp]      fleet truth ([]SIMState); default: this host's coverage
//	GET    /_fake/sims/{sim_id}           one SIMState
//	GET    /_fake/sims/{sim_id}/events    the SIM's session log ([]SessionEvent)
//	POST   /_fake/sims/{sim_id}/online    open a session now
//	POST   /_fake/sims/{sim_id}/offline   close the session now
//	GET    /_fake/summary                 {"jp":{"sims":N,"online":M},...}
//	GET    /_fake/now                     fake clock {"now":ms}
//	POST   /_fake/advance?d=5m            advance the fake clock, answers {"now":ms}
//	GET    /_fake/counters                {"total":N,"calls":[CallCount...]}
//	POST   /_fake/counters/reset          zero the counters
//	GET    /_fake/faults                  the injected faults
//	POST   /_fake/faults                  replace them (Faults as JSON, latency as "250ms")
//	DELETE /_fake/faults                  clear them
//	POST   /_fake/expire-tokens           invalidate every issued token
//	GET    /_fake/traffic/...             data usage and bill truth (see serveTrafficControl)
//	GET    /_fake/bills/latest
func (f *Fake) serveControl(w http.ResponseWriter, r *http.Request, coverage string) {
	path := strings.TrimPrefix(r.URL.Path, controlPrefix)
	segs := strings.Split(path, "/")
	route := r.Method + " " + path
	switch {
	case route == "GET sims":
		cov := r.URL.Query().Get("coverage")
		if cov == "" {
			cov = coverage
		}
		if _, ok := f.fleets[cov]; !ok {
			controlError(w, http.StatusNotFound, "coverage not served")
			return
		}
		controlJSON(w, f.SIMs(cov))
	case len(segs) == 2 && segs[0] == "sims" && r.Method == http.MethodGet:
		st, ok := f.SIM(segs[1])
		if !ok {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		controlJSON(w, st)
	case len(segs) == 3 && segs[0] == "sims" && segs[2] == "events" && r.Method == http.MethodGet:
		evs, err := f.SessionEvents(segs[1])
		if err != nil {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		controlJSON(w, evs)
	case len(segs) == 3 && segs[0] == "sims" && (segs[2] == "online" || segs[2] == "offline") && r.Method == http.MethodPost:
		if err := f.SetOnline(segs[1], segs[2] == "online"); err != nil {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		st, _ := f.SIM(segs[1])
		controlJSON(w, st)
	case strings.HasPrefix(route, "GET traffic") || strings.HasPrefix(route, "GET bills"):
		f.serveTrafficControl(w, r, coverage)
	case route == "GET summary":
		type counts struct {
			SIMs   int `json:"sims"`
			Online int `json:"online"`
		}
		out := map[string]counts{}
		for _, cov := range f.opts.Coverages {
			out[cov] = counts{f.SimCount(cov), f.OnlineCount(cov)}
		}
		controlJSON(w, out)
	case route == "GET now":
		controlJSON(w, map[string]int64{"now": f.Now().UnixMilli()})
	case route == "POST advance":
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			controlError(w, http.StatusBadRequest, "d must be a non-negative duration such as 5m")
			return
		}
		f.Advance(d)
		controlJSON(w, map[string]int64{"now": f.Now().UnixMilli()})
	case route == "GET counters":
		controlJSON(w, map[string]any{"total": f.TotalCalls(), "calls": f.CallCounts()})
	case route == "POST counters/reset":
		f.ResetCounters()
		w.WriteHeader(http.StatusNoContent)
	case route == "GET faults":
		controlJSON(w, f.Faults())
	case route == "POST faults":
		var fl Faults
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err == nil {
			err = json.Unmarshal(body, &fl)
		}
		if err == nil {
			err = f.SetFaults(fl)
		}
		if err != nil {
			controlError(w, http.StatusBadRequest, "invalid faults: "+err.Error())
			return
		}
		controlJSON(w, f.Faults())
	case route == "DELETE faults":
		_ = f.SetFaults(Faults{})
		w.WriteHeader(http.StatusNoContent)
	case route == "POST expire-tokens":
		f.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	default:
		controlError(w, http.StatusNotFound, "no such control endpoint")
	}
}

func controlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorJSON{Code: "FAKE", Message: message})
}
