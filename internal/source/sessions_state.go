package source

import (
	"cmp"
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
// API's Sim: about two hundred bytes instead of the decoded listing's maps
// of profiles and tags. They are comparable, so a listing finds the SIMs
// that changed with ==; what many SIMs share (their class) is interned as
// one handle, so a fleet keeps one copy of it. A cell is not: the SIMs of a
// fleet on the move may be in as many cells as there are SIMs.
type simFields struct {
	imsi, msisdn, name string
	class              unique.Handle[simClass]
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

// simClass is what a SIM shares with many others: a fleet has a handful of
// groups, plans and statuses, so its SIMs keep one 8-byte handle each
// instead of seven strings (112 bytes).
type simClass struct {
	groupID, status, speedClass string
	subscription, moduleType    string
	simType, operatorID         string
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

// simCore is what both modes keep of a SIM's listing entry: what the
// fleet-level gauges count, what tells a session change, and the IMSI the
// webhook finds the SIM by (with online, which is kept beside it so that a
// record has no padding). It is comparable and holds no string.
type simCore struct {
	fleet   unique.Handle[fleetKey] // status and speed class, shared
	imsi    uint64                  // digitKey of the IMSI the SIM reports
	updated soracom.Millis          // sessionStatus.lastUpdatedAt
}

// listedSIM is one SIM of a listing or refresh, reduced to what the source
// keeps. A listing reuses one for every SIM: nothing in it is kept as is
// (the slices are copied when a record takes them), and the decoded Sim is
// garbage as soon as it is made.
type listedSIM struct {
	id     string
	key    packedID
	packed bool // id packs into key
	core   simCore
	online bool
	// cell and imei are the current session's (0: offline, or not sent),
	// compared with the last ones seen to count changes.
	cell, imei uint64
	// imsis are the digitKeys of every subscriber IMSI, sorted, when they
	// are not just core.imsi (empty for most SIMs).
	imsis      []uint64
	operatorID string
	sum        soracom.SimSummary // what reduce summarizes a Sim into

	// The rest only in per-SIM mode.
	f        simFields
	tags     []string // values of SessionsOptions.TagLabels, in order
	imsiStrs []string // the subscriber IMSIs, sorted, when not just f.imsi
}

// reduce fills l from a decoded Sim (a listing in per-SIM mode, a
// refresh).
func (s *Sessions) reduce(l *listedSIM, sim *soracom.Sim) {
	sim.Summarize(&l.sum)
	s.reduceSummary(l, &l.sum, sim)
}

// reduceSummary fills l from a SIM's summary and, in per-SIM mode, the Sim
// it was made of (nil in aggregate mode, whose listings are read into
// summaries only).
func (s *Sessions) reduceSummary(l *listedSIM, sum *soracom.SimSummary, sim *soracom.Sim) {
	online := sum.Online
	l.id = sum.SimID
	l.key, l.packed = packID(sum.SimID)
	l.core = simCore{fleet: unique.Make(fleetKey{sum.Status, sum.SpeedClass}), imsi: digitKey(sum.IMSI),
		updated: sum.LastUpdatedAt}
	l.online = online
	l.operatorID = sum.OperatorID
	l.cell, l.imei = 0, 0
	var cell cellID
	if online {
		cell = cellOf(sum.Cell)
		l.cell, l.imei = cellHash(&cell), digitKey(sum.IMEI)
	}
	// Each entry's own imsi field: the spec does not say what the
	// subscribers map is keyed by.
	l.imsis = l.imsis[:0]
	l.imsiStrs = l.imsiStrs[:0]
	for _, imsi := range sum.IMSIs() {
		l.imsis = append(l.imsis, digitKey(imsi))
		if !s.opts.Aggregate {
			l.imsiStrs = append(l.imsiStrs, imsi)
		}
	}
	l.imsis = soleOther(l.imsis, l.core.imsi)
	if s.opts.Aggregate {
		return
	}
	imsi, msisdn := sim.Identity()
	l.imsiStrs = soleOther(l.imsiStrs, imsi)
	l.f = simFields{
		imsi: imsi, msisdn: msisdn, name: sim.Name(),
		class: unique.Make(simClass{groupID: sim.GroupID, status: sim.Status, speedClass: sim.SpeedClass,
			subscription: subscriptionOf(sim, imsi), moduleType: sim.ModuleType, simType: sim.Type,
			operatorID: sim.OperatorID}),
		lastUpdatedAt: sum.LastUpdatedAt, locationUpdate: sim.LastLocationUpdateTime, expiry: sim.ExpiryTime,
	}
	if ps := sim.PreviousSession; ps != nil {
		l.f.previousEnd = ps.DeletedTime
	}
	if a := sim.ArcSessionStatus; a != nil {
		l.f.arcUpdatedAt = a.LastUpdatedAt
	}
	if online {
		ss := sim.SessionStatus
		l.f.online = true
		l.f.imei, l.f.ueIP, l.f.vpgID, l.f.cell = ss.IMEI, ss.UEIPAddress, intern(ss.VPGID), cell
	}
	l.tags = l.tags[:0]
	for _, tag := range s.opts.TagLabels {
		l.tags = append(l.tags, sim.Tags[tag])
	}
}

// soleOther sorts and dedupes a SIM's IMSIs, and empties them when they
// are only the one the SIM reports.
func soleOther[T cmp.Ordered](imsis []T, reported T) []T {
	slices.Sort(imsis)
	imsis = slices.Compact(imsis)
	if len(imsis) == 1 && imsis[0] == reported {
		return imsis[:0]
	}
	return imsis
}

// listed reduces a Sim on its own (a refresh, a test).
func (s *Sessions) listed(sim *soracom.Sim) *listedSIM {
	l := &listedSIM{}
	s.reduce(l, sim)
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
func (d *simDetail) seedIMSIs() []string {
	if d.imsis != nil {
		return d.imsis
	}
	if d.f.imsi == "" {
		return nil
	}
	return []string{d.f.imsi}
}

// simRecord is what the source remembers of one SIM between polls: what
// the fleet-level series and the webhook need in both modes (88 bytes, no
// string: a million SIMs fit in aggregate mode), and in per-SIM mode a
// detail with what its lines are rendered from and its counters. The
// rendered lines themselves live in the target's ObjectSet. Records are
// allocated in slabs (recordPool).
type simRecord struct {
	key    packedID   // the SIM ID, when it packs (else extra.id)
	extra  *simExtra  // what few SIMs have; nil for most
	detail *simDetail // per-SIM mode only
	core   simCore
	// cellSeen and imeiSeen are the last cell (cellHash) and IMEI
	// (digitKey) seen online, 0 for none yet.
	cellSeen, imeiSeen uint64
	// eventCursor is the time of the newest session event counted (or, for
	// a SIM first seen, its lastUpdatedAt then): reads start just after it,
	// so no event is counted twice.
	eventCursor soracom.Millis
	// listed is the number of the last listing that had the SIM.
	listed uint32
	online bool
	queued bool
	// gone records that the SIM was forgotten, for the event read queue.
	gone bool
}

// simExtra holds what only a few SIMs need.
type simExtra struct {
	id    string   // a SIM ID that is not digits
	imsis []uint64 // digitKeys of every subscriber IMSI, when not just core.imsi
}

func (r *simRecord) extraOf() *simExtra {
	if r.extra == nil {
		r.extra = &simExtra{}
	}
	return r.extra
}

func (r *simRecord) otherIMSIs() []uint64 {
	if r.extra == nil {
		return nil
	}
	return r.extra.imsis
}

// ID returns the SIM ID.
func (r *simRecord) ID() string {
	switch {
	case r.detail != nil:
		return r.detail.id
	case r.extra != nil && r.extra.id != "":
		return r.extra.id
	}
	return r.key.String()
}

// simDetail is what per-SIM mode keeps besides the core: the fields the
// SIM's lines show and its own counters.
type simDetail struct {
	id    string
	f     simFields
	tags  []string
	imsis []string

	cellChanges, imeiChanges float64
	events                   [eventKinds]float64
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
	// listing is the number of the listing under way, or of the last one:
	// every listing, complete or not, takes a new number.
	listing uint32
	sims    simRecords
	pool    recordPool
	// set holds the per-SIM lines, by SIM ID; nil in aggregate mode.
	set      *exposition.ObjectSet[*simRecord]
	imsis    imsiIndex         // every IMSI of a SIM (digitKey) → the SIM, for the webhook
	queue    []*simRecord      // SIMs waiting for a session event read, oldest first
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
		st = &targetState{coverage: t.Coverage, counts: map[fleetKey]int{}}
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

// A listing is merged SIM by SIM as its pages arrive: begin numbers it,
// take merges each SIM, and only once the listing is complete does sweep
// forget the SIMs it did not have. A listing that fails half way forgets
// nothing, and what it did read is newer than what it replaced.

// begin starts a listing and returns its number.
func (st *targetState) begin() uint32 {
	st.listing++
	return st.listing
}

// take merges one SIM of listing n. A SIM a webhook refreshed after the
// listing read it keeps the newer view.
func (st *targetState) take(l *listedSIM, n uint32) {
	rec := st.sims.get(l.id)
	first := rec == nil
	if first {
		rec = st.pool.get()
		st.sims.add(l, rec)
	}
	if rec.listed == n {
		return // listed twice (the API moved it between pages)
	}
	rec.listed = n
	if !first && l.core.updated < rec.core.updated {
		return
	}
	st.observe(rec, l, first)
}

// sweep ends listing n, complete: SIMs it did not have are forgotten, with
// their per-SIM counters and lines.
func (st *targetState) sweep(n uint32) {
	var forgotten []*simRecord
	for rec := range st.sims.all() {
		if rec.listed != n {
			st.forget(rec)
			forgotten = append(forgotten, rec)
		}
	}
	st.queue = slices.DeleteFunc(st.queue, func(rec *simRecord) bool { return rec.gone })
	st.pool.reuse(forgotten)
}

// forget drops a SIM that is gone, with everything kept for it.
func (st *targetState) forget(rec *simRecord) {
	st.count(rec, -1)
	st.unindex(rec)
	st.sims.remove(rec)
	rec.gone = true
	if st.set != nil {
		st.set.Delete(rec.ID())
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
		st.set.Put(rec.ID(), rec)
	}
}

// count adds d times the SIM to the fleet-level gauges.
func (st *targetState) count(rec *simRecord, d int) {
	k := rec.core.fleet.Value()
	if n := st.counts[k] + d; n > 0 {
		st.counts[k] = n
	} else {
		delete(st.counts, k)
	}
	if rec.online {
		st.online += d
	}
}

func (st *targetState) index(rec *simRecord) { st.imsis.add(rec) }

func (st *targetState) unindex(rec *simRecord) { st.imsis.remove(rec) }

// observe takes a new view of a SIM: it counts a cell or IMEI change
// against the last one seen, queues a session event read when the session
// changed (lastUpdatedAt moved, or online differs), and marks the SIM's
// lines to be rendered again when anything they show changed.
func (st *targetState) observe(rec *simRecord, l *listedSIM, first bool) {
	c := &l.core
	moved := l.online && (l.cell != 0 && l.cell != rec.cellSeen || l.imei != 0 && l.imei != rec.imeiSeen)
	d := rec.detail
	changed := first || moved || *c != rec.core || l.online != rec.online || !slices.Equal(l.imsis, rec.otherIMSIs()) ||
		(d != nil && (l.f != d.f || !slices.Equal(l.tags, d.tags) || !slices.Equal(l.imsiStrs, d.imsis)))
	if !changed {
		return // the counters below only move on a change
	}
	if st.set != nil && d == nil {
		d = &simDetail{id: l.id}
		rec.detail = d
	}
	if l.online {
		if l.cell != 0 {
			if rec.cellSeen != 0 && l.cell != rec.cellSeen {
				st.fleet.cellChanges++
				if d != nil {
					d.cellChanges++
				}
			}
			rec.cellSeen = l.cell
		}
		if l.imei != 0 {
			if rec.imeiSeen != 0 && l.imei != rec.imeiSeen {
				st.fleet.imeiChanges++
				if d != nil {
					d.imeiChanges++
				}
			}
			rec.imeiSeen = l.imei
		}
	}
	switch {
	case first:
		// Reading every SIM's history would make calls grow with the fleet:
		// a SIM first seen is counted from now on.
		rec.eventCursor = c.updated
	case c.updated > rec.core.updated || l.online != rec.online:
		if !rec.queued {
			rec.queued = true
			st.queue = append(st.queue, rec)
		}
	}
	if !first {
		st.count(rec, -1)
		st.unindex(rec)
	}
	rec.core, rec.online = *c, l.online
	// l is reused for the next SIM: slices are copied, and unchanged ones
	// keep their old copy.
	if !slices.Equal(l.imsis, rec.otherIMSIs()) {
		if len(l.imsis) > 0 || rec.extra != nil {
			rec.extraOf().imsis = cloneOrNil(l.imsis)
		}
		if rec.extra != nil && rec.extra.id == "" && len(rec.extra.imsis) == 0 {
			rec.extra = nil
		}
	}
	if d != nil {
		d.f = l.f
		if !slices.Equal(l.tags, d.tags) {
			d.tags = cloneOrNil(l.tags)
		}
		if !slices.Equal(l.imsiStrs, d.imsis) {
			d.imsis = cloneOrNil(l.imsiStrs)
		}
	}
	st.count(rec, 1)
	st.index(rec)
	st.touch(rec)
}

// cloneOrNil copies a slice of a reused listedSIM; empty is nil.
func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
