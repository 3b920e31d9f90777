package source

import (
	"strconv"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Radio context of a session, as labels of soracom_sim_session_info.

var famSessionInfo = exposition.NewFamily("soracom_sim_session_info",
	"Radio context of the SIM's current session; always 1, online SIMs only. MNC written with its leading zeros; absent fields empty.",
	exposition.Gauge, "sim_id", "imsi", "imei", "radio_type", "mcc", "mnc", "tac", "eci", "lac", "ci", "ue_ip_address", "vpg_id")

var (
	famCellChanges = exposition.NewFamily("soracom_sim_cell_changes_total",
		"Cell changes of the SIM's session seen between two observations (polls or webhook refreshes) since the exporter started.",
		exposition.Counter, "sim_id", "imsi")
	famIMEIChanges = exposition.NewFamily("soracom_sim_imei_changes_total",
		"Times the SIM was seen in a device with another IMEI than before, since the exporter started.",
		exposition.Counter, "sim_id", "imsi")
	famVisited = exposition.NewFamily("soracom_sim_visited_network_info",
		"Network the subscriber last registered on (locationRegistrationStatus), per domain (cs, ps, eps); always 1. Known after a subscriber lookup (webhook refresh).",
		exposition.Gauge, "sim_id", "imsi", "domain", "vplmn")
	famFleetCellChanges = exposition.NewFamily("soracom_sims_cell_changes_total",
		"Cell changes seen across the exported SIMs of the target since the exporter started.",
		exposition.Counter, "operator_id", "coverage")
	famFleetIMEIChanges = exposition.NewFamily("soracom_sims_imei_changes_total",
		"IMEI changes seen across the exported SIMs of the target since the exporter started.",
		exposition.Counter, "operator_id", "coverage")
)

// sessionInfoLabels renders the label values of soracom_sim_session_info for
// an online SIM. Absent fields are empty strings, never "0": 0 is a valid
// MNC or LAC.
func sessionInfoLabels(d *simDetail, plmn string) []string {
	f := &d.f
	c := &f.cell
	mcc, mnc, tac, eci, lac, ci := "", "", "", "", "", ""
	if c.has != 0 {
		mcc = optInt(c.get(hasMCC))
		mnc = formatMNC(c.get(hasMCC), c.get(hasMNC), plmn)
		tac, eci, lac, ci = optInt(c.get(hasTAC)), optInt(c.get(hasECI)), optInt(c.get(hasLAC)), optInt(c.get(hasCI))
	}
	return []string{d.id, f.imsi, f.imei, c.radio, mcc, mnc, tac, eci, lac, ci, f.ueIP, f.vpgID}
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

// formatMNC writes a network code as networks write it: the API sends an
// integer, which loses the leading zeros ("010" and "10" both arrive as
// 10). Three digits are used when the value needs them or the country
// writes its MNCs with three digits; otherwise two, as the spec advises.
// A PLMN ID the network reported for this SIM (vplmn), when it names the
// same network, gives the width exactly.
func formatMNC(mcc, mnc *int64, plmn string) string {
	if mnc == nil {
		return ""
	}
	v := *mnc
	if v < 0 {
		return strconv.FormatInt(v, 10)
	}
	s := strconv.FormatInt(v, 10)
	width := 2
	switch {
	case mcc != nil && mncWidth(plmn, *mcc, v) > 0:
		width = mncWidth(plmn, *mcc, v)
	case v >= 100 || (mcc != nil && threeDigitMNC(*mcc)):
		width = 3
	}
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// threeDigitMNC reports the countries whose networks all use three-digit
// MNCs (ITU-T E.212): the United States, Canada, Puerto Rico, Mexico and
// Jamaica.
func threeDigitMNC(mcc int64) bool {
	switch {
	case mcc >= 310 && mcc <= 316:
		return true
	case mcc == 302, mcc == 330, mcc == 334, mcc == 338:
		return true
	}
	return false
}

// mncWidth reads the width of the MNC from a PLMN ID the network wrote
// (locationRegistrationStatus' vplmn: MCC then MNC, "44010" or "310410"),
// or 0 when the PLMN is not that network's.
func mncWidth(plmn string, mcc, mnc int64) int {
	m := strconv.FormatInt(mcc, 10)
	if len(plmn) < 5 || len(plmn) > 6 || plmn[:3] != m {
		return 0
	}
	v, err := strconv.ParseInt(plmn[3:], 10, 64)
	if err != nil || v != mnc {
		return 0
	}
	return len(plmn) - 3
}

// cellKey identifies a cell, for the cache of cell positions.
func cellKey(c *cellID) string {
	if c.has == 0 {
		return ""
	}
	return c.radio + "/" + optInt(c.get(hasMCC)) + "/" + optInt(c.get(hasMNC)) + "/" + optInt(c.get(hasTAC)) + "/" +
		optInt(c.get(hasECI)) + "/" + optInt(c.get(hasLAC)) + "/" + optInt(c.get(hasCI))
}

// visitedPLMN returns the PLMN the subscriber registered on, preferring the
// packet domains a data session uses.
func visitedPLMN(v *soracom.LocationRegistrationStatus) string {
	if v == nil {
		return ""
	}
	for _, r := range []*soracom.LocationRegistration{v.EPS, v.PS, v.CS} {
		if r != nil && r.VPLMN != "" {
			return r.VPLMN
		}
	}
	return ""
}

func renderVisited(b sampleAdder, v *soracom.LocationRegistrationStatus, simID, imsi string) {
	if v == nil {
		return
	}
	for _, d := range []struct {
		name string
		r    *soracom.LocationRegistration
	}{{"cs", v.CS}, {"eps", v.EPS}, {"ps", v.PS}} {
		if d.r != nil && d.r.VPLMN != "" {
			b.Add(famVisited, 1, simID, imsi, d.name, d.r.VPLMN)
		}
	}
}
