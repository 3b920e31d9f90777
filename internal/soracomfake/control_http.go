package soracomfake

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// controlPrefix starts the paths of the control API. They are not part of
// the SORACOM API: no authentication, no rate limit, no faults, not
// counted.
const controlPrefix = "/_fake/"

// registerControl exposes the Go control methods over HTTP, for a separate
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
//	GET    /_fake/permissions             {"denied":["getSubscriber",...]}
//	PUT    /_fake/permissions             replace the denied operations (same JSON)
//	GET    /_fake/exports                 {"processing":"0s","fail":false}
//	PUT    /_fake/exports                 replace the export settings (same JSON)
//	GET    /_fake/traffic/...             data usage and bill truth (see registerTrafficControl)
//	GET    /_fake/bills/latest
func (f *Fake) registerControl(mux *http.ServeMux, coverage string) {
	mux.HandleFunc("GET "+controlPrefix+"sims", func(w http.ResponseWriter, r *http.Request) {
		cov, ok := f.controlCoverage(w, r, coverage)
		if ok {
			controlJSON(w, f.SIMs(cov))
		}
	})
	mux.HandleFunc("GET "+controlPrefix+"sims/{sim_id}", func(w http.ResponseWriter, r *http.Request) {
		st, ok := f.SIM(r.PathValue("sim_id"))
		if !ok {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		controlJSON(w, st)
	})
	mux.HandleFunc("GET "+controlPrefix+"sims/{sim_id}/events", func(w http.ResponseWriter, r *http.Request) {
		evs, err := f.SessionEvents(r.PathValue("sim_id"))
		if err != nil {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		controlJSON(w, evs)
	})
	for _, state := range []string{"online", "offline"} {
		mux.HandleFunc("POST "+controlPrefix+"sims/{sim_id}/"+state, func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("sim_id")
			if err := f.SetOnline(id, state == "online"); err != nil {
				controlError(w, http.StatusNotFound, "no such SIM")
				return
			}
			st, _ := f.SIM(id)
			controlJSON(w, st)
		})
	}
	mux.HandleFunc("GET "+controlPrefix+"summary", func(w http.ResponseWriter, _ *http.Request) {
		type counts struct {
			SIMs   int `json:"sims"`
			Online int `json:"online"`
		}
		out := map[string]counts{}
		for _, cov := range f.opts.Coverages {
			out[cov] = counts{f.SimCount(cov), f.OnlineCount(cov)}
		}
		controlJSON(w, out)
	})
	mux.HandleFunc("GET "+controlPrefix+"now", func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, map[string]int64{"now": f.Now().UnixMilli()})
	})
	mux.HandleFunc("POST "+controlPrefix+"advance", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			controlError(w, http.StatusBadRequest, "d must be a non-negative duration such as 5m")
			return
		}
		f.Advance(d)
		controlJSON(w, map[string]int64{"now": f.Now().UnixMilli()})
	})
	mux.HandleFunc("GET "+controlPrefix+"counters", func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, map[string]any{"total": f.TotalCalls(), "calls": f.CallCounts()})
	})
	mux.HandleFunc("POST "+controlPrefix+"counters/reset", func(w http.ResponseWriter, _ *http.Request) {
		f.ResetCounters()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+controlPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) { controlJSON(w, f.Faults()) })
	mux.HandleFunc("POST "+controlPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		var fl Faults
		if controlRead(w, r, &fl, f.SetFaults, "invalid faults") {
			controlJSON(w, f.Faults())
		}
	})
	mux.HandleFunc("DELETE "+controlPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		_ = f.SetFaults(Faults{})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+controlPrefix+"expire-tokens", func(w http.ResponseWriter, _ *http.Request) {
		f.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	type permissionsJSON struct {
		Denied []string `json:"denied"`
	}
	mux.HandleFunc("GET "+controlPrefix+"permissions", func(w http.ResponseWriter, _ *http.Request) {
		controlJSON(w, permissionsJSON{Denied: f.DeniedOperations()})
	})
	mux.HandleFunc("PUT "+controlPrefix+"permissions", func(w http.ResponseWriter, r *http.Request) {
		var p permissionsJSON
		apply := func(p permissionsJSON) error { return f.DenyOperations(p.Denied...) }
		if controlRead(w, r, &p, apply, "invalid permissions") {
			controlJSON(w, permissionsJSON{Denied: f.DeniedOperations()})
		}
	})
	mux.HandleFunc("GET "+controlPrefix+"exports", func(w http.ResponseWriter, _ *http.Request) { controlJSON(w, f.Exports()) })
	mux.HandleFunc("PUT "+controlPrefix+"exports", func(w http.ResponseWriter, r *http.Request) {
		var s ExportSettings
		if controlRead(w, r, &s, f.SetExports, "invalid export settings") {
			controlJSON(w, f.Exports())
		}
	})
	f.registerTrafficControl(mux, coverage)
	mux.HandleFunc(controlPrefix, func(w http.ResponseWriter, _ *http.Request) {
		controlError(w, http.StatusNotFound, "no such control endpoint")
	})
}

// controlCoverage reads ?coverage=, defaulting to the host's own, and
// answers 404 itself for a coverage the fake does not serve.
func (f *Fake) controlCoverage(w http.ResponseWriter, r *http.Request, coverage string) (string, bool) {
	if c := r.URL.Query().Get("coverage"); c != "" {
		coverage = c
	}
	if _, ok := f.fleets[coverage]; !ok {
		controlError(w, http.StatusNotFound, "coverage not served")
		return "", false
	}
	return coverage, true
}

// controlRead decodes a control request's JSON body into v and applies it;
// it answers 400 itself when either fails.
func controlRead[T any](w http.ResponseWriter, r *http.Request, v *T, apply func(T) error, what string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err == nil {
		err = apply(*v)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, what+": "+err.Error())
		return false
	}
	return true
}

func controlJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorJSON{Code: codeControlError, Message: message})
}
