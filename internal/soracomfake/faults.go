package soracomfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Faults are injected failures. Counts ("next N") are used up by matching
// requests; SetFaults replaces the whole configuration.
type Faults struct {
	// Coverage, when set, restricts every fault to that coverage's host.
	Coverage string `json:"coverage,omitempty"`
	// Path, when set, restricts every fault to one path template, with or
	// without /v1 ("/sims", "/v1/query/sims").
	Path string `json:"path,omitempty"`

	// FailNext answers the next N requests with FailStatus.
	FailNext int `json:"failNext,omitempty"`
	// FailStatus is 500, 502 or 503 (default 503), also used by ErrorRate.
	FailStatus int `json:"failStatus,omitempty"`
	// ErrorRate answers this fraction of requests (0..1) with FailStatus,
	// drawn from a generator seeded by Options.Seed.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// Latency delays every request before it is handled.
	Latency time.Duration `json:"-"`
	// RateLimitNext answers the next N requests with 429, as if the rate
	// limit were exhausted.
	RateLimitNext int `json:"rateLimitNext,omitempty"`
	// RateLimitWithoutHeaders sends those 429s without any
	// X-Soracom-Ratelimit-* header, as SORACOM does not promise them on a
	// 429: the client then has nothing to tell it when to try again.
	RateLimitWithoutHeaders bool `json:"rateLimitWithoutHeaders,omitempty"`
	// TruncateNext cuts the body of the next N 200 responses in half: the
	// status is 200 and the JSON is malformed.
	TruncateNext int `json:"truncateNext,omitempty"`
	// DropNext closes the connection of the next N requests without any
	// response.
	DropNext int `json:"dropNext,omitempty"`
	// AlwaysFail answers every request with 503 until cleared.
	AlwaysFail bool `json:"alwaysFail,omitempty"`
	// MalformedSIMs are SIM IDs served with a sessionStatus that is a
	// string instead of an object, in listSims and getSim answers (whatever
	// Coverage and Path say): one odd SIM in an otherwise valid page, which
	// breaks the definition on purpose.
	MalformedSIMs []string `json:"malformedSims,omitempty"`
}

// MarshalJSON writes Latency as a duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	type plain Faults // drops the methods, so no recursion
	v := struct {
		plain
		Latency string `json:"latency,omitempty"`
	}{plain: plain(f)}
	if f.Latency > 0 {
		v.Latency = f.Latency.String()
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads Latency as a duration string.
func (f *Faults) UnmarshalJSON(b []byte) error {
	type plain Faults
	v := struct {
		*plain
		Latency string `json:"latency"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Latency != "" {
		d, err := time.ParseDuration(v.Latency)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = d
	}
	return nil
}

func (f Faults) validate() error {
	switch f.FailStatus {
	case 0, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable:
	default:
		return fmt.Errorf("failStatus must be 500, 502 or 503, not %d", f.FailStatus)
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return fmt.Errorf("errorRate must be within 0..1")
	}
	if f.FailNext < 0 || f.RateLimitNext < 0 || f.TruncateNext < 0 || f.DropNext < 0 || f.Latency < 0 {
		return fmt.Errorf("counts and latency must not be negative")
	}
	if f.Coverage != "" && f.Coverage != CoverageJapan && f.Coverage != CoverageGlobal {
		return fmt.Errorf("unknown coverage %q", f.Coverage)
	}
	return nil
}

// faultInjector applies the configured Faults to requests.
type faultInjector struct {
	mu     sync.Mutex
	faults Faults
	rng    rng
}

func newFaultInjector(seed int64) *faultInjector {
	return &faultInjector{rng: newRNG(uint64(seed), hashString("faults"))}
}

// SetFaults replaces the injected faults; the zero Faults clears them.
// Invalid values (status other than 500/502/503, rate outside 0..1,
// negative counts) are rejected.
func (f *Fake) SetFaults(faults Faults) error {
	if err := faults.validate(); err != nil {
		return err
	}
	faults.Path = normalizeTemplate(faults.Path)
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	f.faults.faults = faults
	return nil
}

// Faults returns the injected faults, with the "next N" counts left.
func (f *Fake) Faults() Faults {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	return f.faults.faults
}

type faultOutcome int

const (
	faultNone     faultOutcome = iota
	faultAnswered              // an error response was written
	faultDropped               // the connection was closed unanswered
)

func (fi *faultInjector) applies(rq *request) bool {
	f := &fi.faults
	return (f.Coverage == "" || f.Coverage == rq.coverage) && (f.Path == "" || f.Path == rq.template)
}

// before applies latency, dropped connections and injected error statuses,
// in that order.
func (fi *faultInjector) before(rq *request) faultOutcome {
	fi.mu.Lock()
	if !fi.applies(rq) {
		fi.mu.Unlock()
		return faultNone
	}
	latency := fi.faults.Latency
	fi.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-rq.r.Context().Done():
			t.Stop()
		}
	}

	fi.mu.Lock()
	f := &fi.faults
	status, drop, bare := 0, false, f.RateLimitWithoutHeaders
	switch {
	case f.DropNext > 0:
		f.DropNext--
		drop = true
	case f.AlwaysFail:
		status = http.StatusServiceUnavailable
	case f.FailNext > 0:
		f.FailNext--
		status = f.failStatus()
	case f.ErrorRate > 0 && fi.rng.float() < f.ErrorRate:
		status = f.failStatus()
	case f.RateLimitNext > 0:
		f.RateLimitNext--
		status = http.StatusTooManyRequests
	}
	fi.mu.Unlock()

	switch {
	case drop:
		// Counted before the connection closes, so that a client that sees
		// it closed also sees it counted.
		rq.f.counters.add(rq.coverage, rq.r.Method, rq.template, statusDropped)
		dropConnection(rq.w)
		return faultDropped
	case status == http.StatusTooManyRequests:
		if !bare {
			st := rq.f.limits.peek(rq.f.limits.key(rq.coverage, operatorSubject(rq.f), rq.template))
			st.remaining = 0
			st.setHeaders(rq.w.Header())
		}
		rq.fail(status, codeRateLimited, "rate limit exceeded; retry after the window refreshes")
		return faultAnswered
	case status != 0:
		rq.fail(status, codeServerError, http.StatusText(status))
		return faultAnswered
	}
	return faultNone
}

func (f *Faults) failStatus() int {
	if f.FailStatus == 0 {
		return http.StatusServiceUnavailable
	}
	return f.FailStatus
}

// malformed reports whether the SIM is to be served malformed.
func (fi *faultInjector) malformed(simID string) bool {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return slices.Contains(fi.faults.MalformedSIMs, simID)
}

// malformedSimJSON is a SIM whose sessionStatus has the wrong type.
type malformedSimJSON struct {
	simJSON
	SessionStatus string `json:"sessionStatus"`
}

// simItem renders a SIM for an answer, malformed when a fault asks for it.
func (f *Fake) simItem(s *sim) any {
	v := s.view(f.opts.OperatorID)
	if f.opts.OpaqueSubscriberKeys {
		for iccid, p := range v.Profiles {
			subs := make(map[string]simplifiedSubscriberJSON, len(p.Subscribers))
			for _, imsi := range slices.Sorted(maps.Keys(p.Subscribers)) {
				subs[strconv.Itoa(len(subs))] = p.Subscribers[imsi]
			}
			p.Subscribers = subs
			v.Profiles[iccid] = p
		}
	}
	if f.faults.malformed(s.id) {
		return malformedSimJSON{simJSON: v, SessionStatus: "not an object"}
	}
	return v
}

// mangle cuts a 200 body in half when a truncation is pending.
func (fi *faultInjector) mangle(rq *request, body []byte) []byte {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.faults.TruncateNext == 0 || !fi.applies(rq) {
		return body
	}
	fi.faults.TruncateNext--
	return body[:len(body)/2]
}

// dropConnection closes the client connection without writing anything.
// Where the connection cannot be taken over (HTTP/2), it aborts the
// response, which the client sees as a reset stream.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
