package exposition

import (
	"bytes"
	"cmp"
	"io"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultChunkSize is the number of objects an ObjectSet aims to keep per
// chunk. A chunk is the unit that is rendered and compressed again when one
// of its objects changes: smaller chunks make a single change cheaper,
// larger ones compress better and keep fewer fragments. At about 1,200
// bytes of text per SIM, 1,000 SIMs make fragments of tens to hundreds of
// kilobytes per family, where DEFLATE's per-fragment overhead is negligible
// (a fragment of 64 KiB compresses within 2 % of one of megabytes).
const DefaultChunkSize = 1000

// ObjectSet keeps the rendered samples of many objects of one kind (the
// SIMs of one target, say), so that a change to a few objects costs a few
// chunks of rendering instead of the whole target.
//
// Objects are identified by a key and ordered by it (byte-wise). Each
// object contributes samples to any number of families through the render
// function. Objects are grouped, in key order, into chunks of about
// ChunkSize; each chunk keeps, per family, its text and that text
// compressed as a sync-flushed DEFLATE fragment, and for each of its objects
// where that object's lines end. Put, Delete and Invalidate only mark the
// object and its chunk; Commit renders the marked objects again, copies the
// unchanged objects' lines from the chunk's previous text, compresses only
// the families whose text changed, and returns an immutable ObjectView.
//
// The text of a family is therefore always what rendering every object in
// key order would give: the header, then each object's lines for the family
// in the order the render function added them.
//
// An ObjectSet has one writer: it is not safe for concurrent use. The views
// it returns are: a view never changes, and a commit never changes the bytes
// an earlier view refers to, so scrapes may keep reading one view while the
// next is prepared.
type ObjectSet[T any] struct {
	render    func(*SampleWriter, T)
	chunkSize int
	chunks    []*chunk[T]
	n         int
	w         SampleWriter
	// jobs are the fragments a commit has to compress.
	jobs []compressJob
	last CommitStats
}

// compressJob is a chunk's changed text of one family, to be compressed
// into the chunk's fragment slot.
type compressJob struct {
	slot  **Fragment
	plain []byte
}

// entry is one object of a chunk.
type entry[T any] struct {
	key string
	obj T
	// prev is the object's position in its chunk's last render, whose
	// lines can be copied, or -1 when the object must be rendered.
	prev int32
}

// chunk is a run of objects, consecutive in key order, and their last
// render. Only the ObjectSet sees a chunk; views hold its fragments, which
// are never changed once made.
type chunk[T any] struct {
	entries []entry[T]
	dirty   bool
	// frags are the fragments of the last render, by family index; nil
	// where the chunk had no sample of the family.
	frags []*Fragment
	// ends[f][i] is where the lines of the i-th object of the last render
	// end in frags[f].Plain. A family registered after that render has no
	// ends, and none of those objects had lines in it.
	ends   [][]uint32
	series int
}

// CommitStats says what a commit did, for tests and self-metrics.
type CommitStats struct {
	Objects int // objects in the set
	Chunks  int // chunks in the set
	// ChunksRendered are the chunks that had a change.
	ChunksRendered int
	// ObjectsRendered are the objects the render function was called for;
	// the other objects of those chunks had their lines copied.
	ObjectsRendered int
	// FragmentsCompressed are the (chunk, family) fragments whose text
	// changed and was compressed again.
	FragmentsCompressed int
}

// NewObjectSet returns an empty set. render writes one object's samples; it
// must depend only on the object and on state the caller invalidates (see
// InvalidateAll) when it changes. chunkSize <= 0 means DefaultChunkSize.
func NewObjectSet[T any](chunkSize int, render func(w *SampleWriter, obj T)) *ObjectSet[T] {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	return &ObjectSet[T]{render: render, chunkSize: chunkSize}
}

// Len returns the number of objects.
func (s *ObjectSet[T]) Len() int { return s.n }

// locate finds the chunk that holds key, or would: the last chunk whose
// first key is not after key, or the first chunk. The set must not be empty.
func (s *ObjectSet[T]) locate(key string) (c *chunk[T], ci, ei int, found bool) {
	ci, _ = slices.BinarySearchFunc(s.chunks, key, func(c *chunk[T], k string) int {
		if c.entries[0].key <= k {
			return -1
		}
		return 1
	})
	ci = max(ci-1, 0)
	c = s.chunks[ci]
	ei, found = slices.BinarySearchFunc(c.entries, key, func(e entry[T], k string) int { return strings.Compare(e.key, k) })
	return c, ci, ei, found
}

// Get returns the object stored under key.
func (s *ObjectSet[T]) Get(key string) (obj T, ok bool) {
	if s.n == 0 {
		return obj, false
	}
	c, _, ei, found := s.locate(key)
	if !found {
		return obj, false
	}
	return c.entries[ei].obj, true
}

// Put adds the object under key, or replaces the one stored there, and
// marks it to be rendered at the next commit. Put only what changed: an
// unchanged object put again is rendered again for nothing.
func (s *ObjectSet[T]) Put(key string, obj T) {
	if s.n == 0 {
		s.chunks = append(s.chunks[:0], &chunk[T]{entries: []entry[T]{{key: key, obj: obj, prev: -1}}, dirty: true})
		s.n = 1
		return
	}
	c, ci, ei, found := s.locate(key)
	c.dirty = true
	if found {
		c.entries[ei].obj, c.entries[ei].prev = obj, -1
		return
	}
	c.entries = slices.Insert(c.entries, ei, entry[T]{key: key, obj: obj, prev: -1})
	s.n++
	if len(c.entries) > 2*s.chunkSize {
		s.split(ci)
	}
}

// Delete removes the object under key and reports whether there was one.
func (s *ObjectSet[T]) Delete(key string) bool {
	if s.n == 0 {
		return false
	}
	c, ci, ei, found := s.locate(key)
	if !found {
		return false
	}
	c.entries = slices.Delete(c.entries, ei, ei+1)
	c.dirty = true
	s.n--
	if len(c.entries) < max(s.chunkSize/4, 1) {
		s.merge(ci)
	}
	return true
}

// Invalidate marks the object under key to be rendered at the next commit
// without replacing it: for an object changed in place through a pointer.
func (s *ObjectSet[T]) Invalidate(key string) bool {
	if s.n == 0 {
		return false
	}
	c, _, ei, found := s.locate(key)
	if found {
		c.entries[ei].prev = -1
		c.dirty = true
	}
	return found
}

// InvalidateAll marks every object to be rendered at the next commit: for
// a change to state that every object's lines depend on (a group's name,
// a cell's position, the labels of the families).
func (s *ObjectSet[T]) InvalidateAll() {
	for _, c := range s.chunks {
		c.forget()
	}
}

// All returns the objects in key order. The set must not be changed while
// the sequence is being read.
func (s *ObjectSet[T]) All() iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		for _, c := range s.chunks {
			for i := range c.entries {
				if !yield(c.entries[i].key, c.entries[i].obj) {
					return
				}
			}
		}
	}
}

// forget marks every object of the chunk to be rendered: its last render no
// longer lines up with its objects. The fragments stay, for comparison.
func (c *chunk[T]) forget() {
	c.dirty = true
	c.ends = nil
	for i := range c.entries {
		c.entries[i].prev = -1
	}
}

// split cuts an oversized chunk in two halves. Splits happen once per
// about ChunkSize insertions in one place, so both halves are simply
// rendered again.
func (s *ObjectSet[T]) split(ci int) {
	c := s.chunks[ci]
	half := len(c.entries) / 2
	right := &chunk[T]{entries: slices.Clone(c.entries[half:])}
	clear(c.entries[half:]) // let the moved objects go
	c.entries = c.entries[:half]
	c.forget()
	right.forget()
	s.chunks = slices.Insert(s.chunks, ci+1, right)
}

// merge joins an undersized chunk with its smaller neighbour, or drops it
// when empty, so that deletions do not leave many tiny fragments.
func (s *ObjectSet[T]) merge(ci int) {
	c := s.chunks[ci]
	if len(c.entries) == 0 {
		s.chunks = slices.Delete(s.chunks, ci, ci+1)
		return
	}
	if len(s.chunks) == 1 {
		return
	}
	left := ci - 1
	if left < 0 || (ci+1 < len(s.chunks) && len(s.chunks[ci+1].entries) < len(s.chunks[left].entries)) {
		left = ci
	}
	a, b := s.chunks[left], s.chunks[left+1]
	a.entries = append(a.entries, b.entries...)
	a.forget()
	s.chunks = slices.Delete(s.chunks, left+1, left+2)
	if len(a.entries) > 2*s.chunkSize {
		s.split(left)
	}
}

// Commit renders what changed since the last commit and returns a view of
// every object. Only the changed chunks are rendered, and in them only the
// changed objects; the memory a commit needs beyond the result is one
// chunk's text, reused from commit to commit, and one DEFLATE state per
// worker.
//
// Compressing is most of a commit's work: a poll that changes 1 % of the
// SIMs, at random, changes nearly every chunk of 1,000. Fragments are
// independent, so they are compressed by up to maxCompressWorkers
// goroutines; the render function itself is only ever called from the
// goroutine that calls Commit.
func (s *ObjectSet[T]) Commit() *ObjectView {
	st := CommitStats{Objects: s.n, Chunks: len(s.chunks)}
	for _, c := range s.chunks {
		if c.dirty {
			s.renderChunk(c, &st)
		}
	}
	st.FragmentsCompressed = len(s.jobs)
	s.compress()
	s.last = st
	return s.view()
}

// maxCompressWorkers bounds the goroutines, and DEFLATE states (about a
// megabyte each), one commit uses.
const maxCompressWorkers = 4

func (s *ObjectSet[T]) compress() {
	jobs := s.jobs
	defer func() {
		clear(s.jobs) // the texts now belong to their fragments
		s.jobs = s.jobs[:0]
	}()
	// The DEFLATE states come from the package's pool, shared by every
	// set: two targets committing at once use at most GOMAXPROCS states
	// each, and the pool lets them go when idle.
	workers := min(runtime.GOMAXPROCS(0), maxCompressWorkers, len(jobs))
	var next atomic.Int64
	work := func() {
		c := compressors.Get().(*compressor)
		defer compressors.Put(c)
		for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
			fr := c.fragment(jobs[i].plain)
			*jobs[i].slot = &fr
		}
	}
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(work)
	}
	wg.Wait()
}

// LastCommit returns what the last commit did.
func (s *ObjectSet[T]) LastCommit() CommitStats { return s.last }

func (s *ObjectSet[T]) renderChunk(c *chunk[T], st *CommitStats) {
	w := &s.w
	w.reset()
	for i := range c.entries {
		e := &c.entries[i]
		if e.prev >= 0 {
			w.copyObject(c.frags, c.ends, int(e.prev))
		} else {
			s.render(w, e.obj)
			st.ObjectsRendered++
		}
		w.endObject()
		e.prev = int32(i)
	}
	nfam := len(w.fams)
	c.frags = append(c.frags, make([]*Fragment, nfam-len(c.frags))...)
	c.series = 0
	for f := range nfam {
		buf, old := w.bufs[f], c.frags[f]
		switch {
		case len(buf) == 0:
			c.frags[f] = nil
		case old != nil && bytes.Equal(old.Plain, buf):
			// Unchanged text keeps its fragment: a change to one family
			// (a session going offline) does not compress the others.
		default:
			s.jobs = append(s.jobs, compressJob{&c.frags[f], bytes.Clone(buf)})
		}
		// A line is a sample: label values and help never hold a raw
		// line feed.
		c.series += bytes.Count(buf, []byte{'\n'})
	}
	// The ends just written describe the new render; the chunk's old ones
	// become the scratch of the next chunk.
	c.ends, w.ends = w.ends, c.ends
	c.dirty = false
	st.ChunksRendered++
}

// view gathers the chunks' current fragments. It copies pointers only:
// O(chunks × families), however many objects there are.
func (s *ObjectSet[T]) view() *ObjectView {
	v := &ObjectView{objects: s.n}
	for f, fam := range s.w.fams {
		var frags []*Fragment
		for _, c := range s.chunks {
			if f < len(c.frags) && c.frags[f] != nil {
				if frags == nil {
					frags = make([]*Fragment, 0, len(s.chunks))
				}
				frags = append(frags, c.frags[f])
				v.size += len(c.frags[f].Plain)
			}
		}
		if frags != nil {
			v.fams = append(v.fams, viewFamily{fam, frags})
		}
	}
	for _, c := range s.chunks {
		v.series += c.series
	}
	slices.SortFunc(v.fams, func(a, b viewFamily) int { return cmp.Compare(a.fam.Name, b.fam.Name) })
	return v
}

// SampleWriter receives the samples of one object from an ObjectSet's
// render function.
type SampleWriter struct {
	fams    []*Family // every family seen, in order of first use
	bufs    [][]byte  // text of the chunk being rendered, by family index
	ends    [][]uint32
	objects int // objects ended in the chunk being rendered
	lastFam int
}

// Add appends one sample of f. values are the label values, in the order of
// f.Labels; any UTF-8 string is allowed and escaped as the format requires.
func (w *SampleWriter) Add(f *Family, value float64, values ...string) {
	i := w.index(f)
	w.bufs[i] = appendSample(w.bufs[i], f, value, values)
}

// index returns f's index, registering a family seen for the first time.
// An object adds to a handful of families, so a scan beats a map; the last
// family used is tried first, as objects often add several samples of one.
func (w *SampleWriter) index(f *Family) int {
	if w.lastFam < len(w.fams) && w.fams[w.lastFam] == f {
		return w.lastFam
	}
	for i, g := range w.fams {
		if g == f {
			w.lastFam = i
			return i
		}
	}
	w.fams = append(w.fams, f)
	w.bufs = append(w.bufs, nil)
	// The objects already ended in this chunk had no line in f.
	w.ends = append(w.ends, make([]uint32, w.objects))
	w.lastFam = len(w.fams) - 1
	return w.lastFam
}

// reset empties the scratch for a new chunk, keeping its memory.
func (w *SampleWriter) reset() {
	w.objects = 0
	for i := range w.bufs {
		w.bufs[i] = w.bufs[i][:0]
	}
	w.ends = slices.Grow(w.ends[:0], len(w.fams))[:len(w.fams)]
	for i := range w.ends {
		w.ends[i] = w.ends[i][:0]
	}
}

// endObject records where the object just written ends in every family.
func (w *SampleWriter) endObject() {
	for i := range w.ends {
		w.ends[i] = append(w.ends[i], uint32(len(w.bufs[i])))
	}
	w.objects++
}

// copyObject appends the lines object i had in a chunk's last render.
func (w *SampleWriter) copyObject(frags []*Fragment, ends [][]uint32, i int) {
	for f, fe := range ends {
		start := uint32(0)
		if i > 0 {
			start = fe[i-1]
		}
		if end := fe[i]; end > start {
			w.bufs[f] = append(w.bufs[f], frags[f].Plain[start:end]...)
		}
	}
}

// ObjectView is the rendered state of an ObjectSet at one commit. It never
// changes and is safe for concurrent use.
type ObjectView struct {
	fams    []viewFamily // by family name
	objects int
	series  int
	size    int
}

type viewFamily struct {
	fam   *Family
	frags []*Fragment
}

// Families returns the families with at least one sample, sorted by name.
func (v *ObjectView) Families() []*Family {
	out := make([]*Family, len(v.fams))
	for i, vf := range v.fams {
		out[i] = vf.fam
	}
	return out
}

// Fragments returns f's samples as fragments, in key order, without the
// header; nil when f has no sample. Their plain texts one after another are
// f's samples; their DEFLATE data one after another compress that text. The
// slice belongs to the view: do not change it.
func (v *ObjectView) Fragments(f *Family) []*Fragment {
	for _, vf := range v.fams {
		if vf.fam == f {
			return vf.frags
		}
	}
	return nil
}

// Objects returns the number of objects.
func (v *ObjectView) Objects() int { return v.objects }

// Series returns the number of samples, for a cap on per-object series.
func (v *ObjectView) Series() int { return v.series }

// Size returns the length of the samples' text, without headers.
func (v *ObjectView) Size() int { return v.size }

// WriteTo writes the view as a complete exposition: each family's header
// and samples, families by name.
func (v *ObjectView) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, vf := range v.fams {
		m, err := w.Write(vf.fam.Header().Plain)
		n += int64(m)
		if err != nil {
			return n, err
		}
		for _, fr := range vf.frags {
			m, err := w.Write(fr.Plain)
			n += int64(m)
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// WriteGzip appends what WriteTo writes to a gzip member, from the
// pre-compressed fragments.
func (v *ObjectView) WriteGzip(g *GzipWriter) {
	for _, vf := range v.fams {
		g.WriteFragment(vf.fam.Header())
		for _, fr := range vf.frags {
			g.WriteFragment(fr)
		}
	}
}
