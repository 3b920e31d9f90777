package soracom

import (
	"context"
	"net/http"
	"net/url"
)

// CellLocation is where a cell tower stands (components.schemas.
// CellLocation), from the OpenCelliD database.
type CellLocation struct {
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Range int64   `json:"range"` // meters
}

// CellQuery names a cell for GET /v1/cell_locations. Every value is a
// decimal string as the definition types them. LTE cells are named by
// MCC, MNC, TAC and ECI; 2G/3G cells by MCC, MNC, LAC and CID.
type CellQuery struct {
	MCC, MNC, TAC, ECI, LAC, CID string
}

func (q CellQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("mcc", q.MCC)
	set("mnc", q.MNC)
	set("tac", q.TAC)
	set("eci", q.ECI)
	set("lac", q.LAC)
	set("cid", q.CID)
	return v
}

// GetCellLocation returns the location of one cell, or nil without an
// error when the database does not know the cell (HTTP 404)
// (GET /v1/cell_locations, operationId getCellLocation).
func (c *Client) GetCellLocation(ctx context.Context, q CellQuery) (*CellLocation, error) {
	var loc CellLocation
	err := c.getJSON(ctx, "/cell_locations", "/cell_locations", q.values(), &loc)
	if IsStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &loc, nil
}
