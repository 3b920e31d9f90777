package soracomfake

import (
	"net/http"
	"strconv"
	"time"
)

// sessionEventJSON is the SessionEvent schema. Its createdTime is typed as
// a string in the definition, unlike every other timestamp, so it is left
// out; "time" (ms) carries the event time.
type sessionEventJSON struct {
	APN          string    `json:"apn"`
	Cell         *cellJSON `json:"cell,omitempty"`
	DNS0         string    `json:"dns0"`
	DNS1         string    `json:"dns1"`
	Event        string    `json:"event"`
	IMEI         string    `json:"imei,omitempty"`
	IMSI         string    `json:"imsi"`
	OperatorID   string    `json:"operatorId"`
	SessionID    string    `json:"sessionId"`
	SimID        string    `json:"simId"`
	Subscription string    `json:"subscription"`
	Time         int64     `json:"time"`
	UEIPAddress  string    `json:"ueIpAddress"`
}

// sessionEventsWindow is how far back listSimSessionEvents looks by default.
const sessionEventsWindow = 32 * 24 * time.Hour

// handleListSessionEvents is GET /sims/{sim_id}/events/sessions (operationId
// listSimSessionEvents): the SIM's session log between from and to (ms,
// default the last 32 days), newest first, paged by event time.
func handleListSessionEvents(rq *request) {
	pp, ok := rq.parsePage()
	if !ok {
		return
	}
	q := rq.r.URL.Query()
	from, okFrom := optionalInt(q.Get("from"))
	to, okTo := optionalInt(q.Get("to"))
	if !okFrom || !okTo {
		rq.fail(http.StatusBadRequest, codeBadRequest, "from and to must be UNIX times in milliseconds")
		return
	}
	var after int64 = -1
	if pp.after != "" {
		v, err := strconv.ParseInt(pp.after, 10, 64)
		if err != nil {
			rq.fail(http.StatusBadRequest, codeBadRequest, "invalid last_evaluated_key")
			return
		}
		after = v
	}

	f := rq.f
	f.mu.RLock()
	s, found := f.fleet(rq.coverage).byID[rq.param("sim_id")]
	if !found {
		f.mu.RUnlock()
		rq.fail(http.StatusNotFound, codeNotFound, "no such SIM")
		return
	}
	if to == 0 {
		to = f.now
	}
	if from == 0 {
		from = f.now - int64(sessionEventsWindow/time.Millisecond)
	}
	// Newest first: walk the log backwards. The next key is the time of
	// the page's oldest event; times in a SIM's log are unique.
	size, trailing := f.pageShape(rq.template, pp.after, pp.limit)
	var out []sessionEventJSON
	more := false
	for i := len(s.events) - 1; i >= 0; i-- {
		e := s.events[i]
		if e.time < from || e.time > to || (after >= 0 && e.time >= after) {
			continue
		}
		if len(out) == size {
			more = true
			break
		}
		out = append(out, s.eventView(e, f.opts.OperatorID))
	}
	f.mu.RUnlock()
	if len(out) > 0 && (more || len(out) == pp.limit || trailing) {
		rq.setNext(strconv.FormatInt(out[len(out)-1].Time, 10), pp.limit)
	}
	if out == nil {
		out = []sessionEventJSON{}
	}
	rq.ok(out)
}

func optionalInt(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v >= 0
}

func (s *sim) eventView(e sessionEvent, operatorID string) sessionEventJSON {
	p := s.primary()
	v := sessionEventJSON{
		APN: "soracom.io", DNS0: dnsServers[0], DNS1: dnsServers[1], Event: e.kind.String(),
		IMEI: s.imei, IMSI: p.imsi, OperatorID: operatorID, SessionID: s.sessionID(e.seq), SimID: s.id,
		Subscription: p.plan.name, Time: e.time, UEIPAddress: s.ueIP(),
	}
	if e.hasCell {
		v.Cell = s.cellView(e.cell)
	}
	return v
}
