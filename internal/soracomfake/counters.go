package soracomfake

import (
	"sort"
	"sync"
)

// counters counts API requests (not control requests) by coverage, method,
// path template and status, so tests can assert exact call counts.
type counters struct {
	mu sync.Mutex
	m  map[CallKey]int
}

// CallKey identifies a kind of request. Path is the template without /v1
// ("/sims/{sim_id}"), or "(unmatched)" for unknown paths. Status is the
// HTTP status answered, 0 for a dropped connection.
type CallKey struct {
	Coverage string `json:"coverage"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Status   int    `json:"status"`
}

// CallCount is how many requests of one kind were served.
type CallCount struct {
	CallKey
	Count int `json:"count"`
}

func newCounters() *counters { return &counters{m: map[CallKey]int{}} }

func (c *counters) add(coverage, method, template string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[CallKey{coverage, method, template, status}]++
}

// sum adds the counts whose key passes keep.
func (c *counters) sum(keep func(CallKey) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.m {
		if keep(k) {
			n += v
		}
	}
	return n
}

// Calls returns how many requests with this coverage, method and path
// template were served, whatever their status. The template may be given
// with or without /v1.
func (f *Fake) Calls(coverage, method, pathTemplate string) int {
	t := normalizeTemplate(pathTemplate)
	return f.counters.sum(func(k CallKey) bool { return k.Coverage == coverage && k.Method == method && k.Path == t })
}

// CallsWithStatus is Calls restricted to one response status.
func (f *Fake) CallsWithStatus(coverage, method, pathTemplate string, status int) int {
	t := normalizeTemplate(pathTemplate)
	return f.counters.sum(func(k CallKey) bool {
		return k.Coverage == coverage && k.Method == method && k.Path == t && k.Status == status
	})
}

// TotalCalls returns the number of API requests served on all coverages.
func (f *Fake) TotalCalls() int { return f.counters.sum(func(CallKey) bool { return true }) }

// CallCounts returns every counter, sorted.
func (f *Fake) CallCounts() []CallCount {
	f.counters.mu.Lock()
	out := make([]CallCount, 0, len(f.counters.m))
	for k, v := range f.counters.m {
		out = append(out, CallCount{k, v})
	}
	f.counters.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].CallKey, out[j].CallKey
		if a.Coverage != b.Coverage {
			return a.Coverage < b.Coverage
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Status < b.Status
	})
	return out
}

// ResetCounters sets every counter back to zero.
func (f *Fake) ResetCounters() {
	f.counters.mu.Lock()
	defer f.counters.mu.Unlock()
	f.counters.m = map[CallKey]int{}
}
