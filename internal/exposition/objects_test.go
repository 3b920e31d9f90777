package exposition

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// gunzipView writes v through a GzipWriter and decompresses the result as
// a client would: one member, CRC and length checked.
func gunzipView(t testing.TB, v *ObjectView) []byte {
	t.Helper()
	var z bytes.Buffer
	g := NewGzipWriter(&z)
	v.WriteGzip(g)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&z)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func plainView(t testing.TB, v *ObjectView) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := v.WriteTo(&b)
	if err != nil || n != int64(b.Len()) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	return b.Bytes()
}

// checkChunks verifies the set's invariants: keys strictly ascending
// across chunks, no empty chunk, none over twice the chunk size.
func checkChunks[T any](t *testing.T, s *ObjectSet[T]) {
	t.Helper()
	n, last := 0, ""
	for i, c := range s.chunks {
		if len(c.entries) == 0 || len(c.entries) > 2*s.chunkSize {
			t.Fatalf("chunk %d holds %d objects (chunk size %d)", i, len(c.entries), s.chunkSize)
		}
		for f, fr := range c.frags {
			if fr != nil && fr.plain != nil {
				t.Fatalf("chunk %d keeps the text of family %d: only its DEFLATE data should stay", i, f)
			}
			var end uint32
			if f < len(c.ends) && len(c.ends[f]) > 0 {
				if len(c.ends[f]) != len(c.entries) || len(c.sums[f]) != len(c.entries) {
					t.Fatalf("chunk %d family %d: %d ends and %d hashes for %d objects", i, f, len(c.ends[f]), len(c.sums[f]), len(c.entries))
				}
				end = c.ends[f][len(c.ends[f])-1]
			}
			if fr != nil && int(end) != fr.Len() || fr == nil && end != 0 {
				t.Fatalf("chunk %d family %d: objects' lines end at %d, the fragment holds %d bytes", i, f, end, fr.Len())
			}
		}
		for _, e := range c.entries {
			if n > 0 && e.key <= last {
				t.Fatalf("chunk %d: key %q after %q", i, e.key, last)
			}
			last = e.key
			n++
		}
	}
	if n != s.Len() {
		t.Fatalf("chunks hold %d objects, Len says %d", n, s.Len())
	}
}

// TestObjectSetMatchesFullRender applies random additions, changes,
// removals and invalidations over many commits; after each commit the
// plain text and the gunzipped gzip text must be byte-identical to a full
// render of the same SIMs, and every earlier view must still read as it
// did when it was made.
func TestObjectSetMatchesFullRender(t *testing.T) {
	for _, chunkSize := range []int{2, 12, 64} {
		t.Run(fmt.Sprintf("chunk=%d", chunkSize), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(chunkSize), 42))
			groups := fxGroups{}
			for i := range 20 {
				groups[fmt.Sprintf("group-%d", i)] = fmt.Sprintf("Group %d", i)
			}
			set := NewObjectSet(chunkSize, groups.render)
			if chunkSize == 12 {
				set.pendingLimit = 1 // compress after every chunk, as a large commit does
			}
			sims := map[string]*fxSIM{}
			type kept struct {
				v    *ObjectView
				text []byte
			}
			var old []kept
			next := 0
			for round := range 150 {
				ops := r.IntN(40)
				if round%50 == 10 {
					ops = 400 // a burst of churn: splits, then merges
				}
				for range ops {
					switch op := r.IntN(10); {
					case op < 3 || len(sims) == 0: // a new SIM, anywhere in key order
						s := fxNew(r, r.IntN(1_000_000))
						if round%50 == 10 {
							s = fxNew(r, next)
							next++
						}
						sims[s.id] = s
						set.Put(s.id, s)
					case op < 6: // a changed SIM, replaced
						s := *sims[randomKey(r, sims)]
						fxChange(r, &s)
						sims[s.id] = &s
						set.Put(s.id, &s)
					case op < 7: // a SIM changed in place
						s := sims[randomKey(r, sims)]
						fxChange(r, s)
						if !set.Invalidate(s.id) {
							t.Fatalf("Invalidate(%s) found nothing", s.id)
						}
					default: // a SIM gone
						k := randomKey(r, sims)
						delete(sims, k)
						if !set.Delete(k) {
							t.Fatalf("Delete(%s) found nothing", k)
						}
					}
				}
				if round%50 == 30 { // many SIMs gone at once: merges
					for _, k := range slices.Sorted(maps.Keys(sims)) {
						if r.IntN(8) != 0 {
							delete(sims, k)
							set.Delete(k)
						}
					}
				}
				if r.IntN(25) == 0 { // state every SIM depends on
					groups[fmt.Sprintf("group-%d", r.IntN(20))] = fxHostile[r.IntN(len(fxHostile))]
					set.InvalidateAll()
				}
				if set.Delete("no such SIM") || set.Invalidate("no such SIM") {
					t.Fatal("a missing key was found")
				}

				v := set.Commit()
				checkChunks(t, set)
				want := fxFullRender(groups, sims)
				if got := plainView(t, v); !bytes.Equal(got, want) {
					t.Fatalf("round %d: plain text differs from a full render:\n%s", round, firstDiff(got, want))
				}
				if got := gunzipView(t, v); !bytes.Equal(got, want) {
					t.Fatalf("round %d: gzip text differs from a full render:\n%s", round, firstDiff(got, want))
				}
				if v.Objects() != len(sims) || set.Len() != len(sims) {
					t.Fatalf("round %d: %d objects in view, %d in set, want %d", round, v.Objects(), set.Len(), len(sims))
				}
				if samples := countSamples(want); v.Series() != samples {
					t.Fatalf("round %d: Series() = %d, want %d", round, v.Series(), samples)
				}
				for _, o := range old {
					if !bytes.Equal(plainView(t, o.v), o.text) || !bytes.Equal(gunzipView(t, o.v), o.text) {
						t.Fatalf("round %d: a commit changed an earlier view", round)
					}
				}
				old = append(old, kept{v, want})
				if len(old) > 2 {
					old = old[1:]
				}
			}
			for k, obj := range set.All() {
				if sims[k] != obj {
					t.Fatalf("All() yields %s not stored", k)
				}
				if got, ok := set.Get(k); !ok || got != obj {
					t.Fatalf("Get(%s) = %v, %v", k, got, ok)
				}
			}
		})
	}
}

func randomKey(r *rand.Rand, m map[string]*fxSIM) string {
	n := r.IntN(len(m))
	for k := range m {
		if n == 0 {
			return k
		}
		n--
	}
	panic("unreachable")
}

func countSamples(text []byte) int {
	n := 0
	for line := range bytes.Lines(text) {
		if line[0] != '#' {
			n++
		}
	}
	return n
}

func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(i-200, 0)
	return fmt.Sprintf("at byte %d of %d (want %d)\ngot:  %q\nwant: %q", i, len(got), len(want),
		got[from:min(i+200, len(got))], want[from:min(i+200, len(want))])
}

// fxSet loads n SIMs and commits once.
func fxSet(t testing.TB, n, chunkSize int) (*ObjectSet[*fxSIM], map[string]*fxSIM, fxGroups) {
	t.Helper()
	groups := fxGroups{"group-0": "Group 0"}
	set := NewObjectSet(chunkSize, groups.render)
	sims := make(map[string]*fxSIM, n)
	for i := range n {
		s := fxNew(nil, i)
		sims[s.id] = s
		set.Put(s.id, s)
	}
	set.Commit()
	return set, sims, groups
}

// TestOneChangeRendersOneChunk: a webhook refresh of one SIM renders that
// SIM alone, copies the rest of its chunk and compresses only the families
// whose text changed; the other chunks' fragments are the previous view's.
func TestOneChangeRendersOneChunk(t *testing.T) {
	set, sims, _ := fxSet(t, 10_000, 1000)
	if st := set.LastCommit(); st.ChunksRendered != st.Chunks || st.ObjectsRendered != 10_000 {
		t.Fatalf("first commit: %+v", st)
	}
	before := set.Commit()
	if st := set.LastCommit(); st.ChunksRendered != 0 || st.ObjectsRendered != 0 || st.FragmentsCompressed != 0 {
		t.Fatalf("a commit without change rendered: %+v", st)
	}

	s := *sims["8981103000000005000"]
	s.online = !s.online // online: session_online and session_info change
	set.Put(s.id, &s)
	after := set.Commit()
	st := set.LastCommit()
	if st.Chunks < 5 || st.ChunksRendered != 1 || st.ObjectsRendered != 1 || st.FragmentsCompressed != 2 {
		t.Fatalf("one SIM changed: %+v, want 1 chunk, 1 object and 2 fragments (online, session info)", st)
	}
	changed := 0
	for _, f := range before.Families() {
		a, b := before.Fragments(f), after.Fragments(f)
		if len(a) != len(b) {
			t.Fatalf("%s: %d fragments, then %d", f.Name, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				changed++
			}
		}
	}
	if changed != 2 {
		t.Fatalf("%d fragments differ between the views, want 2", changed)
	}
}

// TestObjectViewsUnderConcurrentCommits reads views, plain and gzip, while
// the writer keeps committing changes; run with -race.
func TestObjectViewsUnderConcurrentCommits(t *testing.T) {
	set, sims, _ := fxSet(t, 1000, 50)
	var cur atomic.Pointer[ObjectView]
	cur.Store(set.Commit())
	ids := slices.Sorted(maps.Keys(sims))

	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				v := cur.Load()
				var plain bytes.Buffer
				if _, err := v.WriteTo(&plain); err != nil {
					errs <- err
					return
				}
				if got := gunzipView(t, v); !bytes.Equal(got, plain.Bytes()) {
					errs <- fmt.Errorf("gzip and plain text of one view differ")
					return
				}
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		for range 10 {
			id := ids[r.IntN(len(ids))]
			s := *sims[id]
			fxChange(r, &s)
			sims[id] = &s
			set.Put(id, &s)
		}
		if r.IntN(10) == 0 {
			s := fxNew(r, 10_000+r.IntN(1000))
			sims[s.id] = s
			set.Put(s.id, s)
		}
		cur.Store(set.Commit())
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestObjectSetHostileLabelValues: label values from the API are escaped
// in the chunked output, which the Prometheus parser reads back intact.
func TestObjectSetHostileLabelValues(t *testing.T) {
	set, sims, _ := fxSet(t, 50, 4)
	for i, name := range fxHostile {
		s := *sims[fmt.Sprintf("898110300%010d", i*5)]
		s.name = name
		sims[s.id] = &s
		set.Put(s.id, &s)
	}
	v := set.Commit()
	text := plainView(t, v)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	got := map[string]string{}
	for _, m := range mfs[fxOnline.Name].Metric {
		var id, name string
		for _, lp := range m.Label {
			switch lp.GetName() {
			case "sim_id":
				id = lp.GetValue()
			case "name":
				name = lp.GetValue()
			}
		}
		got[id] = name
	}
	for id, s := range sims {
		if want := strings.ToValidUTF8(s.name, "\uFFFD"); got[id] != want {
			t.Errorf("%s: name %q, want %q", id, got[id], want)
		}
	}
	if !bytes.Equal(gunzipView(t, v), text) {
		t.Fatal("gzip text differs")
	}
}

// TestObjectSetEmpty: an empty set, or one emptied, renders nothing.
func TestObjectSetEmpty(t *testing.T) {
	set := NewObjectSet(0, fxGroups{}.render)
	if v := set.Commit(); len(v.Families()) != 0 || v.Size() != 0 || len(plainView(t, v)) != 0 {
		t.Fatal("empty set rendered something")
	}
	if _, ok := set.Get("x"); ok || set.Delete("x") || set.Invalidate("x") {
		t.Fatal("found a key in an empty set")
	}
	s := fxNew(nil, 1)
	set.Put(s.id, s)
	if v := set.Commit(); v.Objects() != 1 || v.Fragments(fxOnline) == nil || v.Fragments(fxVisited) != nil {
		t.Fatal("one SIM not rendered as expected")
	}
	set.Delete(s.id)
	v := set.Commit()
	if len(v.Families()) != 0 || len(set.chunks) != 0 || len(gunzipView(t, v)) != 0 {
		t.Fatal("emptied set still renders")
	}
}
