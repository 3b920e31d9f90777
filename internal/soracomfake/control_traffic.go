package soracomfake

import (
	"net/http"
	"strconv"
	"time"
)

// registerTrafficControl answers the truth about data usage and bills:
//
//	GET /_fake/traffic/sims/{sim_id}[?at=ms]     AirUsageTruth of the month containing at (default: fake now)
//	GET /_fake/traffic/fleet[?coverage=jp&at=ms] the same summed over a coverage
//	GET /_fake/bills/latest[?coverage=jp]        Bill of the current month
func (f *Fake) registerTrafficControl(mux *http.ServeMux, coverage string) {
	mux.HandleFunc("GET "+controlPrefix+"traffic/sims/{sim_id}", func(w http.ResponseWriter, r *http.Request) {
		at, ok := f.controlAt(w, r)
		if !ok {
			return
		}
		simID := r.PathValue("sim_id")
		u, err := f.AirUsage(simID, at)
		if err != nil {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		st, _ := f.SIM(simID)
		controlJSON(w, AirUsageTruth{SimID: simID, IMSI: st.IMSI, Month: at.Format("200601"), At: at.UnixMilli(), Usage: u})
	})
	mux.HandleFunc("GET "+controlPrefix+"traffic/fleet", func(w http.ResponseWriter, r *http.Request) {
		cov, ok := f.controlCoverage(w, r, coverage)
		if !ok {
			return
		}
		if at, ok := f.controlAt(w, r); ok {
			controlJSON(w, AirUsageTruth{Month: at.Format("200601"), At: at.UnixMilli(), Usage: f.FleetAirUsage(cov, at)})
		}
	})
	mux.HandleFunc("GET "+controlPrefix+"bills/latest", func(w http.ResponseWriter, r *http.Request) {
		if cov, ok := f.controlCoverage(w, r, coverage); ok {
			controlJSON(w, f.LatestBill(cov))
		}
	})
}

// controlAt reads ?at= (UNIX ms), defaulting to the fake clock's now.
func (f *Fake) controlAt(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	v := r.URL.Query().Get("at")
	if v == "" {
		return f.Now(), true
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		controlError(w, http.StatusBadRequest, "at must be a UNIX time in milliseconds")
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// AirUsageTruth is a month-to-date usage as the control API reports it.
type AirUsageTruth struct {
	SimID string `json:"simId,omitempty"`
	IMSI  string `json:"imsi,omitempty"`
	Month string `json:"month"`
	At    int64  `json:"at"`
	Usage
}
