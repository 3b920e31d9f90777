package source

import (
	"context"
	"net/http"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// The per-SIM path of the air source (mode per_sim): GET
// /v1/stats/air/sims/{sim_id}, about 5-minute buckets (period=minutes).
// SORACOM documents at most 3 days per period=minutes request (and 92 days
// per period=day one), so no minutes request here spans more than
// maxMinutesSpan: a SIM read for the first time in a month costs two calls,
// whole days (period=day) up to the day before the late window, then
// minute buckets from there. Later polls ask only for the buckets not
// settled yet: one call, unless the SIM was last read more than 3 days
// ago (a large fleet read round robin), when the days in between are
// settled with period=day first.

// maxMinutesSpan is the longest span of one period=minutes request.
const maxMinutesSpan = 72 * time.Hour

// minuteLedger adds up one SIM's usage of the month. Everything that
// started before settledBefore is summed in settled and never asked for
// again; newer buckets are asked for again each poll and keep their largest
// value, since SORACOM may still add late traffic to them.
type minuteLedger struct {
	settledBefore time.Time
	settled       soracom.DataTrafficStats
	recent        map[int64]soracom.DataTrafficStats // by bucket start (s)
}

// lateWindow is how long a bucket may still grow after it is first seen.
const lateWindow = 30 * time.Minute

// pollPerSIM reads SIMs until PerSIMMaxCalls calls are spent, continuing
// the round where the previous poll stopped. SIMs not reached keep their
// previous value.
func (a *Air) pollPerSIM(ctx context.Context, t Target, idx *simIndex, now, month time.Time) (map[string]soracom.DataTrafficStats, error) {
	fresh := map[string]soracom.DataTrafficStats{}
	budget := a.opts.PerSIMMaxCalls
	for n := 0; n < len(idx.sims) && budget > 0; n++ {
		a.mu.Lock()
		st := a.stateFor(t, month)
		ref := idx.sims[st.cursor%len(idx.sims)]
		l := st.ledger[ref.simID]
		a.mu.Unlock()
		if ref.imsi == "" {
			a.advanceCursor(t, month, len(idx.sims))
			continue
		}
		dayCall := l == nil && settleCut(now).After(month)
		catchUp := 0
		if l != nil {
			catchUp = l.catchUpCalls(now)
		}
		if (dayCall && budget < 2) || budget < 1+catchUp {
			break // this read needs several calls: leave it to the next poll
		}
		var err error
		switch {
		case l == nil:
			l, err = a.firstRead(ctx, t, ref.simID, now, month)
			if dayCall {
				budget--
			}
			if err == nil {
				a.mu.Lock()
				a.stateFor(t, month).ledger[ref.simID] = l
				a.mu.Unlock()
			}
		case catchUp > 0:
			err = a.catchUp(ctx, t, ref.simID, l, now)
			budget -= catchUp
		}
		var buckets []soracom.AirStats
		if err == nil {
			buckets, err = t.Client.GetAirStatsOfSim(ctx, ref.simID, l.settledBefore, now, soracom.PeriodMinutes)
			budget--
		}
		a.advanceCursor(t, month, len(idx.sims))
		if soracom.IsStatus(err, http.StatusNotFound) {
			continue // the SIM went away since the listing
		}
		if err != nil {
			return nil, err
		}
		a.mu.Lock()
		fresh[ref.imsi] = l.update(buckets, now)
		a.mu.Unlock()
	}
	return fresh, nil
}

func (a *Air) advanceCursor(t Target, month time.Time, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.stateFor(t, month)
	st.cursor = (st.cursor + 1) % n
}

// firstRead settles the whole days of the month that ended before the late
// window with one period=day call.
func (a *Air) firstRead(ctx context.Context, t Target, simID string, now, month time.Time) (*minuteLedger, error) {
	l := &minuteLedger{settledBefore: month, recent: map[int64]soracom.DataTrafficStats{}}
	cut := settleCut(now)
	if !cut.After(month) {
		return l, nil
	}
	days, err := t.Client.GetAirStatsOfSim(ctx, simID, month, cut.Add(-time.Second), soracom.PeriodDay)
	if err != nil {
		return nil, err
	}
	for i := range days {
		if s := days[i].Start(); !s.Before(month) && s.Before(cut) {
			l.settled = l.settled.Add(days[i].Total())
		}
	}
	l.settledBefore = cut
	return l, nil
}

// catchUpCalls is the number of calls catchUp makes before the minutes
// since the ledger's last settlement can be asked for in one request: 0
// when they span at most maxMinutesSpan.
func (l *minuteLedger) catchUpCalls(now time.Time) int {
	if now.Sub(l.settledBefore) <= maxMinutesSpan {
		return 0
	}
	if l.settledBefore.Equal(l.settledBefore.Truncate(24 * time.Hour)) {
		return 1 // settled up to a midnight: the days only
	}
	return 2
}

// catchUp settles a ledger last settled more than maxMinutesSpan ago: the
// minutes to the end of that day, then whole days up to the day before the
// late window (period=day), so that the minutes left span at most a day.
// The ledger is changed only when both calls succeed.
func (a *Air) catchUp(ctx context.Context, t Target, simID string, l *minuteLedger, now time.Time) error {
	from := l.settledBefore
	midnight := from.Truncate(24 * time.Hour)
	if midnight.Before(from) {
		midnight = midnight.Add(24 * time.Hour)
	}
	var minutes []soracom.AirStats
	if midnight.After(from) {
		var err error
		if minutes, err = t.Client.GetAirStatsOfSim(ctx, simID, from, midnight.Add(-time.Second), soracom.PeriodMinutes); err != nil {
			return err
		}
	}
	cut := settleCut(now)
	days, err := t.Client.GetAirStatsOfSim(ctx, simID, midnight, cut.Add(-time.Second), soracom.PeriodDay)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range minutes {
		if s := minutes[i].Start(); !s.Before(from) && s.Before(midnight) {
			k := s.Unix()
			l.recent[k] = maxUsage(l.recent[k], minutes[i].Total())
		}
	}
	for k, u := range l.recent {
		switch s := time.Unix(k, 0); {
		case s.Before(midnight):
			l.settled = l.settled.Add(u)
			delete(l.recent, k)
		case s.Before(cut):
			delete(l.recent, k) // counted in its day below
		}
	}
	for i := range days {
		if s := days[i].Start(); !s.Before(midnight) && s.Before(cut) {
			l.settled = l.settled.Add(days[i].Total())
		}
	}
	l.settledBefore = cut
	return nil
}

// settleCut is the start of the UTC day before which whole days are final.
func settleCut(now time.Time) time.Time { return now.Add(-lateWindow).Truncate(24 * time.Hour) }

// update merges a poll's buckets and returns the month-to-date total.
func (l *minuteLedger) update(buckets []soracom.AirStats, now time.Time) soracom.DataTrafficStats {
	for i := range buckets {
		start := buckets[i].Start()
		if start.Before(l.settledBefore) {
			continue // settled already; counting it again would double it
		}
		k := start.Unix()
		l.recent[k] = maxUsage(l.recent[k], buckets[i].Total())
	}
	cutoff := now.Add(-lateWindow)
	if cutoff.After(l.settledBefore) {
		for k, u := range l.recent {
			if time.Unix(k, 0).Before(cutoff) {
				l.settled = l.settled.Add(u)
				delete(l.recent, k)
			}
		}
		l.settledBefore = cutoff
	}
	total := l.settled
	for _, u := range l.recent {
		total = total.Add(u)
	}
	return total
}
