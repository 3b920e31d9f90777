package source

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Cell positions (optional): the position of each cell an online SIM uses,
// from GET /v1/cell_locations. A cell tower does not move, so an answer,
// found or not, is kept for the life of the process; new cells are looked
// up at most CellBudget per poll.

var (
	famLatitude = exposition.NewFamily("soracom_sim_location_latitude_degrees",
		"Latitude of the cell the SIM's session uses (OpenCelliD via GET /v1/cell_locations); online SIMs whose cell is known.",
		exposition.Gauge, "sim_id", "imsi")
	famLongitude = exposition.NewFamily("soracom_sim_location_longitude_degrees",
		"Longitude of the cell the SIM's session uses (OpenCelliD via GET /v1/cell_locations); online SIMs whose cell is known.",
		exposition.Gauge, "sim_id", "imsi")
	famCellsPending = exposition.NewFamily("soracom_sims_cell_location_lookups_pending",
		"Cells in use whose position was not looked up yet: the per-poll call budget carried them over.",
		exposition.Gauge, "operator_id", "coverage")
)

// cellCache maps a cell key to its position; a nil value records a cell
// the database does not know. It is shared by every target: a cell is the
// same wherever it is seen from.
type cellCache struct {
	mu sync.Mutex
	m  map[string]*soracom.CellLocation
}

func (c *cellCache) position(cell *cellID) *soracom.CellLocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[cellKey(cell)]
}

func (c *cellCache) known(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

func (c *cellCache) put(key string, loc *soracom.CellLocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*soracom.CellLocation{}
	}
	c.m[key] = loc
}

// cellQuery names a cell as GET /v1/cell_locations asks: MCC, MNC, TAC and
// ECI for the LTE family, MCC, MNC, LAC and CID for 2G/3G.
func cellQuery(c *cellID) (soracom.CellQuery, bool) {
	if c.has&hasMCC == 0 || c.has&hasMNC == 0 {
		return soracom.CellQuery{}, false
	}
	q := soracom.CellQuery{MCC: strconv.FormatInt(c.mcc, 10), MNC: strconv.FormatInt(c.mnc, 10)}
	switch {
	case c.has&hasTAC != 0 && c.has&hasECI != 0:
		q.TAC, q.ECI = strconv.FormatInt(c.tac, 10), strconv.FormatInt(c.eci, 10)
	case c.has&hasLAC != 0 && c.has&hasCI != 0:
		q.LAC, q.CID = strconv.FormatInt(c.lac, 10), strconv.FormatInt(c.ci, 10)
	default:
		return soracom.CellQuery{}, false
	}
	return q, true
}

// locateCells looks up the cells in use that are not cached yet, up to the
// budget; the rest wait for the next poll.
func (s *Sessions) locateCells(ctx context.Context, t Target, st *targetState) {
	st.mu.Lock()
	want := map[string]soracom.CellQuery{}
	var order []string
	for rec := range st.sims.all() {
		d := rec.detail
		if d == nil || !d.f.online {
			continue // positions are shown per SIM: aggregate mode looks none up
		}
		key := cellKey(&d.f.cell)
		if _, dup := want[key]; dup || key == "" || s.cells.known(key) {
			continue
		}
		if q, ok := cellQuery(&d.f.cell); ok {
			want[key] = q
			order = append(order, key)
		}
	}
	st.mu.Unlock()
	// The map's order is random: look cells up in a stable order, so that
	// a budget smaller than the backlog serves the same cells first.
	slices.Sort(order)

	done := 0
	for _, key := range order {
		if done >= s.opts.CellBudget || ctx.Err() != nil {
			break
		}
		loc, err := t.Client.GetCellLocation(ctx, want[key])
		if err != nil {
			s.log.Warn("looking up a cell position failed; trying again next poll", "account", t.Account,
				"coverage", string(t.Coverage), "err", err)
			break
		}
		s.cells.put(key, loc)
		done++
	}
	st.mu.Lock()
	st.cellsPending = len(order) - done
	st.mu.Unlock()
}

// relocate marks the online SIMs whose cell position became known since
// their lines were rendered (by this target or another: the cache is
// shared). Positions never change once known, so that is the only change.
func (s *Sessions) relocate(st *targetState) {
	for rec := range st.sims.all() {
		if d := rec.detail; d != nil && d.f.online && !d.located && d.f.cell.has != 0 && s.cells.position(&d.f.cell) != nil {
			st.touch(rec)
		}
	}
}
