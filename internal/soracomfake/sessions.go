package soracomfake

import (
	"strconv"
	"strings"
	"time"
)

// Session behaviour of a simulated SIM, as mean durations. A constant
// probability per simulated minute (a Poisson process) means exponentially
// distributed times between changes, which is how they are drawn.
const (
	meanOnline   = 4 * time.Hour    // how long a session lasts
	meanOffline  = 30 * time.Minute // how long a device stays detached
	meanHandover = 45 * time.Minute // time between cell changes while online
	// minimum gap between two changes of one SIM, so the log stays ordered
	minGap = int64(time.Second / time.Millisecond)
)

func ms(d time.Duration) float64 { return float64(d / time.Millisecond) }

// initSessions gives a freshly generated SIM its state at the start time:
// online, offline after an earlier session, or never connected, and decides
// whether the clock moves it.
func (s *sim) initSessions(o *Options, now int64) {
	r := &s.rng
	switch s.status {
	case "active":
		if r.chance(0.1) {
			return // an active SIM whose device never attached
		}
		s.simulated = true
		switch {
		case r.chance(0.65):
			started := max(now-int64(r.exp(ms(meanOnline))), s.created+minGap)
			s.connect(o, started)
		case r.chance(0.8):
			s.pastSession(o, now)
		}
		s.scheduleNext(now)
	case "ready":
		// ready SIMs have not been used yet
	default:
		if r.chance(0.6) {
			s.pastSession(o, now)
		}
	}
}

// pastSession records one session that ended before now.
func (s *sim) pastSession(o *Options, now int64) {
	ended := max(now-int64(s.rng.exp(ms(meanOffline))), s.created+2*minGap)
	started := max(ended-int64(s.rng.exp(ms(meanOnline))), s.created+minGap)
	if started >= ended {
		started = ended - minGap
	}
	s.connect(o, started)
	s.disconnect(o, ended)
}

// scheduleNext draws the time of the SIM's next session change.
func (s *sim) scheduleNext(now int64) {
	var mean float64
	if s.online {
		mean = 1 / (1/ms(meanOnline) + 1/ms(meanHandover))
		if s.imei == "" {
			mean = ms(meanOnline) // virtual SIMs have no cells to hand over between
		}
	} else {
		mean = ms(meanOffline)
	}
	s.nextEvent = now + max(minGap, int64(s.rng.exp(mean)))
}

// step applies the SIM's scheduled change at time t and schedules the next.
func (s *sim) step(o *Options, t int64) {
	switch {
	case !s.online:
		s.connect(o, t)
	case s.imei == "" || s.rng.chance(ms(meanHandover)/(ms(meanHandover)+ms(meanOnline))):
		s.disconnect(o, t)
	default:
		s.handover(o, t)
	}
	s.scheduleNext(t)
}

// eventTime keeps a SIM's log strictly increasing.
func (s *sim) eventTime(t int64) int64 {
	if n := len(s.events); n > 0 && t <= s.events[n-1].time {
		return s.events[n-1].time + 1
	}
	return t
}

func (s *sim) connect(o *Options, t int64) {
	if s.online {
		return
	}
	t = s.eventTime(t)
	s.sessionSeq++
	s.current = session{seq: s.sessionSeq, created: t}
	if s.imei != "" {
		s.current.cell, s.current.hasCell = s.newCell(o), true
	}
	s.online = true
	s.touch(o, t, eventCreated, s.current)
}

func (s *sim) disconnect(o *Options, t int64) {
	if !s.online {
		return
	}
	t = s.eventTime(t)
	s.previous, s.hasPrevious = s.current, true
	s.previous.deleted = t
	s.online = false
	s.touch(o, t, eventDeleted, s.previous)
}

func (s *sim) handover(o *Options, t int64) {
	t = s.eventTime(t)
	s.current.cell = s.movedCell(o, s.current.cell)
	s.touch(o, t, eventModified, s.current)
}

// touch records a session change.
func (s *sim) touch(o *Options, t int64, kind eventKind, sess session) {
	s.lastUpdatedAt = t
	if s.hasLocationUpdate && kind != eventDeleted {
		s.lastLocationUpdate = t
	}
	if len(s.events) >= o.SessionEventsPerSIM {
		n := copy(s.events, s.events[len(s.events)-o.SessionEventsPerSIM+1:])
		s.events = s.events[:n]
	}
	s.events = append(s.events, sessionEvent{time: t, seq: sess.seq, kind: kind, hasCell: sess.hasCell, cell: sess.cell})
}

// newCell attaches the device somewhere on its network.
func (s *sim) newCell(o *Options) cell {
	r := &s.rng
	n := s.network
	radio := n.radios[r.intn(len(n.radios))]
	c := cell{radio: radioIndex(radio), area: int32(r.between(1, 0xFFFF))}
	if isLTEFamily(radio) {
		c.id = int32(r.between(1, 0xFFFFF))<<8 | int32(r.between(1, 255)) // eNB ID and cell: 28 bits
		c.lower = o.Quirks && radio == "LTE" && r.chance(0.3)
	} else {
		c.id = int32(r.between(1, 0xFFFF))
	}
	return c
}

// movedCell is a handover: a new cell of the same network, often in the
// same tracking/location area.
func (s *sim) movedCell(o *Options, c cell) cell {
	moved := s.newCell(o)
	if moved.radio == c.radio && s.rng.chance(0.7) {
		moved.area = c.area
	}
	return moved
}

// ueIP is the address a device gets in every session.
func (s *sim) ueIP() string {
	return "10." + strconv.Itoa(64+s.index>>16&63) + "." + strconv.Itoa(s.index>>8&255) + "." + strconv.Itoa(s.index&255)
}

// sessionID derives the ID of the SIM's session number seq.
func (s *sim) sessionID(seq uint32) string {
	r := newRNG(s.idSeed, uint64(seq))
	return uuidLike(&r)
}

func isLTEFamily(radio string) bool {
	switch strings.ToUpper(radio) {
	case "LTE", "LTE-M", "NB-IOT":
		return true
	}
	return false
}
