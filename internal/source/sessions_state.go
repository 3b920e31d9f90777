package source

import (
	"slices"
	"strings"
	"sync"
	"time"

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

// simRecord is what the source remembers of one SIM between polls: its
// latest view (from the listing or a webhook refresh), the baselines that
// changes are observed against, and its counters.
type simRecord struct {
	id  string
	sim *soracom.Sim
	// listed is the number of the last listing that had the SIM.
	listed uint64

	online        bool
	lastUpdatedAt soracom.Millis
	cell          string // key of the last cell seen online
	imei          string // last IMEI seen online

	cellChanges, imeiChanges float64
	// eventCursor is the time of the newest session event counted (or, for
	// a SIM first seen, its lastUpdatedAt then): reads start just after it,
	// so no event is counted twice.
	eventCursor soracom.Millis
	events      [eventKinds]float64
	queued      bool

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
	listings uint64
	sims     map[string]*simRecord
	order    []string          // SIM IDs in listing order
	imsis    map[string]string // every IMSI of a SIM → its ID, for the webhook
	queue    []string          // SIMs waiting for a session event read, oldest first
	groups   map[string]string // group ID → name
	operator string
	fleet    fleetCounters
	// listedAt is when the last complete listing ended: the age of the
	// data, webhook refreshes included.
	listedAt time.Time
	backlog  int  // SIMs whose event read was carried over to the next poll
	capped   bool // per-SIM series are being dropped
	// sizes are the bytes of each per-SIM family in the last render, to
	// size the next one.
	sizes map[*exposition.Family]int
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

func (s *states) get(t Target, create bool) *targetState {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := targetKey{t.Account, t.Coverage}
	st := s.m[k]
	if st == nil && create {
		if s.m == nil {
			s.m = map[targetKey]*targetState{}
		}
		st = &targetState{sims: map[string]*simRecord{}, imsis: map[string]string{}}
		s.m[k] = st
	}
	return st
}

// merge takes in a complete listing. A SIM a webhook refreshed after the
// listing was read keeps the newer view. SIMs no longer listed are
// forgotten, with their per-SIM counters.
func (st *targetState) merge(sims []*soracom.Sim) {
	st.listings++
	order := make([]string, 0, len(sims))
	for _, sim := range sims {
		rec := st.sims[sim.SimID]
		if rec == nil {
			rec = &simRecord{id: sim.SimID}
			st.sims[sim.SimID] = rec
		}
		if rec.listed == st.listings {
			continue // listed twice (the API moved it between pages)
		}
		rec.listed = st.listings
		order = append(order, sim.SimID)
		if rec.sim != nil && lastUpdated(sim) < rec.lastUpdatedAt {
			continue
		}
		st.observe(rec, sim)
	}
	for id, rec := range st.sims {
		if rec.listed != st.listings {
			delete(st.sims, id)
		}
	}
	st.order = order
	st.reindexIMSIs()
	st.queue = slices.DeleteFunc(st.queue, func(id string) bool { return st.sims[id] == nil })
}

func (st *targetState) reindexIMSIs() {
	clear(st.imsis)
	for id, rec := range st.sims {
		for sub := range rec.sim.Subscribers() {
			st.imsis[sub.IMSI] = id
		}
		if imsi, _ := rec.sim.Identity(); imsi != "" {
			st.imsis[imsi] = id
		}
	}
}

func lastUpdated(sim *soracom.Sim) soracom.Millis {
	if sim.SessionStatus == nil {
		return 0
	}
	return sim.SessionStatus.LastUpdatedAt
}

// observe takes a new view of a SIM: it counts a cell or IMEI change
// against the last one seen and queues a session event read when the
// session changed (lastUpdatedAt moved, or online differs).
func (st *targetState) observe(rec *simRecord, sim *soracom.Sim) {
	ss := sim.SessionStatus
	online := ss != nil && ss.Online
	upd := lastUpdated(sim)
	first := rec.sim == nil
	rec.sim = sim
	if online {
		if k := cellKey(ss.Cell); k != "" {
			if rec.cell != "" && k != rec.cell {
				rec.cellChanges++
				st.fleet.cellChanges++
			}
			rec.cell = k
		}
		if ss.IMEI != "" {
			if rec.imei != "" && ss.IMEI != rec.imei {
				rec.imeiChanges++
				st.fleet.imeiChanges++
			}
			rec.imei = ss.IMEI
		}
	}
	switch {
	case first:
		// Reading every SIM's history would make calls grow with the fleet:
		// a SIM first seen is counted from now on.
		rec.eventCursor = upd
	case upd > rec.lastUpdatedAt || online != rec.online:
		if !rec.queued {
			rec.queued = true
			st.queue = append(st.queue, rec.id)
		}
	}
	rec.online, rec.lastUpdatedAt = online, upd
}
