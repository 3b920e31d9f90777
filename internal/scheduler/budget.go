package scheduler

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// The API budget. SORACOM limits each operator's calls per API path per
// minute (X-Soracom-Ratelimit-Limit), and everything the operator runs (the
// console, soracom-cli, other tools) draws on the same limit. The scheduler
// keeps the jobs' steady polling within a share of each limit:
//
//   - A poll's cost is measured, not guessed: every API call a poll makes
//     goes through its Meter (handed to the client in the poll's context),
//     which counts the calls per operation. A job's cost per operation is
//     the mean of its last polls (a source that lists every SIM once an
//     hour costs its hourly listing spread over the polls of that hour).
//     A poll cut short by its timeout proves the estimate too low: the
//     estimate becomes twice what it counted, so the plan converges in a
//     few polls even for a fleet never seen before.
//   - The jobs sharing a budget (one operator on one API host) and calling
//     one operation together may use share × limit per minute. When they
//     would need more at their configured intervals, every job calling
//     that operation is slowed by the same factor, to planFill of the
//     share. A job's effective interval is its configured one times the
//     largest factor of the operations it calls; its timeout and max age
//     follow.
//   - Calls are paced at the share's rate (pace.go): the calls of one
//     operation by every job of a budget, and by the refreshes of those
//     jobs, take their moments from one schedule, so that together they
//     never start more than the share of the limit in any minute, and a
//     listing is spread over its interval rather than spent in a burst at
//     its start. Slowed to planFill of the share, a listing paced at the
//     share ends within its interval; the rest of the share is room for
//     the jobs' listings overlapping, and for refreshes, which are paced
//     but not planned for.

// Budget is the API budget a job's polls draw on.
type Budget interface {
	// Name identifies the budget: jobs whose budgets have the same name
	// share each operation's limit.
	Name() string
	// Limit returns the per-minute limit of op that the API last reported;
	// ok is false while it is not known.
	Limit(op string) (limit int, ok bool)
}

// DefaultBudgetShare is the share of each limit steady polling may use
// unless WithBudgetShare says otherwise.
const DefaultBudgetShare = 0.5

// planFill is the part of the share a lengthened interval is planned for:
// the rest is the room a listing paced at the share needs to end within
// its interval, after the time the answers take.
const planFill = 0.9

// costHistory is how many polls a job's cost is the mean of.
const costHistory = 8

// WithBudgetShare sets the share (0 < share <= 1) of each operation's
// per-minute limit that the jobs' steady polling may use together.
func WithBudgetShare(share float64) Option {
	return func(s *Scheduler) {
		if share > 0 && share <= 1 {
			s.share = share
		}
	}
}

// SetBudgetShare changes the share (0 < share <= 1) and plans every job
// again, for a configuration reload.
func (s *Scheduler) SetBudgetShare(share float64) {
	if share <= 0 || share > 1 {
		return
	}
	s.planMu.Lock()
	defer s.planMu.Unlock()
	if s.share == share {
		return
	}
	s.share = share
	s.replan(s.currentJobs())
}

// budgetShare returns the share in force.
func (s *Scheduler) budgetShare() float64 {
	s.planMu.Lock()
	defer s.planMu.Unlock()
	return s.share
}

// Meter counts the API calls of one poll (or refresh) per operation and
// paces them on the schedule of its budget (pace.go). It implements
// soracom.Pacer.
type Meter struct {
	budget Budget
	share  float64
	pace   *pacing
	ref    *budgetRef
	// maxWait, when set, bounds every wait (a refresh's).
	maxWait time.Duration

	mu    sync.Mutex
	calls map[string]int
}

func newMeter(b Budget, share float64, p *pacing, ref *budgetRef) *Meter {
	return &Meter{budget: b, share: share, pace: p, ref: ref, calls: map[string]int{}}
}

// Take counts one call of op and reserves its moment on the budget's
// schedule of op, which every job of the budget shares: it returns how
// long the call must wait. A call that would wait longer than maxWait (or
// the meter's own bound) reserves nothing and gets false; it is counted
// all the same, as a call the poll needed.
func (m *Meter) Take(op string, now time.Time, maxWait time.Duration) (time.Duration, bool) {
	m.mu.Lock()
	m.calls[op]++
	m.mu.Unlock()
	if m.budget == nil || m.pace == nil {
		return 0, true
	}
	if m.maxWait > 0 {
		maxWait = min(maxWait, m.maxWait)
	}
	gap := time.Duration(0)
	// The limit is not known before the first answer tells it.
	if limit, ok := m.budget.Limit(op); ok {
		gap = spacing(m.share, limit)
	}
	return m.pace.reserve(m.ref, m.budget.Name(), op, gap, now, maxWait)
}

// Calls returns the calls counted so far, per operation.
func (m *Meter) Calls() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.calls)
}

type meterKey struct{}

// MeterFrom returns the Meter of the poll or refresh ctx belongs to, or
// nil outside one.
func MeterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// costs is what a job's polls cost, per operation.
type costs struct {
	history []map[string]int // newest last
	// provisional is set while history holds only what a failed poll
	// counted, or an estimate from a poll cut short: the next poll that
	// ends replaces it.
	provisional bool
}

// record adds one poll's calls: complete for a poll that ended, a lower
// bound for one its timeout cut short.
func (c *costs) record(calls map[string]int, cutShort bool) {
	if len(calls) == 0 {
		return
	}
	if c.provisional {
		c.history, c.provisional = nil, false
	}
	if cutShort {
		est := make(map[string]int, len(calls))
		for op, n := range calls {
			est[op] = 2 * n
		}
		if c.exceeds(est) {
			c.history, c.provisional = []map[string]int{est}, true
		}
		return
	}
	c.history = append(c.history, calls)
	if len(c.history) > costHistory {
		c.history = slices.Delete(c.history, 0, len(c.history)-costHistory)
	}
}

// exceeds reports whether est is above the mean for some operation.
func (c *costs) exceeds(est map[string]int) bool {
	mean := c.mean()
	for op, n := range est {
		if float64(n) > mean[op] {
			return true
		}
	}
	return false
}

// peak is the largest count of op among the polls remembered.
func (c *costs) peak(op string) int {
	n := 0
	for _, h := range c.history {
		n = max(n, h[op])
	}
	return n
}

// mean is the mean cost per poll of each operation.
func (c *costs) mean() map[string]float64 {
	out := map[string]float64{}
	for _, h := range c.history {
		for op, n := range h {
			out[op] += float64(n)
		}
	}
	for op := range out {
		out[op] /= float64(len(c.history))
	}
	return out
}

// plan is a job's schedule after the budget.
type plan struct {
	interval, timeout, maxAge time.Duration
	// binding is the operation that lengthened the interval ("" when the
	// configured interval fits), with its numbers, for the log.
	binding      string
	bindingCalls float64
	bindingLimit int
}

// fits reports whether the plan keeps the configured interval.
func (j *job) fits(p plan) bool { return p.interval == j.Interval }

// demandKey is one operation of one budget.
type demandKey struct{ budget, op string }

// replan computes the schedule of jobs (every job of the scheduler) from
// the costs measured so far and the limits last reported. Called after each
// poll and each reconfiguration, under planMu.
func (s *Scheduler) replan(jobs []*job) {
	demand := map[demandKey]float64{} // calls per minute at the configured intervals
	limits := map[demandKey]int{}
	peaks := map[demandKey]int{} // the largest polls of every job, summed
	means := make([]map[string]float64, len(jobs))
	for i, j := range jobs {
		if j.Budget == nil {
			continue
		}
		means[i] = j.costs.mean()
		name := j.Budget.Name()
		for op, n := range means[i] {
			k := demandKey{name, op}
			demand[k] += n / j.Interval.Minutes()
			peaks[k] += j.costs.peak(op)
			if l, ok := j.Budget.Limit(op); ok {
				limits[k] = l
			}
		}
	}
	for i, j := range jobs {
		p := plan{interval: j.Interval, timeout: j.Timeout, maxAge: j.MaxAge}
		if j.Budget == nil {
			s.apply(j, p)
			continue
		}
		name := j.Budget.Name()
		factor := 1.0
		var paced time.Duration // the poll's calls at the share's pace
		// crowded is how long the poll takes when it meets the largest
		// poll of every job of the budget calling the same operations:
		// they take their calls' moments from the same schedule.
		var crowded time.Duration
		for _, op := range slices.Sorted(maps.Keys(means[i])) {
			k := demandKey{name, op}
			limit := limits[k]
			if limit <= 0 {
				continue
			}
			allowed := s.share * float64(limit)
			paced += time.Duration(means[i][op] / allowed * float64(time.Minute))
			crowded += time.Duration(float64(peaks[k]) / allowed * float64(time.Minute))
			if f := demand[k] / (planFill * allowed); f > factor {
				factor, p.binding, p.bindingCalls, p.bindingLimit = f, op, means[i][op], limit
			}
		}
		if factor > 1 {
			// Whole seconds, so that small changes of the estimate do
			// not move the schedule.
			p.interval = time.Duration(math.Ceil(factor*j.Interval.Seconds())) * time.Second
			p.maxAge = time.Duration(float64(j.MaxAge) * float64(p.interval) / float64(j.Interval))
			p.timeout = p.interval
		} else {
			p.binding = ""
			// A listing paced at the share may take longer than the
			// configured timeout, never longer than the interval.
			p.timeout = min(max(j.Timeout, time.Duration(float64(paced)/planFill)), p.interval)
		}
		// A poll that meets the other jobs' listings may take longer
		// still: up to two intervals (polls of one job never overlap),
		// within the max age, rather than be cut short.
		p.timeout = max(p.timeout, min(time.Duration(float64(crowded)/planFill), 2*p.interval, p.maxAge))
		s.apply(j, p)
	}
}

// apply makes p the job's schedule and says so when the interval changed.
func (s *Scheduler) apply(j *job, p plan) {
	j.mu.Lock()
	old := j.plan
	j.plan = p
	j.status.EffectiveInterval, j.status.MaxAge = p.interval, p.maxAge
	j.mu.Unlock()
	if old.maxAge != p.maxAge {
		s.store.SetMaxAge(j.Key, p.maxAge)
	}
	k := j.Key
	switch {
	case !j.fits(p) && (j.fits(old) || old.binding != p.binding || changedMuch(old.interval, p.interval)):
		s.log.Warn("interval lengthened to keep the API calls within the budget share", "source", k.Source,
			"account", k.Account, "coverage", k.Coverage, "configured_interval", j.Interval, "effective_interval", p.interval,
			"operation", p.binding, "calls_per_poll", math.Round(p.bindingCalls), "limit_per_minute", p.bindingLimit,
			"budget_share", s.share, "max_age", p.maxAge)
	case j.fits(p) && !j.fits(old) && old.interval != 0:
		s.log.Info("configured interval fits the API budget share again", "source", k.Source, "account", k.Account,
			"coverage", k.Coverage, "interval", p.interval, "budget_share", s.share)
	}
}

// changedMuch reports a change of more than a quarter, worth a new log line.
func changedMuch(a, b time.Duration) bool {
	return math.Abs(float64(b-a)) > float64(a)/4
}

// APIUse is the share of one operation's limit that the steady polling of
// one account and coverage uses, at the effective intervals.
type APIUse struct {
	Account, Coverage, Operation string
	// CallsPerMinute are the calls steady polling makes per minute.
	CallsPerMinute float64
	// Limit is the per-minute limit the API last reported.
	Limit int
}

// Ratio is CallsPerMinute over Limit.
func (u APIUse) Ratio() float64 { return u.CallsPerMinute / float64(u.Limit) }

// APIUse reports the share of each limit steady polling uses, per account,
// coverage and operation, for the operations whose limit is known.
func (s *Scheduler) APIUse() []APIUse {
	s.planMu.Lock()
	defer s.planMu.Unlock()
	type key struct{ account, coverage, op string }
	use := map[key]*APIUse{}
	for _, j := range s.currentJobs() {
		if j.Budget == nil {
			continue
		}
		j.mu.Lock()
		interval := j.plan.interval
		j.mu.Unlock()
		for op, n := range j.costs.mean() {
			limit, ok := j.Budget.Limit(op)
			if !ok {
				continue
			}
			k := key{j.Key.Account, j.Key.Coverage, op}
			u := use[k]
			if u == nil {
				u = &APIUse{Account: k.account, Coverage: k.coverage, Operation: op}
				use[k] = u
			}
			u.CallsPerMinute += n / interval.Minutes()
			u.Limit = limit
		}
	}
	out := make([]APIUse, 0, len(use))
	for _, u := range use {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b APIUse) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Coverage, b.Coverage),
			strings.Compare(a.Operation, b.Operation))
	})
	return out
}
