package soracomfake

import (
	"net/http"
	"strconv"
)

// cellLocationJSON is the CellLocation schema, with the fields the fake
// can make up.
type cellLocationJSON struct {
	AvgStrength int32   `json:"avg_strength"`
	Exact       int32   `json:"exact"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Range       int32   `json:"range"`
	Samples     int32   `json:"samples"`
}

// unknownCellShare is the share of cells the fake's database does not know
// (the real one, OpenCelliD, misses some).
const unknownCellShare = 8 // one in eight

// handleGetCellLocation is GET /cell_locations (operationId
// getCellLocation): the position of a cell named by mcc, mnc and either
// tac and ecid (or eci) for LTE, or lac (and optionally cid) for 3G. The
// position is derived from the cell's identity, so it never changes, and
// lies around the country of the MCC the fake's networks use.
func handleGetCellLocation(rq *request) {
	q := rq.r.URL.Query()
	for _, k := range []string{"mcc", "mnc", "lac", "cid", "tac", "ecid", "eci"} {
		if v := q.Get(k); v != "" {
			if _, err := strconv.ParseUint(v, 10, 32); err != nil {
				rq.fail(http.StatusBadRequest, codeBadRequest, k+" must be a decimal number")
				return
			}
		}
	}
	eci := q.Get("ecid")
	if eci == "" {
		eci = q.Get("eci")
	}
	lte := q.Get("tac") != "" && eci != ""
	if q.Get("mcc") == "" || q.Get("mnc") == "" || (!lte && q.Get("lac") == "") {
		rq.fail(http.StatusBadRequest, codeBadRequest, "mcc, mnc and either tac and ecid, or lac, are required")
		return
	}
	key := "3g/" + q.Get("mcc") + "/" + q.Get("mnc") + "/" + q.Get("lac") + "/" + q.Get("cid")
	if lte {
		key = "lte/" + q.Get("mcc") + "/" + q.Get("mnc") + "/" + q.Get("tac") + "/" + eci
	}
	r := newRNG(uint64(rq.f.opts.Seed), hashString("cell"), hashString(key))
	if r.intn(unknownCellShare) == 0 {
		rq.fail(http.StatusNotFound, codeNotFound, "location information is not found for the cell tower")
		return
	}
	lat, lon := 35.68, 139.76 // Japan
	if q.Get("mcc") != "440" && q.Get("mcc") != "441" {
		lat, lon = 50.11, 8.68 // Europe, where the global coverage's partner networks are
	}
	rq.ok(cellLocationJSON{
		AvgStrength: -int32(r.between(60, 110)),
		Lat:         lat + (r.float()-0.5)*4,
		Lon:         lon + (r.float()-0.5)*4,
		Range:       int32(r.between(200, 5000)),
		Samples:     int32(r.between(1, 500)),
	})
}
