package soracomfake

import (
	"fmt"
	"math"
	"time"
)

// Data usage. SORACOM records a SIM's traffic in buckets of about five
// minutes. The fake derives every bucket from the seed, the SIM and the
// bucket's index alone, so that usage needs no state, never depends on how
// the clock was advanced, and any window sums in constant time:
//
//   - bytes and packets of bucket k = the SIM's scale × pattern[(k+phase) mod
//     len(pattern)], one shared daily-looking pattern with per-SIM scales and
//     phases; SIMs that are not active, and one in eight active ones, send
//     nothing;
//   - a bucket is recorded only once it has ended: the bucket that ended last
//     shows three quarters of its traffic (late data), the rest arrives one
//     bucket later, so a value read once can still grow;
//   - a bucket belongs to the UTC month (or day) in which it starts.

// trafficPatternLen is the length of the shared pattern: one day of
// five-minute buckets.
const trafficPatternLen = 288

// DefaultTrafficBucket is SORACOM's recording interval.
const DefaultTrafficBucket = 5 * time.Minute

// Usage is data traffic in both directions.
type Usage struct {
	UploadBytes     int64 `json:"uploadBytes"`
	DownloadBytes   int64 `json:"downloadBytes"`
	UploadPackets   int64 `json:"uploadPackets"`
	DownloadPackets int64 `json:"downloadPackets"`
}

func (u Usage) add(o Usage) Usage {
	return Usage{u.UploadBytes + o.UploadBytes, u.DownloadBytes + o.DownloadBytes,
		u.UploadPackets + o.UploadPackets, u.DownloadPackets + o.DownloadPackets}
}

func (u Usage) isZero() bool { return u == Usage{} }

// lateShare is the part of the last ended bucket already recorded.
func (u Usage) lateShare() Usage {
	return Usage{u.UploadBytes * 3 / 4, u.DownloadBytes * 3 / 4, u.UploadPackets * 3 / 4, u.DownloadPackets * 3 / 4}
}

// trafficModel holds the shared pattern and its prefix sums.
type trafficModel struct {
	bucket  int64 // ms
	pattern [trafficPatternLen]int64
	prefix  [trafficPatternLen + 1]int64
	seed    uint64
}

func newTrafficModel(o *Options) *trafficModel {
	m := &trafficModel{bucket: int64(o.TrafficBucket / time.Millisecond), seed: uint64(o.Seed)}
	r := newRNG(m.seed, hashString("traffic pattern"))
	for i := range m.pattern {
		// Busier by day than by night, with noise and idle buckets.
		day := 0.5 + 0.5*math.Sin(2*math.Pi*float64(i)/trafficPatternLen)
		v := int64(10 + 80*day*r.float())
		if r.chance(0.1) {
			v = 0
		}
		m.pattern[i] = v
		m.prefix[i+1] = m.prefix[i] + v
	}
	return m
}

// trafficProfile is a SIM's scales: per pattern unit, bytes and packets in
// each direction.
type trafficProfile struct {
	upBytes, downBytes, upPackets, downPackets int64
	phase                                      int64
}

func (m *trafficModel) profile(s *sim) trafficProfile {
	if s.status != "active" {
		return trafficProfile{}
	}
	r := newRNG(m.seed, hashString("traffic"), hashString(s.id))
	if r.chance(0.125) {
		return trafficProfile{}
	}
	return trafficProfile{
		upBytes: int64(r.between(20, 900)), downBytes: int64(r.between(5, 400)),
		upPackets: int64(r.between(1, 4)), downPackets: int64(r.between(1, 3)),
		phase: int64(r.intn(trafficPatternLen)),
	}
}

// cumulative is the pattern summed over indexes [0, n).
func (m *trafficModel) cumulative(n int64) int64 {
	full, rest := n/trafficPatternLen, n%trafficPatternLen
	return full*m.prefix[trafficPatternLen] + m.prefix[rest]
}

func (p trafficProfile) scaled(units int64) Usage {
	return Usage{p.upBytes * units, p.downBytes * units, p.upPackets * units, p.downPackets * units}
}

// buckets sums the buckets [a, b).
func (m *trafficModel) buckets(p trafficProfile, a, b int64) Usage {
	if b <= a || p == (trafficProfile{}) {
		return Usage{}
	}
	return p.scaled(m.cumulative(b+p.phase) - m.cumulative(a+p.phase))
}

// recorded is what SORACOM shows at now for the buckets starting in
// [from, to) (ms).
func (m *trafficModel) recorded(p trafficProfile, from, to, now int64) Usage {
	kFrom, kTo := ceilDiv(from, m.bucket), ceilDiv(to, m.bucket)
	current := floorDiv(now, m.bucket) // still running: not recorded at all
	late := current - 1                // ended last: partly recorded
	u := m.buckets(p, kFrom, min(kTo, late))
	if late >= kFrom && late < kTo {
		u = u.add(m.buckets(p, late, late+1).lateShare())
	}
	return u
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// monthBounds returns the UTC month containing t, in ms.
func monthBounds(t time.Time) (start, end int64) {
	t = t.UTC()
	s := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return s.UnixMilli(), s.AddDate(0, 1, 0).UnixMilli()
}

// AirUsage returns a SIM's usage in the UTC month containing at, as SORACOM
// shows it at the fake time at (which must not be after Now to be final):
// the truth the exporter's month-to-date counters should report.
func (f *Fake) AirUsage(simID string, at time.Time) (Usage, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, _ := f.find(simID)
	if s == nil {
		return Usage{}, fmt.Errorf("soracomfake: no SIM %q", simID)
	}
	from, to := monthBounds(at)
	return f.traffic.recorded(f.traffic.profile(s), from, to, at.UnixMilli()), nil
}

// FleetAirUsage sums AirUsage over every SIM of a coverage.
func (f *Fake) FleetAirUsage(coverage string, at time.Time) Usage {
	f.mu.RLock()
	defer f.mu.RUnlock()
	from, to := monthBounds(at)
	var u Usage
	for _, s := range f.fleet(coverage).sims {
		u = u.add(f.traffic.recorded(f.traffic.profile(s), from, to, at.UnixMilli()))
	}
	return u
}

// TrafficBucket returns the length of a usage bucket.
func (f *Fake) TrafficBucket() time.Duration {
	return time.Duration(f.traffic.bucket) * time.Millisecond
}
