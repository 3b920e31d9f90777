package exposition

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The fixture is shaped like the sessions source's per-SIM series: about
// ten families per SIM, the inventory family with many labels, families
// only some SIMs have, one family with several samples per SIM.

var (
	fxLabels   = []string{"sim_id", "imsi", "name"}
	fxOnline   = NewFamily("fx_sim_session_online", "Online.", Gauge, fxLabels...)
	fxUpdated  = NewFamily("fx_sim_session_last_updated_timestamp_seconds", "Updated.", Gauge, fxLabels...)
	fxPrevEnd  = NewFamily("fx_sim_previous_session_end_timestamp_seconds", "Previous end.", Gauge, fxLabels...)
	fxLocation = NewFamily("fx_sim_last_location_update_timestamp_seconds", "Location update.", Gauge, fxLabels...)
	fxInfo     = NewFamily("fx_sim_info", "Inventory.", Gauge, "sim_id", "imsi", "msisdn", "name", "group_id", "group",
		"status", "speed_class", "subscription", "module_type", "sim_type", "operator_id", "coverage", "tag_site")
	fxSession = NewFamily("fx_sim_session_info", "Radio context.", Gauge,
		"sim_id", "imsi", "imei", "radio_type", "mcc", "mnc", "tac", "eci", "lac", "ci", "ue_ip_address", "vpg_id")
	fxCells   = NewFamily("fx_sim_cell_changes_total", "Cell changes.", Counter, "sim_id", "imsi")
	fxIMEIs   = NewFamily("fx_sim_imei_changes_total", "IMEI changes.", Counter, "sim_id", "imsi")
	fxEvents  = NewFamily("fx_sim_session_events_total", "Session events.", Counter, "sim_id", "imsi", "event")
	fxVisited = NewFamily("fx_sim_visited_network_info", "Visited network.", Gauge, "sim_id", "imsi", "domain", "vplmn")
)

var fxEventKinds = [3]string{"created", "modified", "deleted"}

// fxSIM is a compact per-SIM state, like the one a source keeps between
// polls.
type fxSIM struct {
	id, imsi, msisdn, name, group, status, imei string
	online                                      bool
	updated, prevEnd, location                  float64
	tac, eci                                    int64
	cells, imeis                                float64
	events                                      [3]float64
	vplmn                                       string
}

// fxGroups are group names, state every SIM's lines depend on.
type fxGroups map[string]string

func (g fxGroups) render(w *SampleWriter, s *fxSIM) {
	w.Add(fxOnline, boolFloat(s.online), s.id, s.imsi, s.name)
	w.Add(fxInfo, 1, s.id, s.imsi, s.msisdn, s.name, s.group, g[s.group], s.status, "s1.standard", "plan-D",
		"nano", "uicc", "OP0012345678", "jp", "tokyo")
	if s.updated > 0 {
		w.Add(fxUpdated, s.updated, s.id, s.imsi, s.name)
	}
	if s.prevEnd > 0 {
		w.Add(fxPrevEnd, s.prevEnd, s.id, s.imsi, s.name)
	}
	if s.location > 0 {
		w.Add(fxLocation, s.location, s.id, s.imsi, s.name)
	}
	if s.online {
		w.Add(fxSession, 1, s.id, s.imsi, s.imei, "lte", "440", "10", strconv.FormatInt(s.tac, 10),
			strconv.FormatInt(s.eci, 10), "", "", "10.0.0.1", "")
	}
	if s.vplmn != "" {
		w.Add(fxVisited, 1, s.id, s.imsi, "eps", s.vplmn)
	}
	w.Add(fxCells, s.cells, s.id, s.imsi)
	w.Add(fxIMEIs, s.imeis, s.id, s.imsi)
	for k, kind := range fxEventKinds {
		w.Add(fxEvents, s.events[k], s.id, s.imsi, kind)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var fxHostile = []string{"会社検証用", `name with "quotes"`, `back\slash`, "new\nline", "emoji 🚗📡", "", "trailing\\",
	"\xff\xfe broken utf8", `{sim_id="x"} 1`, "sensor-7 \xc3"}

// fxNew makes the SIM with number i.
func fxNew(r *rand.Rand, i int) *fxSIM {
	s := &fxSIM{
		id:     fmt.Sprintf("898110300%010d", i),
		imsi:   fmt.Sprintf("4401030%08d", i),
		msisdn: fmt.Sprintf("8120%08d", i),
		name:   fmt.Sprintf("sensor-%06d", i),
		group:  fmt.Sprintf("group-%d", i%20),
		status: "active",
		imei:   fmt.Sprintf("35%013d", i),
	}
	if r != nil && r.IntN(50) == 0 {
		s.name = fxHostile[r.IntN(len(fxHostile))]
	}
	s.online = i%3 != 0
	s.updated = 1732000000 + float64(i)/1000
	s.prevEnd = 1731990000 + float64(i)
	if i%4 == 0 {
		s.location = 1732000000
	}
	s.tac, s.eci = 4660, 123456+int64(i)
	return s
}

// fxSessionChange changes a SIM as a poll sees a session change: online
// flips, the status time moves, a session ends or starts on a new cell,
// the session events are counted. Its inventory stays.
func fxSessionChange(r *rand.Rand, s *fxSIM) {
	s.online = !s.online
	s.updated += 60
	if s.online {
		s.eci++
		s.cells++
		s.events[0]++
	} else {
		s.prevEnd = s.updated
		s.events[2]++
	}
}

// fxChange changes anything of a SIM, as a webhook refresh may.
func fxChange(r *rand.Rand, s *fxSIM) {
	switch r.IntN(6) {
	case 0:
		s.online = !s.online
		s.updated++
	case 1:
		s.eci++
		s.cells++
		s.events[1]++
	case 2:
		s.imei = fmt.Sprintf("35%013d", r.Int64N(1e13))
		s.imeis++
	case 3:
		s.name = fxHostile[r.IntN(len(fxHostile))]
	case 4:
		s.vplmn = []string{"", "44010", "310410"}[r.IntN(3)]
	default:
		s.location = 1733000000 + float64(r.IntN(1000))
		s.events[r.IntN(3)]++
	}
}

// fxFullRender renders every SIM in key order into one text per family and
// assembles the exposition as the store does: families by name, header
// then samples. It is what any chunked render must equal.
func fxFullRender(g fxGroups, sims map[string]*fxSIM) []byte {
	keys := slices.Sorted(maps.Keys(sims))
	var w SampleWriter
	for _, k := range keys {
		g.render(&w, sims[k])
	}
	// One writer for every SIM and no chunk: the text per family is the
	// SIMs' lines in key order, with none of the chunk logic in between.
	var out bytes.Buffer
	order := slices.Clone(w.fams)
	slices.SortFunc(order, func(a, c *Family) int { return strings.Compare(a.Name, c.Name) })
	for _, f := range order {
		text := w.bufs[slices.Index(w.fams, f)]
		if len(text) == 0 {
			continue
		}
		out.Write(f.Header().Text())
		out.Write(text)
	}
	return out.Bytes()
}
