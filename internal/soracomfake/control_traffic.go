package soracomfake

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveTrafficControl answers the truth about data usage and bills:
//
//	GET /_fake/traffic/sims/{sim_id}[?at=ms]   AirUsageTruth of the month containing at (default: fake now)
//	GET /_fake/traffic/fleet[?coverage=jp&at=ms] the same summed over a coverage
//	GET /_fake/bills/latest[?coverage=jp]     Bill of the current month
func (f *Fake) serveTrafficControl(w http.ResponseWriter, r *http.Request, coverage string) {
	q := r.URL.Query()
	if c := q.Get("coverage"); c != "" {
		coverage = c
	}
	if _, ok := f.fleets[coverage]; !ok {
		controlError(w, http.StatusNotFound, "coverage not served")
		return
	}
	at := f.Now()
	if v := q.Get("at"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			controlError(w, http.StatusBadRequest, "at must be a UNIX time in milliseconds")
			return
		}
		at = time.UnixMilli(ms).UTC()
	}
	path := strings.TrimPrefix(r.URL.Path, controlPrefix)
	switch {
	case strings.HasPrefix(path, "traffic/sims/"):
		simID := strings.TrimPrefix(path, "traffic/sims/")
		u, err := f.AirUsage(simID, at)
		if err != nil {
			controlError(w, http.StatusNotFound, "no such SIM")
			return
		}
		st, _ := f.SIM(simID)
		controlJSON(w, AirUsageTruth{SimID: simID, IMSI: st.IMSI, Month: at.Format("200601"), At: at.UnixMilli(), Usage: u})
	case path == "traffic/fleet":
		controlJSON(w, AirUsageTruth{Month: at.Format("200601"), At: at.UnixMilli(), Usage: f.FleetAirUsage(coverage, at)})
	case path == "bills/latest":
		controlJSON(w, f.LatestBill(coverage))
	default:
		controlError(w, http.StatusNotFound, "no such control endpoint")
	}
}

// AirUsageTruth is a month-to-date usage as the control API reports it.
type AirUsageTruth struct {
	SimID string `json:"simId,omitempty"`
	IMSI  string `json:"imsi,omitempty"`
	Month string `json:"month"`
	At    int64  `json:"at"`
	Usage
}
