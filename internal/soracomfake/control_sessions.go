package soracomfake

import (
	"container/heap"
	"fmt"
)

// Session controls beyond SetOnline, for tests of change counters.

// Handover moves an online SIM's session to another cell now, on the fake
// clock, as a device moving does (a Modified session event). It fails for
// an offline SIM or one without cells (virtual SIMs).
func (f *Fake) Handover(simID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _ := f.find(simID)
	if s == nil {
		return fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	if !s.online || !s.current.hasCell {
		return fmt.Errorf("soracomfake: SIM %q has no cell to hand over from", simID)
	}
	s.handover(&f.opts, f.now)
	f.reschedule(s)
	return nil
}

// SetIMEI puts the SIM into another device: sessions opened from now on
// carry imei. Like a real swap, the current session (if any) is closed and
// a new one opened with the new device.
func (f *Fake) SetIMEI(simID, imei string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _ := f.find(simID)
	if s == nil {
		return fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	if s.imei == "" {
		return fmt.Errorf("soracomfake: SIM %q is virtual and has no device", simID)
	}
	wasOnline := s.online
	s.disconnect(&f.opts, f.now)
	s.imei = imei
	if wasOnline {
		s.connect(&f.opts, f.now)
	}
	f.reschedule(s)
	return nil
}

func (f *Fake) reschedule(s *sim) {
	if s.simulated {
		s.scheduleNext(f.now)
		heap.Fix(&f.sched, s.heapIndex)
	}
}
