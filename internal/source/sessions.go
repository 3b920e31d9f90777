package source

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
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
	famPerSIMSeries = exposition.NewFamily("soracom_sims_per_sim_series",
		"Number of per-SIM series the sessions source renders for this target (before the sims.max_series cap).",
		exposition.Gauge, "operator_id", "coverage")
	famPerSIMDropped = exposition.NewFamily("soracom_sims_per_sim_series_dropped",
		"1 when this target's per-SIM series are not exported (over sims.max_series, or --sim.metrics=aggregate), else 0.",
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
	// Aggregate keeps only the fleet-level series (--sim.metrics=aggregate).
	Aggregate bool
	// MaxSeries caps the per-SIM series of one target: beyond it the
	// per-SIM series are dropped and only the fleet-level ones are kept.
	// Zero means no cap.
	MaxSeries int
	// SessionEvents reads the session events of the SIMs whose session
	// changed, at most EventBudget calls per poll (zero: the
	// configuration's default).
	SessionEvents bool
	EventBudget   int
	// CellLocations looks up the position of the cells SIMs use
	// (GET /v1/cell_locations), at most CellBudget calls per poll (zero:
	// the configuration's default).
	CellLocations bool
	CellBudget    int
	Logger        *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Sessions lists every SIM of a target once per poll (GET /v1/sims) and
// renders session status and inventory metrics from that one listing, then
// reads the session events of the SIMs whose session changed. It keeps the
// last listing per target so that a single SIM can be refreshed (by the
// webhook) and the target's snapshot rendered again at once.
type Sessions struct {
	opts    SessionsOptions
	log     *slog.Logger
	famInfo *exposition.Family
	states  states
	cells   cellCache
	// chunkSize is the SIMs per rendered chunk (0: the default); tests
	// make it small to have many chunks with a small fleet.
	chunkSize int
}

// newSessionsSource builds the sessions source from its validated section.
func newSessionsSource(c config.SessionsSettings, env Env) Source {
	s := c.SIMs
	return NewSessions(SessionsOptions{
		Filter:        filterOf(s.Filters),
		TagLabels:     s.TagLabels,
		SeedMetric:    s.SeedMetric,
		Aggregate:     s.Metrics == config.MetricsAggregate,
		MaxSeries:     s.MaxSeries,
		SessionEvents: s.SessionEvents.Enabled,
		EventBudget:   s.SessionEvents.Budget,
		CellLocations: s.CellLocations.Enabled,
		CellBudget:    s.CellLocations.Budget,
		Logger:        env.Logger,
	})
}

// NewSessions returns the sessions source.
func NewSessions(opts SessionsOptions) *Sessions {
	labels := []string{"sim_id", "imsi", "msisdn", "name", "group_id", "group", "status", "speed_class", "subscription",
		"module_type", "sim_type", "operator_id", "coverage"}
	for _, t := range opts.TagLabels {
		labels = append(labels, exposition.TagLabelName(t))
	}
	d := config.Template().SIMs
	if opts.EventBudget <= 0 {
		opts.EventBudget = d.SessionEvents.Budget
	}
	if opts.CellBudget <= 0 {
		opts.CellBudget = d.CellLocations.Budget
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sessions{
		opts: opts,
		log:  log,
		famInfo: exposition.NewFamily("soracom_sim_info",
			"Inventory information about the SIM; always 1.", exposition.Gauge, labels...),
	}
}

// Name implements Source.
func (s *Sessions) Name() string { return SessionsName }

type fleetKey struct{ status, speedClass string }

// Poll implements Source: one listing, the group names, the
// session events of the SIMs that changed and, when enabled, the positions
// of cells not seen before. Each SIM of the listing is reduced to what the
// source keeps as soon as its page is decoded; only the SIMs whose lines
// changed are rendered again.
func (s *Sessions) Poll(ctx context.Context, t Target) (*poll.Result, error) {
	// The groups are listed alongside the SIMs: a poll lasts as long as
	// the longer of the two listings, not their sum.
	var (
		groups map[string]string
		gerr   error
		gdone  = make(chan struct{})
	)
	go func() {
		defer close(gdone)
		groups, gerr = listGroupNames(ctx, t.Client)
	}()
	st := s.state(t)
	st.mu.Lock()
	n := st.begin()
	st.mu.Unlock()
	var (
		l        listedSIM // reused: nothing of a decoded SIM outlives its turn
		operator string
	)
	take := func(sum *soracom.SimSummary, sim *soracom.Sim) {
		if !s.opts.Filter.Match(sum) {
			return
		}
		s.reduceSummary(&l, sum, sim)
		if operator == "" {
			operator = intern(l.operatorID)
		}
		st.mu.Lock()
		st.take(&l, n)
		st.mu.Unlock()
	}
	var err error
	if s.opts.Aggregate {
		// Only what the fleet-level series count is read of each SIM.
		err = t.Client.ListSimSummaries(ctx, func(sum *soracom.SimSummary) error {
			take(sum, nil)
			return nil
		})
	} else {
		err = t.Client.ListSims(ctx, func(sim *soracom.Sim) error {
			sim.Summarize(&l.sum)
			take(&l.sum, sim)
			return nil
		})
	}
	// The data is as of the end of the listing: its last page.
	listedAt := s.opts.Now()
	<-gdone
	if err != nil {
		// What the pages read so far said is kept (it is newer), but no
		// SIM is forgotten on the word of an incomplete listing.
		return nil, err
	}
	if gerr != nil && ctx.Err() != nil {
		return nil, gerr
	}

	st.mu.Lock()
	if gerr != nil {
		s.log.Warn("listing groups failed; keeping the group names of the previous poll", "account", t.Account,
			"coverage", string(t.Coverage), "err", gerr)
	} else {
		st.setGroups(groups)
	}
	st.sweep(n)
	st.listedAt = listedAt
	if id := t.Client.OperatorID(); id != "" {
		st.operator = id
	} else if operator != "" {
		st.operator = operator
	}
	st.mu.Unlock()

	s.readSessionEvents(ctx, t, st)
	if s.opts.CellLocations {
		s.locateCells(ctx, t, st)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if s.opts.CellLocations {
		s.relocate(st)
	}
	return s.renderLocked(st, t), nil
}

// listGroupNames reads every group once (GET /v1/groups): one call per
// poll, however many SIMs share a group.
func listGroupNames(ctx context.Context, c *soracom.Client) (map[string]string, error) {
	names := map[string]string{}
	err := c.ListGroups(ctx, func(g *soracom.Group) error {
		names[g.GroupID] = g.Name()
		return nil
	})
	return names, err
}

// SIMRef names a SIM by its ID, its IMSI or both.
type SIMRef struct {
	SimID string
	IMSI  string
}

// ErrNotListed is returned by Refresh when the target was not listed yet
// or the SIM is not one the exporter exports.
var ErrNotListed = errors.New("SIM not exported by this target")

// Knows reports whether the last listing of t had the SIM.
func (s *Sessions) Knows(t Target, ref SIMRef) bool {
	st := s.states.get(t, nil)
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.resolve(ref) != ""
}

func (st *targetState) resolve(ref SIMRef) string {
	if ref.SimID != "" && st.sims.get(ref.SimID) != nil {
		return ref.SimID
	}
	if ref.IMSI != "" {
		if rec := st.imsis.get(digitKey(ref.IMSI)); rec != nil {
			return rec.ID()
		}
	}
	return ""
}

// Refresh reads the given SIMs again (for each, GET /v1/subscribers/{imsi}
// when the IMSI is known, which also tells the visited network, then
// GET /v1/sims/{sim_id}) and renders the target's snapshot once with them
// replaced. The target must have been polled once. It fails only when no
// SIM could be refreshed; the errors of the others are joined.
func (s *Sessions) Refresh(ctx context.Context, t Target, refs ...SIMRef) (*poll.Result, error) {
	st := s.states.get(t, nil)
	if st == nil {
		return nil, ErrNotListed
	}
	type fetched struct {
		sim     *listedSIM
		visited *soracom.LocationRegistrationStatus
	}
	var got []fetched
	var errs []error
	for _, ref := range refs {
		sim, visited, err := s.fetchOne(ctx, t, st, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, fetched{s.listed(sim), visited})
	}
	if len(got) == 0 {
		return nil, errors.Join(errs...)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	for i := range got {
		f := &got[i]
		rec := st.sims.get(f.sim.id)
		first := rec == nil
		if first {
			// Kept until a complete listing does not have it.
			rec = st.pool.get()
			rec.listed = st.listing
			st.sims.add(f.sim, rec)
		}
		if first || f.sim.core.updated >= rec.core.updated {
			st.observe(rec, f.sim, first)
		}
		// The visited network is shown per SIM only.
		if d := rec.detail; d != nil && f.visited != nil && !reflect.DeepEqual(f.visited, d.visited) {
			d.visited = f.visited
			st.touch(rec)
		}
	}
	return s.renderLocked(st, t), errors.Join(errs...)
}

// fetchOne reads one SIM, without holding the target's lock.
func (s *Sessions) fetchOne(ctx context.Context, t Target, st *targetState, ref SIMRef) (*soracom.Sim, *soracom.LocationRegistrationStatus, error) {
	st.mu.Lock()
	simID := st.resolve(ref)
	st.mu.Unlock()
	if simID == "" {
		simID = ref.SimID
	}
	var visited *soracom.LocationRegistrationStatus
	if ref.IMSI != "" {
		sub, err := t.Client.GetSubscriber(ctx, ref.IMSI)
		if err != nil {
			return nil, nil, err
		}
		visited = sub.LocationRegistrationStatus
		// The subscriber names its SIM for sure; the IMSI index may
		// only have guessed (digitKey).
		if sub.SimID != "" {
			simID = sub.SimID
		}
	}
	if simID == "" {
		return nil, nil, ErrNotListed
	}
	sim, err := t.Client.GetSim(ctx, simID)
	if err != nil {
		return nil, nil, err
	}
	var sum soracom.SimSummary
	if sim.Summarize(&sum); !s.opts.Filter.Match(&sum) {
		return nil, nil, ErrNotListed
	}
	return sim, visited, nil
}

// renderLocked commits the target's per-SIM lines (rendering again only
// the SIMs marked since the last commit) and renders the fleet-level
// series, which are few, whole. Per-SIM series are kept apart from the
// fleet-level ones, so that they can be dropped as a whole when they exceed
// the cap.
func (s *Sessions) renderLocked(st *targetState, t Target) *poll.Result {
	var view *exposition.ObjectView
	series := 0
	if st.set != nil {
		view = st.set.Commit()
		series = view.Series()
	}
	fleet := exposition.NewBuilder()
	operatorID, cov := st.operator, string(t.Coverage)
	keys := slices.SortedFunc(maps.Keys(st.counts), func(a, b fleetKey) int {
		return cmp.Or(cmp.Compare(a.status, b.status), cmp.Compare(a.speedClass, b.speedClass))
	})
	for _, k := range keys {
		fleet.Add(famSims, float64(st.counts[k]), operatorID, cov, k.status, k.speedClass)
	}
	fleet.Add(famSimsOnline, float64(st.online), operatorID, cov)
	s.renderFleetCounters(fleet, st, operatorID, cov)

	drop := !s.opts.Aggregate && s.opts.MaxSeries > 0 && series > s.opts.MaxSeries
	if drop != st.capped {
		if drop {
			s.log.Warn("too many per-SIM series: dropping every per-SIM series of this target and keeping the fleet-level ones (raise sims.max_series, narrow sims.filters or use --sim.metrics=aggregate)",
				"account", t.Account, "coverage", cov, "series", series, "max_series", s.opts.MaxSeries)
		} else {
			s.log.Info("per-SIM series back under the cap; exporting them again", "account", t.Account, "coverage", cov,
				"series", series, "max_series", s.opts.MaxSeries)
		}
		st.capped = drop
	}
	fleet.Add(famPerSIMSeries, float64(series), operatorID, cov)
	fleet.Add(famPerSIMDropped, boolValue(drop || s.opts.Aggregate), operatorID, cov)

	res := &poll.Result{OperatorID: operatorID, Items: st.sims.len(), Families: fleet.Build(), ListedAt: st.listedAt}
	if !drop && view != nil && view.Objects() > 0 {
		res.Objects = view
	}
	return res
}

// sampleAdder is what renders samples: a Builder or an ObjectSet's writer.
type sampleAdder interface {
	Add(f *exposition.Family, value float64, values ...string)
}

// renderSIM writes one SIM's lines. They depend on the record, the target's
// group names and the cell positions known, and nothing else: a change to
// the record marks the SIM (touch), a change to the group names marks every
// SIM, a position learnt marks the SIMs in that cell (relocate).
func (s *Sessions) renderSIM(b sampleAdder, st *targetState, rec *simRecord) {
	d := rec.detail
	f := &d.f
	id, imsi, name := d.id, f.imsi, f.name
	b.Add(famSessionOnline, boolValue(f.online), id, imsi, name)

	info := make([]string, 0, len(s.famInfo.Labels))
	c := f.class.Value()
	info = append(info, id, imsi, f.msisdn, name, c.groupID, st.groups[c.groupID], c.status, c.speedClass,
		c.subscription, c.moduleType, c.simType, c.operatorID, string(st.coverage))
	info = append(info, d.tags...)
	b.Add(s.famInfo, 1, info...)

	if f.lastUpdatedAt > 0 {
		b.Add(famSessionUpdated, f.lastUpdatedAt.Seconds(), id, imsi, name)
	}
	if f.arcUpdatedAt > 0 {
		b.Add(famArcUpdated, f.arcUpdatedAt.Seconds(), id, imsi, name)
	}
	if f.previousEnd > 0 {
		b.Add(famPreviousEnd, f.previousEnd.Seconds(), id, imsi, name)
	}
	if f.locationUpdate > 0 {
		b.Add(famLocationUpdate, f.locationUpdate.Seconds(), id, imsi, name)
	}
	if f.expiry > 0 {
		b.Add(famExpiry, f.expiry.Seconds(), id, imsi, name)
	}
	d.located = false
	if f.online {
		b.Add(famSessionInfo, 1, sessionInfoLabels(d, visitedPLMN(d.visited))...)
		if s.opts.CellLocations {
			if pos := s.cells.position(&f.cell); pos != nil {
				b.Add(famLatitude, pos.Lat, id, imsi)
				b.Add(famLongitude, pos.Lon, id, imsi)
				d.located = true
			}
		}
	}
	renderVisited(b, d.visited, id, imsi)
	b.Add(famCellChanges, d.cellChanges, id, imsi)
	b.Add(famIMEIChanges, d.imeiChanges, id, imsi)
	if s.opts.SessionEvents {
		for k := range eventKinds {
			b.Add(famSessionEvents, d.events[k], id, imsi, eventLabels[k])
		}
	}
	if s.opts.SeedMetric {
		// The original script listed subscribers, so it had one series per
		// IMSI, online when that IMSI carries the session.
		for _, other := range d.seedIMSIs() {
			b.Add(famSeed, boolValue(f.online && other == imsi), other, name)
		}
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
