package source

import (
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// TestCellLocationsBudgetAndCache: cells are looked up at most CellBudget
// per poll, each once for good (found or not), and online SIMs on a known
// cell get a position.
func TestCellLocationsBudgetAndCache(t *testing.T) {
	const budget = 4
	e := newEnv(t, soracomfake.Options{Seed: 41, SIMs: 60}, SessionsOptions{SessionEvents: true, CellLocations: true, CellBudget: budget})
	cells := map[string]bool{}
	for _, s := range e.fake.SIMs("jp") {
		if s.Online && s.Cell != nil {
			cells[cellKeyOf(s.Cell)] = true
		}
	}
	if len(cells) <= 2*budget {
		t.Fatalf("only %d cells in use: the budget is not exercised", len(cells))
	}
	lookups := 0
	var pendingSeen []float64
	for poll := 0; ; poll++ {
		if poll > len(cells) {
			t.Fatal("the cells were never all looked up")
		}
		e.fake.ResetCounters()
		mfs := e.poll()
		n := e.fake.Calls("jp", "GET", "/cell_locations")
		if n > budget {
			t.Fatalf("poll %d: %d lookups for a budget of %d", poll, n, budget)
		}
		lookups += n
		pending, _ := value(mfs, "soracom_sims_cell_location_lookups_pending", nil)
		pendingSeen = append(pendingSeen, pending)
		if pending == 0 {
			located := 0
			for _, m := range mfs["soracom_sim_location_latitude_degrees"].GetMetric() {
				if v := m.GetGauge().GetValue(); v < 20 || v > 50 {
					t.Errorf("latitude %v is not near the fake's networks", v)
				}
				located++
			}
			if located == 0 || located != len(mfs["soracom_sim_location_longitude_degrees"].GetMetric()) {
				t.Fatalf("%d SIMs located", located)
			}
			break
		}
	}
	if lookups != len(cells) {
		t.Fatalf("%d lookups for %d distinct cells", lookups, len(cells))
	}
	e.fake.ResetCounters()
	e.poll()
	if n := e.fake.Calls("jp", "GET", "/cell_locations"); n != 0 {
		t.Fatalf("%d lookups for cells already cached", n)
	}
	if e.fake.CallsWithStatus("jp", "GET", "/cell_locations", 404) != 0 {
		t.Fatal("counters were reset")
	}
	t.Logf("pending per poll: %v", pendingSeen)
}

func cellKeyOf(c *soracomfake.Cell) string {
	mcc, mnc := int64(c.MCC), int64(c.MNC)
	if c.ECI != 0 {
		return "lte/" + optInt(&mcc) + "/" + optInt(&mnc) + "/" + itoa(c.TAC) + "/" + itoa(c.ECI)
	}
	return "2g3g/" + optInt(&mcc) + "/" + optInt(&mnc) + "/" + itoa(c.LAC) + "/" + itoa(c.CI)
}
