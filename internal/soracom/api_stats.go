package soracom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// GetAirStatsOfSim returns one SIM's usage buckets between from and to
// (GET /v1/stats/air/sims/{sim_id}, operationId getAirStatsOfSim). from and
// to travel as UNIX seconds; with PeriodMinutes both must lie within the
// last 32 days.
func (c *Client) GetAirStatsOfSim(ctx context.Context, simID string, from, to time.Time, period StatsPeriod) ([]AirStats, error) {
	q := url.Values{}
	q.Set("from", strconv.FormatInt(from.Unix(), 10))
	q.Set("to", strconv.FormatInt(to.Unix(), 10))
	q.Set("period", string(period))
	var out []AirStats
	if err := c.getJSON(ctx, "/stats/air/sims/{sim_id}", "/stats/air/sims/"+pathEscape(simID), q, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExportAirStats asks for the usage of every SIM of the operator between
// from and to as one CSV file (POST /v1/stats/air/operators/{operator_id}/export
// with export_mode=async, operationId exportAirStats). The answer carries
// the exported file ID to follow with WaitExportedFile.
func (c *Client) ExportAirStats(ctx context.Context, from, to time.Time, period StatsPeriod) (*FileExport, error) {
	op, err := c.ensureOperatorID(ctx)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(exportRequest{From: from.Unix(), To: to.Unix(), Period: period})
	if err != nil {
		return nil, err
	}
	var out FileExport
	err = c.sendJSON(ctx, request{method: http.MethodPost, op: "/stats/air/operators/{operator_id}/export",
		path: "/stats/air/operators/" + pathEscape(op) + "/export", query: asyncExport(), body: body,
		// A repeated export only costs a second file; a lost one costs the
		// whole cycle.
		idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func asyncExport() url.Values { return url.Values{"export_mode": {"async"}} }

// ensureOperatorID returns the operator ID, authenticating first when the
// client has not yet done so: some paths (the operator-wide export) need it.
func (c *Client) ensureOperatorID(ctx context.Context) (string, error) {
	if id := c.OperatorID(); id != "" {
		return id, nil
	}
	if _, err := c.token(ctx); err != nil {
		return "", err
	}
	id := c.OperatorID()
	if id == "" {
		return "", &MalformedResponseError{Method: http.MethodPost, Operation: "/auth", Err: fmt.Errorf("no operatorId in the answer")}
	}
	return id, nil
}

// sendJSON performs req and decodes its JSON answer into out. Unlike getJSON
// it does not ask again after a garbled body, since req may not be safe to
// repeat.
func (c *Client) sendJSON(ctx context.Context, req request, out any) error {
	resp, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if !isSyntaxError(err) {
			c.obs.ObserveDecodeError(req.op)
		}
		return &MalformedResponseError{Method: req.method, Operation: req.op, Err: err}
	}
	return nil
}
