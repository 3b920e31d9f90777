package source

import (
	"fmt"
	"github.com/soracom-exporter/soracom_exporter/internal/cputime"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// syntheticSims makes n SIMs shaped like the API's, without an API.
func syntheticSims(n int) []soracom.Sim {
	sims := make([]soracom.Sim, n)
	statuses := []string{"active", "active", "active", "inactive", "ready", "standby", "suspended", "terminated"}
	mnc, tac, eci := int64(10), int64(4660), int64(123456)
	for i := range sims {
		imsi := fmt.Sprintf("4401030%08d", i)
		iccid := fmt.Sprintf("898110300%010d", i)
		s := &sims[i]
		s.SimID, s.OperatorID, s.Status, s.SpeedClass = iccid, "OP0012345678", statuses[i%len(statuses)], "s1.standard"
		s.ModuleType, s.Type, s.GroupID = "nano", "uicc", fmt.Sprintf("group-%d", i%20)
		s.Tags = map[string]string{"name": fmt.Sprintf("sensor-%06d", i), "site": "tokyo"}
		s.ActiveProfileID = iccid
		s.Profiles = map[string]soracom.SimProfile{iccid: {ICCID: iccid, PrimaryIMSI: imsi,
			Subscribers: map[string]soracom.SimplifiedSubscriber{imsi: {IMSI: imsi, MSISDN: fmt.Sprintf("8120%08d", i), Subscription: "plan-D", Status: "active"}}}}
		s.SessionStatus = &soracom.SessionStatus{Online: i%3 != 0, IMSI: imsi, LastUpdatedAt: soracom.Millis(1732000000000 + int64(i)),
			Cell: &soracom.Cell{RadioType: "LTE", MNC: &mnc, TAC: &tac, ECI: &eci}}
		s.PreviousSession = &soracom.PreviousSession{DeletedTime: soracom.Millis(1731990000000 + int64(i))}
		if i%4 == 0 {
			s.LastLocationUpdateTime = soracom.Millis(1732000000000)
		}
	}
	return sims
}

// renderSnapshot renders SIMs as a poll does, minus the API.
func renderSnapshot(s *Sessions, sims []soracom.Sim) *store.Snapshot {
	t := Target{Account: "a", Coverage: soracom.CoverageJapan}
	ptrs := make([]*soracom.Sim, len(sims))
	for i := range sims {
		ptrs[i] = &sims[i]
	}
	st := s.take(t, ptrs...)
	st.mu.Lock()
	defer st.mu.Unlock()
	res := s.renderLocked(st, t)
	res.ListedAt = time.Now()
	return snapshotOf(res, SessionsName)
}

// BenchmarkRender measures what a poll spends turning a listing into
// pre-rendered, pre-compressed metrics, with every per-SIM series of the
// sessions source (session events on, a tag label):
//
//   - first: the first poll of a target, every SIM rendered; it also
//     reports the heap the source keeps for the target afterwards
//     (retained-MB: records, rendered text and DEFLATE; the listing itself
//     excluded) and the text (text-MB);
//   - reduce: what a listing costs beyond decoding its JSON: every SIM
//     reduced to the fields the source keeps (done page by page as the
//     listing is read);
//   - poll-1%: a poll in which 1 % of the SIMs, at random, had a session
//     change (online flipped, lastUpdatedAt moved): the reduced listing is
//     compared with the records and only the changed SIMs are rendered
//     again;
//   - refresh-1: a webhook refresh of one SIM, without its two API calls.
//
// cpu-ms/op is the process's CPU time per operation, every goroutine
// included: on a shared machine it moves less than the wall time.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		sims := syntheticSims(n)
		ptrs := make([]*soracom.Sim, n)
		for i := range sims {
			ptrs[i] = &sims[i]
		}
		t := Target{Account: "a", Coverage: soracom.CoverageJapan}
		opts := SessionsOptions{SessionEvents: true, TagLabels: []string{"site"}}
		var retained, text float64
		b.Run(fmt.Sprintf("sims=%d/first", n), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				s := NewSessions(opts)
				st := s.take(t, ptrs...)
				st.mu.Lock()
				res := s.renderLocked(st, t)
				st.mu.Unlock()
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = float64(after.HeapAlloc-before.HeapAlloc) / 1e6
				text = float64(res.Objects.Size()) / 1e6
				runtime.KeepAlive(s)
			}
			b.ReportMetric(retained, "retained-MB")
			b.ReportMetric(text, "text-MB")
		})

		s := NewSessions(opts)
		s.take(t, ptrs...)
		r := rand.New(rand.NewPCG(uint64(n), 2))
		change := func(k int) {
			for range k {
				ss := sims[r.IntN(n)].SessionStatus
				ss.Online = !ss.Online
				ss.LastUpdatedAt += 60_000
			}
		}
		listing := make([]listedSIM, n)
		b.Run(fmt.Sprintf("sims=%d/reduce", n), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				for i := range sims {
					s.reduce(&listing[i], &sims[i])
				}
			}
		})
		b.Run(fmt.Sprintf("sims=%d/poll-1%%", n), func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			st := s.states.get(t, nil)
			for b.Loop() {
				b.StopTimer()
				change(n / 100)
				for i := range sims {
					s.reduce(&listing[i], &sims[i])
				}
				runtime.GC()
				b.StartTimer()
				start := cputime.Used()
				st.mu.Lock()
				st.merge(listing)
				s.renderLocked(st, t)
				st.mu.Unlock()
				cpu += cputime.Used() - start
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
		b.Run(fmt.Sprintf("sims=%d/refresh-1", n), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			st := s.states.get(t, nil)
			for b.Loop() {
				sim := &sims[r.IntN(n)]
				sim.SessionStatus.Online = !sim.SessionStatus.Online
				sim.SessionStatus.LastUpdatedAt += 60_000
				l := s.listed(sim)
				st.mu.Lock()
				st.observe(st.sims.get(l.id), l, false)
				s.renderLocked(st, t)
				st.mu.Unlock()
			}
		})
	}
}

// reportCPU reports the CPU time per operation when the returned function
// is called (deferred) at the end of a benchmark.
func reportCPU(b *testing.B) func() {
	start := cputime.Used()
	return func() {
		b.ReportMetric(float64(cputime.Used()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkScrape measures one scrape of the stored metrics, plain and gzip:
// after the first scrape of a poll, a scrape only writes existing bytes.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		s := NewSessions(SessionsOptions{SessionEvents: true, TagLabels: []string{"site"}})
		st := store.New()
		st.Put(renderSnapshot(s, syntheticSims(n)))
		now := time.Now()
		b.Run(fmt.Sprintf("plain/sims=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			v := st.View(now)
			b.SetBytes(int64(v.Size()))
			for b.Loop() {
				_, _ = st.View(now).WriteTo(io.Discard)
			}
		})
		b.Run(fmt.Sprintf("gzip/sims=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var size countingWriter
			g := exposition.NewGzipWriter(&size)
			st.View(now).WriteGzip(g)
			_ = g.Close()
			b.ReportMetric(float64(size), "gzip-bytes/op")
			for b.Loop() {
				g := exposition.NewGzipWriter(io.Discard)
				st.View(now).WriteGzip(g)
				_ = g.Close()
			}
		})
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkAggregateState measures what aggregate mode keeps per SIM (its
// record and its share of the SIM and IMSI indexes) and the CPU time of
// merging a listing, SIM by SIM, into a target already holding it.
func BenchmarkAggregateState(b *testing.B) {
	const n = 200_000
	sims := syntheticSims(n)
	t := Target{Account: "a", Coverage: soracom.CoverageJapan}
	opts := SessionsOptions{SessionEvents: true, Aggregate: true}
	b.Run(fmt.Sprintf("sims=%d/kept", n), func(b *testing.B) {
		var perSIM float64
		for b.Loop() {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			s := NewSessions(opts)
			listAll(s, s.state(t), sims)
			runtime.GC()
			runtime.ReadMemStats(&after)
			perSIM = float64(after.HeapAlloc-before.HeapAlloc) / n
			runtime.KeepAlive(s)
		}
		b.ReportMetric(perSIM, "B/SIM-kept")
	})
	s := NewSessions(opts)
	st := s.state(t)
	b.Run(fmt.Sprintf("sims=%d/listing", n), func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			listAll(s, st, sims)
		}
	})
}

// listAll merges sims into st as a complete listing does, page by page.
func listAll(s *Sessions, st *targetState, sims []soracom.Sim) {
	var l listedSIM
	st.mu.Lock()
	defer st.mu.Unlock()
	k := st.begin()
	for i := range sims {
		s.reduce(&l, &sims[i])
		st.take(&l, k)
	}
	st.sweep(k)
}
