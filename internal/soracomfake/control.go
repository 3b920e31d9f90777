package soracomfake

import (
	"container/heap"
	"fmt"
	"time"
)

// SIMState is the fake's truth about one SIM, for assertions.
type SIMState struct {
	SIMID        string            `json:"simId"`
	Coverage     string            `json:"coverage"`
	Status       string            `json:"status"`
	Type         string            `json:"type"`
	ModuleType   string            `json:"moduleType"`
	SpeedClass   string            `json:"speedClass"`
	Subscription string            `json:"subscription"` // of the active profile's primary IMSI
	IMSI         string            `json:"imsi"`         // active profile's primary IMSI
	MSISDN       string            `json:"msisdn,omitempty"`
	IMSIs        []string          `json:"imsis"`
	ICCIDs       []string          `json:"iccids"`
	Name         string            `json:"name"`
	Tags         map[string]string `json:"tags"`
	GroupID      string            `json:"groupId,omitempty"`
	GroupName    string            `json:"groupName,omitempty"`
	IMEI         string            `json:"imei,omitempty"`
	Online       bool              `json:"online"`
	// EverConnected is false for a SIM that never had a session, which the
	// API shows without sessionStatus and previousSession.
	EverConnected bool  `json:"everConnected"`
	Cell          *Cell `json:"cell,omitempty"` // when online
	// LastUpdatedAt is sessionStatus.lastUpdatedAt in ms, 0 if never connected.
	LastUpdatedAt int64 `json:"lastUpdatedAt"`
	SessionEvents int   `json:"sessionEvents"`
}

// Cell is where a device is attached, as the Cell schema reports it.
type Cell struct {
	RadioType string `json:"radioType"`
	MCC       int    `json:"mcc"`
	MNC       int    `json:"mnc"`
	TAC       int    `json:"tac,omitempty"`
	ECI       int    `json:"eci,omitempty"`
	LAC       int    `json:"lac,omitempty"`
	CI        int    `json:"ci,omitempty"`
}

// SessionEvent is one entry of a SIM's session log.
type SessionEvent struct {
	Time      int64  `json:"time"`  // ms
	Event     string `json:"event"` // Created, Modified or Deleted
	IMSI      string `json:"imsi"`
	IMEI      string `json:"imei,omitempty"`
	SessionID string `json:"sessionId"`
	Cell      *Cell  `json:"cell,omitempty"`
}

func (s *sim) publicCell(c cell) *Cell {
	v := s.cellView(c)
	return &Cell{RadioType: v.RadioType, MCC: int(v.MCC), MNC: int(v.MNC), TAC: int(v.TAC), ECI: int(v.ECI), LAC: int(v.LAC), CI: int(v.CI)}
}

func (s *sim) state(fl *fleet) SIMState {
	p := s.primary()
	st := SIMState{
		SIMID: s.id, Coverage: s.coverage, Status: s.status, Type: s.simType, ModuleType: s.moduleType,
		SpeedClass: s.speedClass, Subscription: p.plan.name, IMSI: p.imsi, MSISDN: p.msisdn,
		IMSIs: s.collect(func(_ *profile, sub *subscription) string { return sub.imsi }),
		Name:  s.name(), Tags: s.tags.asMap(), GroupID: s.groupID, IMEI: s.imei, Online: s.online,
		EverConnected: s.lastUpdatedAt != 0, LastUpdatedAt: s.lastUpdatedAt, SessionEvents: len(s.events),
	}
	for _, prof := range s.profiles {
		st.ICCIDs = append(st.ICCIDs, prof.iccid)
	}
	if g := fl.groupsBy[s.groupID]; g != nil {
		st.GroupName = g.name
	}
	if s.online && s.current.hasCell {
		st.Cell = s.publicCell(s.current.cell)
	}
	return st
}

// find looks a SIM up on every coverage. Callers hold f.mu.
func (f *Fake) find(simID string) (*sim, *fleet) {
	for _, cov := range f.opts.Coverages {
		if s, ok := f.fleets[cov].byID[simID]; ok {
			return s, f.fleets[cov]
		}
	}
	return nil, nil
}

// SIMs returns the truth about every SIM of a coverage, by SIM ID.
func (f *Fake) SIMs(coverage string) []SIMState {
	f.mu.RLock()
	defer f.mu.RUnlock()
	fl := f.fleet(coverage)
	out := make([]SIMState, len(fl.sims))
	for i, s := range fl.sims {
		out[i] = s.state(fl)
	}
	return out
}

// SIM returns the truth about one SIM of any coverage.
func (f *Fake) SIM(simID string) (SIMState, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, fl := f.find(simID)
	if s == nil {
		return SIMState{}, false
	}
	return s.state(fl), true
}

// SimIDs returns the SIM IDs of a coverage in listing order.
func (f *Fake) SimIDs(coverage string) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	fl := f.fleet(coverage)
	out := make([]string, len(fl.sims))
	for i, s := range fl.sims {
		out[i] = s.id
	}
	return out
}

// SimCount returns the number of SIMs of a coverage.
func (f *Fake) SimCount(coverage string) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.fleet(coverage).sims)
}

// OnlineCount returns the number of SIMs of a coverage with a session now.
func (f *Fake) OnlineCount(coverage string) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := 0
	for _, s := range f.fleet(coverage).sims {
		if s.online {
			n++
		}
	}
	return n
}

// SessionEvents returns a SIM's session log, oldest first.
func (f *Fake) SessionEvents(simID string) ([]SessionEvent, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, _ := f.find(simID)
	if s == nil {
		return nil, fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	out := make([]SessionEvent, len(s.events))
	for i, e := range s.events {
		out[i] = SessionEvent{Time: e.time, Event: e.kind.String(), IMSI: s.primary().imsi, IMEI: s.imei, SessionID: s.sessionID(e.seq)}
		if e.hasCell {
			out[i].Cell = s.publicCell(e.cell)
		}
	}
	return out, nil
}

// SetOnline opens (online) or closes a session of the SIM now, on the fake
// clock, like a device attaching or detaching; it is a no-op when the SIM
// is already in that state. A SIM the clock moves keeps moving afterwards,
// from the new state.
func (f *Fake) SetOnline(simID string, online bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _ := f.find(simID)
	if s == nil {
		return fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	if s.online == online {
		return nil
	}
	if online {
		s.connect(&f.opts, f.now)
	} else {
		s.disconnect(&f.opts, f.now)
	}
	if s.simulated {
		s.scheduleNext(f.now)
		heap.Fix(&f.sched, s.heapIndex)
	}
	return nil
}

// AdvanceTo moves the fake clock forward to t; earlier times do nothing.
func (f *Fake) AdvanceTo(t time.Time) { f.Advance(t.Sub(f.Now())) }
