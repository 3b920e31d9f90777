package soracom

import (
	"context"
	"net/url"
	"strconv"
)

// SessionEvent is one entry of a SIM's session log (components.schemas.
// SessionEvent). Its createdTime is typed as a string in the definition,
// unlike every other timestamp, so it is not read; Time (ms) is the event
// time.
type SessionEvent struct {
	Event       string `json:"event"` // Created, Modified or Deleted
	Time        Millis `json:"time"`
	SimID       string `json:"simId"`
	IMSI        string `json:"imsi"`
	IMEI        string `json:"imei"`
	SessionID   string `json:"sessionId"`
	UEIPAddress string `json:"ueIpAddress"`
	VPGID       string `json:"vpgId"`
	Cell        *Cell  `json:"cell"`
}

// SessionEventsPage is one page of the session events of one SIM between
// from and to, both inclusive and in milliseconds (zero leaves a bound to
// the API: the last 32 days up to now): the events, newest first, and the
// key of the next page ("" on the last). key "" asks for the first page;
// callers budget their calls page by page (GET
// /v1/sims/{sim_id}/events/sessions, operationId listSimSessionEvents).
func (c *Client) SessionEventsPage(ctx context.Context, simID string, from, to Millis, key string) ([]SessionEvent, string, error) {
	q := url.Values{}
	if from > 0 {
		q.Set("from", strconv.FormatInt(int64(from), 10))
	}
	if to > 0 {
		q.Set("to", strconv.FormatInt(int64(to), 10))
	}
	q.Set("limit", strconv.Itoa(PageSize))
	if key != "" {
		q.Set("last_evaluated_key", key)
	}
	return fetchPage[SessionEvent](ctx, c, "/sims/{sim_id}/events/sessions", "/sims/"+pathEscape(simID)+"/events/sessions", q, nil)
}
