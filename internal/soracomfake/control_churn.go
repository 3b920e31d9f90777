package soracomfake

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
)

// Churn: a fleet changes over months. SIMs are registered, terminated and,
// some time after termination, no longer listed. These controls change the
// fleet the way an operator's day does, on the fake clock.

// AddSIMs registers n new SIMs on a coverage, generated from the seed like
// the first ones (SIM i of a coverage is the same whatever the order of
// calls), and returns their IDs. Their sessions move with the clock.
func (f *Fake) AddSIMs(coverage string, n int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.fleets[coverage]
	if !ok {
		return nil, fmt.Errorf("soracomfake: coverage %q is not served", coverage)
	}
	if fl.issued+n > maxSIMsPerCoverage {
		return nil, fmt.Errorf("soracomfake: at most %d SIMs per coverage", maxSIMsPerCoverage)
	}
	ids := make([]string, 0, n)
	for range n {
		s := generateSIM(&f.opts, catalogs[coverage], coverage, fl.issued, fl.groups, f.now)
		fl.issued++
		s.initSessions(&f.opts, f.now)
		if s.simulated {
			heap.Push(&f.sched, s)
		}
		fl.insert(s)
		ids = append(ids, s.id)
	}
	return ids, nil
}

// SetStatus changes a SIM's status ("terminated", "suspended", ...), as the
// console does.
func (f *Fake) SetStatus(simID, status string) error {
	if !slices.Contains(simStatuses, status) {
		return fmt.Errorf("soracomfake: unknown SIM status %q (want one of %v)", status, simStatuses)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _ := f.find(simID)
	if s == nil {
		return fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	s.status = status
	s.modified = f.now
	return nil
}

// RemoveSIM makes a SIM disappear from the API, as a terminated SIM does
// after a while: it is no longer listed, and reading it is a 404.
func (f *Fake) RemoveSIM(simID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, fl := f.find(simID)
	if s == nil {
		return fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	if s.heapIndex >= 0 {
		heap.Remove(&f.sched, s.heapIndex)
	}
	fl.remove(s)
	return nil
}

// insert adds a SIM to the fleet's sorted lists and indexes.
func (fl *fleet) insert(s *sim) {
	i, _ := slices.BinarySearchFunc(fl.sims, s.id, func(x *sim, id string) int { return strings.Compare(x.id, id) })
	fl.sims = slices.Insert(fl.sims, i, s)
	fl.byID[s.id] = s
	for p := range s.profiles {
		for k := range s.profiles[p].subs {
			ref := subRef{imsi: s.profiles[p].subs[k].imsi, sim: s, profile: p, sub: k}
			j, _ := slices.BinarySearchFunc(fl.subs, ref.imsi, func(x subRef, imsi string) int { return strings.Compare(x.imsi, imsi) })
			fl.subs = slices.Insert(fl.subs, j, ref)
			fl.byIMSI[ref.imsi] = ref
		}
	}
}

// remove takes a SIM out of the fleet's lists and indexes.
func (fl *fleet) remove(s *sim) {
	fl.sims = slices.DeleteFunc(fl.sims, func(x *sim) bool { return x == s })
	delete(fl.byID, s.id)
	fl.subs = slices.DeleteFunc(fl.subs, func(r subRef) bool { return r.sim == s })
	for p := range s.profiles {
		for k := range s.profiles[p].subs {
			delete(fl.byIMSI, s.profiles[p].subs[k].imsi)
		}
	}
}
