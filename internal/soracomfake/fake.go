package soracomfake

import (
	"container/heap"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Fake is a fake SORACOM API: one operator, one fleet per coverage, a fake
// clock that moves the fleet, and test controls. It is safe for concurrent
// use.
type Fake struct {
	opts Options

	mu     sync.RWMutex // guards fleet state and the clock
	now    int64        // fake clock, ms
	fleets map[string]*fleet
	sched  schedule

	auth     *authority
	perms    *permissions
	limits   *rateLimiter
	faults   *faultInjector
	counters *counters
	traffic  *trafficModel
	files    *fileStore

	handlersMu sync.Mutex
	handlers   map[string]*http.ServeMux
}

// New generates the fleet described by opts. Invalid options (unknown
// coverage, negative SIM count) panic.
func New(opts Options) *Fake {
	o := opts.withDefaults()
	f := &Fake{
		opts:     o,
		now:      o.Start.UnixMilli(),
		fleets:   map[string]*fleet{},
		auth:     newAuthority(&o),
		perms:    newPermissions(o.DeniedOperations),
		limits:   newRateLimiter(&o),
		faults:   newFaultInjector(o.Seed),
		counters: newCounters(),
		files:    newFileStore(o.WallClock, o.ExportProcessing),
		handlers: map[string]*http.ServeMux{},
	}
	for k, cov := range o.Coverages {
		n := o.SIMs / len(o.Coverages)
		if k < o.SIMs%len(o.Coverages) {
			n++
		}
		fl := generateFleet(&f.opts, cov, n, o.Start)
		for _, s := range fl.sims {
			s.initSessions(&f.opts, f.now)
			if s.simulated {
				s.heapIndex = len(f.sched.items)
				f.sched.items = append(f.sched.items, s)
			}
		}
		f.fleets[cov] = fl
	}
	heap.Init(&f.sched)
	f.traffic = newTrafficModel(&f.opts)
	return f
}

// Credentials returns the credentials accepted by POST /v1/auth.
func (f *Fake) Credentials() Credentials {
	o := f.opts
	return Credentials{
		AuthKeyID: o.AuthKeyID, AuthKey: o.AuthKey,
		Email: o.Email, Password: o.Password,
		OperatorID: o.OperatorID, UserName: o.SAMUserName, UserPassword: o.SAMPassword,
	}
}

// OperatorID returns the operator that owns the fleet.
func (f *Fake) OperatorID() string { return f.opts.OperatorID }

// Coverages returns the coverages served, in the order of Options.Coverages.
func (f *Fake) Coverages() []string { return append([]string(nil), f.opts.Coverages...) }

// Now returns the fake clock's time.
func (f *Fake) Now() time.Time {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return time.UnixMilli(f.now).UTC()
}

// Advance moves the fake clock forward by d, applying every session change
// scheduled in between in time order. The result depends only on the seed
// and the total time advanced, not on how it is split into calls.
// Non-positive durations do nothing.
func (f *Fake) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	target := f.now + int64(d/time.Millisecond)
	for len(f.sched.items) > 0 && f.sched.items[0].nextEvent <= target {
		s := f.sched.items[0]
		s.step(&f.opts, s.nextEvent)
		heap.Fix(&f.sched, 0)
	}
	f.now = target
}

func (f *Fake) fleet(coverage string) *fleet {
	fl, ok := f.fleets[coverage]
	if !ok {
		panic(fmt.Sprintf("soracomfake: coverage %q is not served (have %v)", coverage, f.opts.Coverages))
	}
	return fl
}

// schedule is a min-heap of simulated SIMs by their next session change;
// ties are broken by coverage and generation index so the order is fixed.
type schedule struct{ items []*sim }

func (h *schedule) Len() int { return len(h.items) }
func (h *schedule) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.nextEvent != b.nextEvent {
		return a.nextEvent < b.nextEvent
	}
	if a.coverage != b.coverage {
		return a.coverage < b.coverage
	}
	return a.index < b.index
}
func (h *schedule) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].heapIndex, h.items[j].heapIndex = i, j
}
func (h *schedule) Push(x any) {
	s := x.(*sim)
	s.heapIndex = len(h.items)
	h.items = append(h.items, s)
}
func (h *schedule) Pop() any {
	s := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	s.heapIndex = -1
	return s
}
