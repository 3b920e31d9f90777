package source

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// SessionsName is the name of the session and inventory source.
const SessionsName = "sessions"

var simLabels = []string{"sim_id", "imsi", "name"}

// Families of the sessions source that do not depend on configuration.
var (
	famSessionOnline = exposition.NewFamily("soracom_sim_session_online",
		"Whether the SIM has a data session now (1) or not (0). A SIM that never connected is 0.",
		exposition.Gauge, simLabels...)
	famSessionUpdated = exposition.NewFamily("soracom_sim_session_last_updated_timestamp_seconds",
		"When SORACOM last updated the SIM's session status (sessionStatus.lastUpdatedAt).",
		exposition.Gauge, simLabels...)
	famPreviousEnd = exposition.NewFamily("soracom_sim_previous_session_end_timestamp_seconds",
		"When the SIM's previous session ended (previousSession.deletedTime): offline since, for an offline SIM.",
		exposition.Gauge, simLabels...)
	famLocationUpdate = exposition.NewFamily("soracom_sim_last_location_update_timestamp_seconds",
		"When the device last registered with the network (lastLocationUpdateTime), even without a data session. Only where SORACOM reports it.",
		exposition.Gauge, simLabels...)
	famExpiry = exposition.NewFamily("soracom_sim_expiry_timestamp_seconds",
		"When the SIM expires (expiryTime). Only for SIMs with an expiry set.",
		exposition.Gauge, simLabels...)
	famSims = exposition.NewFamily("soracom_sims",
		"Number of exported SIMs by status and speed class.",
		exposition.Gauge, "operator_id", "coverage", "status", "speed_class")
	famSimsOnline = exposition.NewFamily("soracom_sims_online",
		"Number of exported SIMs with a data session now.",
		exposition.Gauge, "operator_id", "coverage")
	famSeed = exposition.NewFamily("soracom_session_status",
		"Compatibility metric of the original script, one series per IMSI: 1 online, 0 offline. Prefer soracom_sim_session_online.",
		exposition.Gauge, "imsi", "name")
)

// SessionsOptions configure the sessions source.
type SessionsOptions struct {
	Filter Filter
	// TagLabels are the SIM tags copied onto soracom_sim_info.
	TagLabels []string
	// SeedMetric also emits soracom_session_status{imsi,name}.
	SeedMetric bool
}

// Sessions lists every SIM of a target once per poll (GET /v1/sims) and
// renders session status and inventory metrics from that one listing.
type Sessions struct {
	opts    SessionsOptions
	famInfo *exposition.Family
}

// NewSessions returns the sessions source.
func NewSessions(opts SessionsOptions) *Sessions {
	labels := []string{"sim_id", "imsi", "msisdn", "name", "group_id", "status", "speed_class", "subscription",
		"module_type", "sim_type", "operator_id", "coverage"}
	for _, t := range opts.TagLabels {
		labels = append(labels, exposition.TagLabelName(t))
	}
	return &Sessions{
		opts: opts,
		famInfo: exposition.NewFamily("soracom_sim_info",
			"Inventory information about the SIM; always 1.", exposition.Gauge, labels...),
	}
}

// Name implements scheduler.Source.
func (s *Sessions) Name() string { return SessionsName }

type fleetKey struct{ status, speedClass string }

// Poll implements scheduler.Source.
func (s *Sessions) Poll(ctx context.Context, t scheduler.Target) (*store.Snapshot, error) {
	b := exposition.NewBuilder()
	counts := map[fleetKey]int{}
	online, n := 0, 0
	operatorID := ""
	err := t.Client.ListSims(ctx, func(sim *soracom.Sim) error {
		if !s.opts.Filter.Match(sim) {
			return nil
		}
		n++
		if operatorID == "" {
			operatorID = sim.OperatorID
		}
		counts[fleetKey{sim.Status, sim.SpeedClass}]++
		if s.render(b, sim, t.Coverage) {
			online++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if id := t.Client.OperatorID(); id != "" {
		operatorID = id
	}
	cov := string(t.Coverage)
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b fleetKey) int {
		return cmp.Or(cmp.Compare(a.status, b.status), cmp.Compare(a.speedClass, b.speedClass))
	})
	for _, k := range keys {
		b.Add(famSims, float64(counts[k]), operatorID, cov, k.status, k.speedClass)
	}
	b.Add(famSimsOnline, float64(online), operatorID, cov)
	return &store.Snapshot{OperatorID: operatorID, Items: n, Families: b.Build()}, nil
}

// render adds one SIM's samples and reports whether it is online.
func (s *Sessions) render(b *exposition.Builder, sim *soracom.Sim, cov soracom.Coverage) bool {
	imsi, msisdn := sim.Identity()
	name := sim.Name()
	ss := sim.SessionStatus
	isOnline := ss != nil && ss.Online
	b.Add(famSessionOnline, boolValue(isOnline), sim.SimID, imsi, name)

	info := make([]string, 0, len(s.famInfo.Labels))
	info = append(info, sim.SimID, imsi, msisdn, name, sim.GroupID, sim.Status, sim.SpeedClass, sim.Subscription(),
		sim.ModuleType, sim.Type, sim.OperatorID, string(cov))
	for _, tag := range s.opts.TagLabels {
		info = append(info, sim.Tags[tag])
	}
	b.Add(s.famInfo, 1, info...)

	if ss != nil && ss.LastUpdatedAt > 0 {
		b.Add(famSessionUpdated, ss.LastUpdatedAt.Seconds(), sim.SimID, imsi, name)
	}
	if ps := sim.PreviousSession; ps != nil && ps.DeletedTime > 0 {
		b.Add(famPreviousEnd, ps.DeletedTime.Seconds(), sim.SimID, imsi, name)
	}
	if sim.LastLocationUpdateTime > 0 {
		b.Add(famLocationUpdate, sim.LastLocationUpdateTime.Seconds(), sim.SimID, imsi, name)
	}
	if sim.ExpiryTime > 0 {
		b.Add(famExpiry, sim.ExpiryTime.Seconds(), sim.SimID, imsi, name)
	}
	if s.opts.SeedMetric {
		s.renderSeed(b, sim, isOnline)
	}
	return isOnline
}

// renderSeed emits the original script's metric: it listed subscribers, so
// it had one series per IMSI, online when that IMSI carries the session.
func (s *Sessions) renderSeed(b *exposition.Builder, sim *soracom.Sim, isOnline bool) {
	var imsis []string
	for _, p := range sim.Profiles {
		for imsi := range p.Subscribers {
			imsis = append(imsis, imsi)
		}
	}
	if len(imsis) == 0 {
		if imsi, _ := sim.Identity(); imsi != "" {
			imsis = append(imsis, imsi)
		}
	}
	slices.Sort(imsis)
	sessionIMSI, _ := sim.Identity()
	for _, imsi := range slices.Compact(imsis) {
		b.Add(famSeed, boolValue(isOnline && imsi == sessionIMSI), imsi, sim.Name())
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
