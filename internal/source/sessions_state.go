package source

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Session event kinds, in the order of their counters.
const (
	eventCreated = iota
	eventModified
	eventDeleted
	eventKinds
)

var eventLabels = [eventKinds]string{"created", "modified", "deleted"}

// eventIndex maps SessionEvent.event (Created, Modified, Deleted; case is
// not trusted, as the API has sent other enums in lower case) to a counter.
func eventIndex(event string) (int, bool) {
	for k, label := range eventLabels {
		if strings.EqualFold(event, label) {
			return k, true
		}
	}
	return 0, false
}

// simFields are what a SIM's lines are rendered from, taken out of the
// API's Sim: a few hundred bytes instead of the decoded listing's maps of
// profiles and tags. They are comparable, so a listing finds the SIMs that
// changed with ==; values shared by many SIMs (status, plan, group) are
// interned, so a fleet keeps one copy of each.
type simFields struct {
	imsi, msisdn, name string
	groupID, status    string
	speedClass         string
	subscription       string
	moduleType         string
	simType            string
	operatorID         string
	online             bool
	lastUpdatedAt      soracom.Millis
	arcUpdatedAt       soracom.Millis // arcSessionStatus.lastUpdatedAt (SORACOM Arc)
	previousEnd        soracom.Millis
	locationUpdate     soracom.Millis
	expiry             soracom.Millis
	// The current session; zero when offline.
	imei, ueIP, vpgID string
	cell              cellID
}

// cellID is a session's cell without pointers: has says which of the
// optional integers the API sent (0 is a valid MNC or LAC).
type cellID struct {
	has                         uint8
	radio                       string // normalised (NormalizedRadioType)
	mcc, mnc, tac, eci, lac, ci int64
}

// Bits of cellID.has.
const (
	cellPresent uint8 = 1 << iota
	hasMCC
	hasMNC
	hasTAC
	hasECI
	hasLAC
	hasCI
)

func cellOf(c *soracom.Cell) cellID {
	if c == nil {
		return cellID{}
	}
	id := cellID{has: cellPresent, radio: intern(c.NormalizedRadioType())}
	for _, f := range []struct {
		bit uint8
		p   *int64
		v   *int64
	}{{hasMCC, c.MCC, &id.mcc}, {hasMNC, c.MNC, &id.mnc}, {hasTAC, c.TAC, &id.tac}, {hasECI, c.ECI, &id.eci},
		{hasLAC, c.LAC, &id.lac}, {hasCI, c.CI, &id.ci}} {
		if f.p != nil {
			id.has |= f.bit
			*f.v = *f.p
		}
	}
	return id
}

// get returns one of the optional integers, nil when absent. The pointer
// points into c.
func (c *cellID) get(bit uint8) *int64 {
	if c.has&bit == 0 {
		return nil
	}
	switch bit {
	case hasMCC:
		return &c.mcc
	case hasMNC:
		return &c.mnc
	case hasTAC:
		return &c.tac
	case hasECI:
		return &c.eci
	case hasLAC:
		return &c.lac
	default:
		return &c.ci
	}
}

// intern returns the one shared copy of a value many SIMs have.
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// listedSIM is one SIM of a listing or refresh, reduced to what the source
// keeps: the decoded Sim is garbage as soon as this is made.
type listedSIM struct {
	id   string
	f    simFields
	tags []string // values of SessionsOptions.TagLabels, in order
	// imsis are the SIM's subscriber IMSIs, sorted, when they are not
	// just the one in f.imsi (nil for most SIMs).
	imsis []string
}

// listed reduces a Sim to what the source keeps.
func (s *Sessions) listed(sim *soracom.Sim) listedSIM {
	imsi, msisdn := sim.Identity()
	l := listedSIM{id: sim.SimID, f: simFields{
		imsi: imsi, msisdn: msisdn, name: sim.Name(),
		groupID: intern(sim.GroupID), status: intern(sim.Status), speedClass: intern(sim.SpeedClass),
		subscription: intern(subscriptionOf(sim, imsi)), moduleType: intern(sim.ModuleType), simType: intern(sim.Type),
		operatorID: intern(sim.OperatorID), lastUpdatedAt: lastUpdated(sim),
		locationUpdate: sim.LastLocationUpdateTime, expiry: sim.ExpiryTime,
	}}
	if ps := sim.PreviousSession; ps != nil {
		l.f.previousEnd = ps.DeletedTime
	}
	if a := sim.ArcSessionStatus; a != nil {
		l.f.arcUpdatedAt = a.LastUpdatedAt
	}
	if ss := sim.SessionStatus; ss != nil && ss.Online {
		l.f.online = true
		l.f.imei, l.f.ueIP, l.f.vpgID, l.f.cell = ss.IMEI, ss.UEIPAddress, intern(ss.VPGID), cellOf(ss.Cell)
	}
	if len(s.opts.TagLabels) > 0 {
		l.tags = make([]string, len(s.opts.TagLabels))
		for i, tag := range s.opts.TagLabels {
			l.tags[i] = sim.Tags[tag]
		}
	}
	// Each entry's own imsi field: the spec does not say what the
	// subscribers map is keyed by.
	var imsis []string
	for sub := range sim.Subscribers() {
		imsis = append(imsis, sub.IMSI)
	}
	slices.Sort(imsis)
	imsis = slices.Compact(imsis)
	if len(imsis) > 0 && !(len(imsis) == 1 && imsis[0] == imsi) {
		l.imsis = imsis
	}
	return l
}

// subscriptionOf is Sim.Subscription for an identity already worked out.
func subscriptionOf(sim *soracom.Sim, imsi string) string {
	for sub := range sim.Subscribers() {
		if sub.IMSI == imsi {
			return sub.Subscription
		}
	}
	if sim.SessionStatus != nil {
		return sim.SessionStatus.Subscription
	}
	return ""
}

// seedIMSIs are the IMSIs of the compatibility metric: every subscriber
// IMSI, or the SIM's IMSI when the listing named none.
func (r *simRecord) seedIMSIs() []string {
	if r.imsis != nil {
		return r.imsis
	}
	if r.f.imsi == "" {
		return nil
	}
	return []string{r.f.imsi}
}

// simRecord is what the source remembers of one SIM between polls: what its
// lines are rendered from, the baselines that changes are observed against,
// and its counters. The rendered lines themselves live in the target's
// ObjectSet.
type simRecord struct {
	id    string
	f     simFields
	tags  []string
	imsis []string
	// listed is the number of the last listing that had the SIM.
	listed uint64

	cell cellID // last cell seen online (has == 0: none yet)
	imei string // last IMEI seen online

	cellChanges, imeiChanges float64
	// eventCursor is the time of the newest session event counted (or, for
	// a SIM first seen, its lastUpdatedAt then): reads start just after it,
	// so no event is counted twice.
	eventCursor soracom.Millis
	events      [eventKinds]float64
	queued      bool
	// located records that the SIM's lines were rendered with a cell
	// position, so that a position learnt later renders them again.
	located bool

	// visited is the subscriber's locationRegistrationStatus, known only
	// after a subscriber lookup (the Sim schema has no such field).
	visited *soracom.LocationRegistrationStatus
}

// fleetCounters are the fleet-level counters of a target; they survive SIMs
// leaving the listing, so they only ever grow.
type fleetCounters struct {
	events                   [eventKinds]float64
	cellChanges, imeiChanges float64
	deferredReads            float64
}

// targetState is the source's memory for one account and coverage.
type targetState struct {
	mu       sync.Mutex
	coverage soracom.Coverage
	listings uint64
	sims     map[string]*simRecord
	// set holds the per-SIM lines, by SIM ID; nil in aggregate mode.
	set      *exposition.ObjectSet[*simRecord]
	imsis    map[string]string // every IMSI of a SIM → its ID, for the webhook
	queue    []string          // SIMs waiting for a session event read, oldest first
	groups   map[string]string // group ID → name
	operator string
	fleet    fleetCounters
	// counts and online are the fleet-level gauges, kept up to date as SIMs
	// change so that a refresh of one SIM does not walk the fleet.
	counts map[fleetKey]int
	online int
	// listedAt is when the last complete listing ended: the age of the
	// data, webhook refreshes included.
	listedAt time.Time
	backlog  int  // SIMs whose event read was carried over to the next poll
	capped   bool // per-SIM series are being dropped
	// cellsPending counts cells in use not looked up yet.
	cellsPending int
}

type targetKey struct {
	account  string
	coverage soracom.Coverage
}

// states holds the per-target memory of a source.
type states struct {
	mu sync.Mutex
	m  map[targetKey]*targetState
}

func (s *states) get(t Target, create func(*targetState)) *targetState {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := targetKey{t.Account, t.Coverage}
	st := s.m[k]
	if st == nil && create != nil {
		if s.m == nil {
			s.m = map[targetKey]*targetState{}
		}
		st = &targetState{coverage: t.Coverage, sims: map[string]*simRecord{}, imsis: map[string]string{},
			counts: map[fleetKey]int{}}
		create(st)
		s.m[k] = st
	}
	return st
}

// state returns the target's memory, made on first use with its ObjectSet.
func (s *Sessions) state(t Target) *targetState {
	return s.states.get(t, func(st *targetState) {
		if !s.opts.Aggregate {
			st.set = exposition.NewObjectSet(s.chunkSize, func(w *exposition.SampleWriter, rec *simRecord) {
				s.renderSIM(w, st, rec)
			})
		}
	})
}

// merge takes in a complete listing. A SIM a webhook refreshed after the
// listing was read keeps the newer view. SIMs no longer listed are
// forgotten, with their per-SIM counters and lines.
func (st *targetState) merge(listing []listedSIM) {
	st.listings++
	for i := range listing {
		l := &listing[i]
		rec := st.sims[l.id]
		first := rec == nil
		if first {
			rec = &simRecord{id: l.id}
			st.sims[l.id] = rec
		}
		if rec.listed == st.listings {
			continue // listed twice (the API moved it between pages)
		}
		rec.listed = st.listings
		if !first && l.f.lastUpdatedAt < rec.f.lastUpdatedAt {
			continue
		}
		st.observe(rec, l, first)
	}
	for _, rec := range st.sims {
		if rec.listed != st.listings {
			st.forget(rec)
		}
	}
	st.queue = slices.DeleteFunc(st.queue, func(id string) bool { return st.sims[id] == nil })
}

// forget drops a SIM that is gone, with everything kept for it.
func (st *targetState) forget(rec *simRecord) {
	st.count(rec, -1)
	st.unindex(rec)
	delete(st.sims, rec.id)
	if st.set != nil {
		st.set.Delete(rec.id)
	}
}

// setGroups replaces the group names; every SIM's lines carry its group's
// name, so a change renders them all again.
func (st *targetState) setGroups(groups map[string]string) {
	if st.groups != nil && maps.Equal(st.groups, groups) {
		return
	}
	st.groups = groups
	if st.set != nil {
		st.set.InvalidateAll()
	}
}

// touch marks the SIM's lines to be rendered again at the next commit.
func (st *targetState) touch(rec *simRecord) {
	if st.set != nil {
		st.set.Put(rec.id, rec)
	}
}

// count adds d times the SIM to the fleet-level gauges.
func (st *targetState) count(rec *simRecord, d int) {
	k := fleetKey{rec.f.status, rec.f.speedClass}
	if n := st.counts[k] + d; n > 0 {
		st.counts[k] = n
	} else {
		delete(st.counts, k)
	}
	if rec.f.online {
		st.online += d
	}
}

func (st *targetState) index(rec *simRecord) {
	for _, imsi := range rec.imsis {
		st.imsis[imsi] = rec.id
	}
	if rec.f.imsi != "" {
		st.imsis[rec.f.imsi] = rec.id
	}
}

func (st *targetState) unindex(rec *simRecord) {
	for _, imsi := range rec.imsis {
		if st.imsis[imsi] == rec.id {
			delete(st.imsis, imsi)
		}
	}
	if st.imsis[rec.f.imsi] == rec.id {
		delete(st.imsis, rec.f.imsi)
	}
}

func lastUpdated(sim *soracom.Sim) soracom.Millis {
	if sim.SessionStatus == nil {
		return 0
	}
	return sim.SessionStatus.LastUpdatedAt
}

// observe takes a new view of a SIM: it counts a cell or IMEI change
// against the last one seen, queues a session event read when the session
// changed (lastUpdatedAt moved, or online differs), and marks the SIM's
// lines to be rendered again when anything they show changed.
func (st *targetState) observe(rec *simRecord, l *listedSIM, first bool) {
	f := &l.f
	changed := first || *f != rec.f || !slices.Equal(l.tags, rec.tags) || !slices.Equal(l.imsis, rec.imsis)
	if !changed {
		return // the counters below only move on a change
	}
	if f.online {
		if f.cell.has != 0 {
			if rec.cell.has != 0 && f.cell != rec.cell {
				rec.cellChanges++
				st.fleet.cellChanges++
			}
			rec.cell = f.cell
		}
		if f.imei != "" {
			if rec.imei != "" && f.imei != rec.imei {
				rec.imeiChanges++
				st.fleet.imeiChanges++
			}
			rec.imei = f.imei
		}
	}
	switch {
	case first:
		// Reading every SIM's history would make calls grow with the fleet:
		// a SIM first seen is counted from now on.
		rec.eventCursor = f.lastUpdatedAt
	case f.lastUpdatedAt > rec.f.lastUpdatedAt || f.online != rec.f.online:
		if !rec.queued {
			rec.queued = true
			st.queue = append(st.queue, rec.id)
		}
	}
	if !first {
		st.count(rec, -1)
		st.unindex(rec)
	}
	rec.f = *f
	// Unchanged slices keep their old copy: the listing's is garbage.
	if !slices.Equal(l.tags, rec.tags) {
		rec.tags = l.tags
	}
	if !slices.Equal(l.imsis, rec.imsis) {
		rec.imsis = l.imsis
	}
	st.count(rec, 1)
	st.index(rec)
	st.touch(rec)
}
