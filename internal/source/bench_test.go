package source

import (
	"fmt"
	"io"
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
// pre-rendered, pre-compressed metrics.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		sims := syntheticSims(n)
		s := NewSessions(SessionsOptions{SessionEvents: true, TagLabels: []string{"site"}})
		b.Run(fmt.Sprintf("sims=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				renderSnapshot(s, sims)
			}
		})
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
