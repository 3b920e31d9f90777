package exposition

import (
	"bytes"
	"fmt"
	"github.com/soracom-exporter/soracom_exporter/internal/cputime"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkObjectSet measures, at 10,000 and 100,000 SIM-shaped objects of
// about ten families each, what a poll and a webhook refresh cost with
// per-chunk rendering, against a full render of every object:
//
//   - full: render every object into one text per family and compress each,
//     as a per-target render does;
//   - commit-all: the same through the set (every object invalidated);
//   - commit-1%-sessions: 1 % of the objects had a session change, as a
//     poll sees it, then a commit. They are picked uniformly at random, the
//     worst case for chunks: nearly every chunk of 1,000 has a change, so
//     the cost is compressing the session families' text again;
//   - commit-1%-any: the same with changes to any field (names too);
//   - commit-1: one object changed, then a commit (a webhook refresh);
//   - scrape-gzip, scrape-plain: writing the view, as a scrape does.
//
// commit-all also reports the heap the set and its view keep (retained-MB,
// the fixture's own objects excluded) and the text they hold (text-MB).
func BenchmarkObjectSet(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		groups := fxGroups{"group-0": "Group 0"}
		sims := make([]*fxSIM, n)
		for i := range sims {
			sims[i] = fxNew(nil, i)
		}

		b.Run(fmt.Sprintf("objects=%d/full", n), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				var w SampleWriter
				for _, s := range sims {
					groups.render(&w, s)
				}
				for _, buf := range w.bufs {
					NewFragment(bytes.Clone(buf))
				}
			}
		})

		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		set := NewObjectSet(0, groups.render)
		for _, s := range sims {
			set.Put(s.id, s)
		}
		v := set.Commit()
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained := float64(after.HeapAlloc-before.HeapAlloc) / 1e6

		b.Run(fmt.Sprintf("objects=%d/commit-all", n), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				set.InvalidateAll()
				set.Commit()
			}
			// After the loop: its start deletes the metrics reported before.
			b.ReportMetric(retained, "retained-MB")
			b.ReportMetric(float64(v.Size())/1e6, "text-MB")
		})

		r := rand.New(rand.NewPCG(uint64(n), 1))
		change := func(k int, how func(*rand.Rand, *fxSIM)) {
			for range k {
				i := r.IntN(n)
				s := *sims[i]
				how(r, &s)
				sims[i] = &s
				set.Put(s.id, &s)
			}
		}
		for _, c := range []struct {
			name    string
			changed int
			how     func(*rand.Rand, *fxSIM)
		}{
			{"commit-1%-sessions", n / 100, fxSessionChange},
			{"commit-1%-any", n / 100, fxChange},
			{"commit-1", 1, fxChange},
		} {
			b.Run(fmt.Sprintf("objects=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				var chunks, frags int
				defer reportCPU(b)()
				for b.Loop() {
					change(c.changed, c.how)
					set.Commit()
					st := set.LastCommit()
					chunks += st.ChunksRendered
					frags += st.FragmentsCompressed
				}
				b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
				b.ReportMetric(float64(frags)/float64(b.N), "fragments/op")
			})
		}

		v = set.Commit()
		b.Run(fmt.Sprintf("objects=%d/scrape-gzip", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(v.Size()))
			for b.Loop() {
				g := NewGzipWriter(io.Discard)
				v.WriteGzip(g)
				_ = g.Close()
			}
		})
		b.Run(fmt.Sprintf("objects=%d/scrape-plain", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(v.Size()))
			for b.Loop() {
				_, _ = v.WriteTo(io.Discard)
			}
		})
	}
}

// reportCPU, deferred at the start of a benchmark, reports the CPU time
// per operation (cpu-ms/op) besides the wall time.
func reportCPU(b *testing.B) func() {
	start := cputime.Used()
	return func() {
		b.ReportMetric(float64(cputime.Used()-start)/1e6/float64(b.N), "cpu-ms/op")
	}
}
