package source

import "github.com/soracom-exporter/soracom_exporter/internal/exposition"

// SORACOM Arc connects devices over WireGuard, as virtual SIMs or as Arc
// added to a SIM. The Sim's arcSessionStatus has no online flag: online
// state is sessionStatus.online, as for every SIM (soracom_sim_session_online),
// and the Arc session tells only when it was last updated.

var famArcUpdated = exposition.NewFamily("soracom_sim_arc_session_last_updated_timestamp_seconds",
	"When SORACOM last updated the SIM's Arc (WireGuard) session status (arcSessionStatus.lastUpdatedAt); only SIMs with an Arc session have it.",
	exposition.Gauge, "sim_id", "imsi", "name")
