package scheduler

import (
	"math"
	"sync"
	"time"
)

// Pacing. Every job of one budget that calls one operation takes its
// calls' moments from one schedule, shared by the polls of every job and by
// the refreshes run through Refresh: together they start no more than
// floor(share × limit) calls of the operation in any 60 s (calls that
// start exactly 60 s apart count in different windows), whichever job
// makes them and however many make them at once. A poll's Meter still
// counts its own calls, for the cost of its job.
//
// The schedule is a next free moment per budget name and operation: a
// call takes the later of now and that moment, and moves it one spacing
// (60 s / floor(share × limit)) on. Once the moment has passed it carries
// nothing (a call then goes at once), so the schedule forgets it: the state
// of removed jobs and of budgets that changed their name does not outlive
// the calls they already reserved.

// refreshMaxWait bounds how long a refresh call waits for its moment. A
// refresh answers a push (the Event Handler) and is worth little late:
// when the schedule is full for longer, the call fails at once and the
// next poll catches up, rather than draw beyond the share.
const refreshMaxWait = 5 * time.Second

// pacing is the schedule of every budget's operations.
type pacing struct {
	mu    sync.Mutex
	next  map[demandKey]time.Time
	swept time.Time
}

// budgetRef is the budget name a job's calls were last paced under
// (guarded by pacing.mu). A budget's name may change, when the operator ID
// of the account becomes known (two accounts that log in to one operator
// then share one budget): the new name takes over the old one's schedule.
type budgetRef struct{ name string }

// reserve takes the next moment of (name, op) for a call at now, spaced gap
// from the call before; it returns how long the call must wait. A call that
// would wait longer than maxWait reserves nothing and gets false.
func (p *pacing) reserve(ref *budgetRef, name, op string, gap time.Duration, now time.Time, maxWait time.Duration) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == nil {
		p.next = map[demandKey]time.Time{}
	}
	p.rename(ref, name, now)
	p.sweep(now)
	if gap <= 0 {
		return 0, true
	}
	k := demandKey{name, op}
	at := p.next[k]
	if at.Before(now) {
		at = now
	}
	wait := at.Sub(now)
	if wait > 0 && wait > maxWait {
		return wait, false
	}
	p.next[k] = at.Add(gap)
	return wait, true
}

// rename moves the schedule of ref's previous name over to name. The calls
// reserved under the old name still go out: the new name's next moment
// moves on by as much as the old one was ahead of now, so that the calls
// after the change come after them all (two accounts found to log in to
// one operator add up their reserved calls). The jobs still paced under the
// old name find nothing left to move: every job of one account learns the
// new name at the same time.
func (p *pacing) rename(ref *budgetRef, name string, now time.Time) {
	if ref == nil {
		return
	}
	old := ref.name
	ref.name = name
	if old == "" || old == name {
		return
	}
	for k, at := range p.next {
		if k.budget != old {
			continue
		}
		delete(p.next, k)
		nk := demandKey{name, k.op}
		next := p.next[nk]
		if next.Before(now) {
			next = now
		}
		if at.After(now) {
			next = next.Add(at.Sub(now))
		}
		p.next[nk] = next
	}
}

// sweep forgets, about once a minute, the moments that have passed.
func (p *pacing) sweep(now time.Time) {
	if now.Sub(p.swept) < time.Minute {
		return
	}
	p.swept = now
	for k, at := range p.next {
		if !at.After(now) {
			delete(p.next, k)
		}
	}
}

// entries returns how many moments the schedule keeps (tests).
func (p *pacing) entries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.next)
}

// spacing is the time between two calls of an operation limited to limit
// calls a minute, at share: 60 s over the whole calls the share allows
// (at least one), rounded up, so that no 60 s holds more of them.
func spacing(share float64, limit int) time.Duration {
	if limit <= 0 || share <= 0 {
		return 0
	}
	n := max(math.Floor(share*float64(limit)+1e-9), 1)
	return time.Duration(math.Ceil(float64(time.Minute) / n))
}
