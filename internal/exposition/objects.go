package exposition

import (
	"bytes"
	"cmp"
	"hash/maphash"
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
// ChunkSize; each chunk keeps, per family, its text compressed as a
// sync-flushed DEFLATE fragment (not the text: that would take about eight
// times the memory), and for each of its objects where that object's lines
// end and a hash of them. Put, Delete and Invalidate only mark the object and
// its chunk; Commit renders the marked objects again and, for each family in
// which their lines differ from the last render's (by the hashes), inflates
// the chunk's previous text, puts the new lines in place of the old, and
// compresses it again; then it returns an immutable ObjectView. A session
// going offline changes a few families of its chunk, and only those are
// inflated and compressed.
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
	// jobs are the fragments a commit has to compress, and pending the
	// bytes of text they hold.
	jobs    []compressJob
	pending int
	// pendingLimit is maxPendingText, or less in tests.
	pendingLimit int
	// old is the scratch a family's previous text is inflated into;
	// rendered lists the entries of the chunk being rendered that the
	// render function was called for; ends and sums are the scratch the
	// next ends and sums of a family are built in.
	old      []byte
	rendered []int32
	ends     []uint32
	sums     []uint64
	last     CommitStats
}

// compressJob is a chunk's changed text of one family, to be compressed
// into the chunk's fragment slot.
type compressJob struct {
	slot  **Fragment
	plain *[]byte
}

// maxPendingText bounds the text a commit holds before compressing it: the
// first poll of 100,000 SIMs renders over 100 MB of text, which must not all
// be alive at once when only its DEFLATE data is kept.
const maxPendingText = 2 << 20

// entry is one object of a chunk.
type entry[T any] struct {
	key string
	obj T
	// prev is the object's position in its chunk's last render, or -1 when
	// it was not in it (new, or the chunk was split or merged since).
	prev int32
	// render marks the object to be rendered at the next commit; the
	// others' lines are the last render's.
	render bool
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
	// end in the text of frags[f], and sums[f][i] is the hash of those
	// lines (0 for none). A family registered after that render, or whose
	// ends are nil, had no lines of those objects.
	ends [][]uint32
	sums [][]uint64
	// lines[f] is the number of lines of frags[f]: a line is a sample.
	lines []int
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
	return &ObjectSet[T]{render: render, chunkSize: chunkSize, pendingLimit: maxPendingText}
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
		s.chunks = append(s.chunks[:0], &chunk[T]{entries: []entry[T]{{key: key, obj: obj, prev: -1, render: true}}, dirty: true})
		s.n = 1
		return
	}
	c, ci, ei, found := s.locate(key)
	c.dirty = true
	if found {
		c.entries[ei].obj, c.entries[ei].render = obj, true
		return
	}
	c.entries = slices.Insert(c.entries, ei, entry[T]{key: key, obj: obj, prev: -1, render: true})
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
		c.entries[ei].render = true
		c.dirty = true
	}
	return found
}

// InvalidateAll marks every object to be rendered at the next commit: for
// a change to state that every object's lines depend on (a group's name,
// a cell's position, the labels of the families).
func (s *ObjectSet[T]) InvalidateAll() {
	for _, c := range s.chunks {
		c.dirty = true
		for i := range c.entries {
			c.entries[i].render = true
		}
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
// longer lines up with its objects. The fragments stay, to be replaced.
func (c *chunk[T]) forget() {
	c.dirty = true
	c.ends, c.sums = nil, nil
	for i := range c.entries {
		c.entries[i].prev, c.entries[i].render = -1, true
	}
}

// split cuts an oversized chunk in two halves. Splits happen once per
// about ChunkSize insertions in one place, so both halves are simply
// rendered again.
func (s *ObjectSet[T]) split(ci int) {
	c := s.chunks[ci]
	half := len(c.entries) / 2
	right := &chunk[T]{entries: slices.Clone(c.entries[half:])}
	// Both halves get arrays of their size: the full one had room for
	// twice the objects, which a set of 100,000 would keep for nothing.
	c.entries = slices.Clone(c.entries[:half])
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
// every object. Only the changed chunks are rendered, in them only the
// changed objects, and only the families whose text changed are inflated
// and compressed again. Beyond the result, a commit needs one chunk's new
// lines and one family's previous text, reused from commit to commit, at
// most maxPendingText of text waiting to be compressed, and one DEFLATE
// state per worker.
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
			if s.pending >= s.pendingLimit {
				s.compress()
			}
		}
	}
	s.compress()
	s.last = st
	return s.view()
}

// maxCompressWorkers bounds the goroutines, and DEFLATE states (about a
// megabyte each), one commit uses.
const maxCompressWorkers = 4

// texts keeps the buffers a commit assembles a family's new text in, until
// it is compressed.
var texts = sync.Pool{New: func() any { return new([]byte) }}

func (s *ObjectSet[T]) compress() {
	jobs := s.jobs
	defer func() {
		for _, j := range jobs {
			*j.plain = (*j.plain)[:0]
			texts.Put(j.plain)
		}
		clear(s.jobs)
		s.jobs, s.pending = s.jobs[:0], 0
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
			fr := c.fragment(*jobs[i].plain)
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

// objectHash hashes one object's lines of one family; 0 stands for none.
// Equal hashes are taken for equal lines: two different texts share a
// 64-bit hash with a probability of 2^-64.
func objectHash(lines []byte) uint64 {
	if len(lines) == 0 {
		return 0
	}
	return maphash.Bytes(hashSeed, lines) | 1
}

var hashSeed = maphash.MakeSeed()

// renderChunk renders the chunk's marked objects, then settles each family:
// unchanged text keeps its fragment; changed text is assembled from the
// previous text and the new lines and queued to be compressed.
func (s *ObjectSet[T]) renderChunk(c *chunk[T], st *CommitStats) {
	w := &s.w
	w.reset()
	s.rendered = s.rendered[:0]
	for i := range c.entries {
		if e := &c.entries[i]; e.render || e.prev < 0 {
			s.render(w, e.obj)
			w.endObject()
			s.rendered = append(s.rendered, int32(i))
			st.ObjectsRendered++
		}
	}
	nfam := len(w.fams)
	c.frags = append(c.frags, make([]*Fragment, nfam-len(c.frags))...)
	c.lines = append(c.lines, make([]int, nfam-len(c.lines))...)
	queued := len(s.jobs)
	for f := range nfam {
		s.settleFamily(c, f)
	}
	st.FragmentsCompressed += len(s.jobs) - queued
	for i := range c.entries {
		c.entries[i].prev, c.entries[i].render = int32(i), false
	}
	c.dirty = false
	st.ChunksRendered++
}

// settleFamily works out family f's new ends and hashes for the chunk and
// whether its text changed: it did unless every object kept its lines (the
// copied ones by definition, the rendered ones by hash) and the objects
// that left had none.
func (s *ObjectSet[T]) settleFamily(c *chunk[T], f int) {
	var oldEnds []uint32
	var oldSums []uint64
	if f < len(c.ends) {
		oldEnds, oldSums = c.ends[f], c.sums[f]
	}
	oldLen := func(i int32) uint32 {
		if oldEnds == nil {
			return 0
		}
		if i == 0 {
			return oldEnds[0]
		}
		return oldEnds[i] - oldEnds[i-1]
	}
	w := &s.w
	n := len(c.entries)
	ends, sums := slices.Grow(s.ends[:0], n)[:n], slices.Grow(s.sums[:0], n)[:n]
	changed, copied := false, false
	var pos, kept uint32
	r := 0 // next in s.rendered
	for i := range c.entries {
		e := &c.entries[i]
		if r < len(s.rendered) && int(s.rendered[r]) == i {
			lines := w.lines(f, r)
			r++
			h := objectHash(lines)
			if e.prev >= 0 {
				old := oldLen(e.prev)
				kept += old
				if old != uint32(len(lines)) || (oldSums != nil && oldSums[e.prev] != h) {
					changed = true
				}
			} else if len(lines) > 0 {
				changed = true
			}
			pos += uint32(len(lines))
			sums[i] = h
		} else {
			old := oldLen(e.prev)
			kept += old
			copied = copied || old > 0
			pos += old
			if oldSums != nil {
				sums[i] = oldSums[e.prev]
			} else {
				sums[i] = 0
			}
		}
		ends[i] = pos
	}
	prev := c.frags[f]
	if prev != nil && kept != uint32(prev.Len()) {
		changed = true // an object that left had lines here
	}
	// Keep the new ends and hashes; the old arrays are the next scratch.
	if f >= len(c.ends) {
		c.ends = append(c.ends, make([][]uint32, f+1-len(c.ends))...)
		c.sums = append(c.sums, make([][]uint64, f+1-len(c.sums))...)
	}
	s.ends, s.sums = c.ends[f], c.sums[f]
	if pos == 0 {
		c.ends[f], c.sums[f] = nil, nil
		s.ends, s.sums = ends, sums
	} else {
		c.ends[f], c.sums[f] = slices.Clip(ends), slices.Clip(sums)
	}
	if !changed {
		return
	}
	if pos == 0 {
		c.frags[f], c.lines[f] = nil, 0
		return
	}
	// The previous text is needed only for lines that are copied.
	var old []byte
	if copied {
		var err error
		if s.old, err = prev.AppendText(s.old[:0]); err != nil {
			// The set compressed that text itself; it cannot be damaged.
			panic("exposition: " + err.Error())
		}
		old = s.old
	}
	buf := texts.Get().(*[]byte)
	text := slices.Grow((*buf)[:0], int(pos))
	r = 0
	for i := range c.entries {
		e := &c.entries[i]
		if r < len(s.rendered) && int(s.rendered[r]) == i {
			text = append(text, w.lines(f, r)...)
			r++
		} else if l := oldLen(e.prev); l > 0 {
			end := oldEnds[e.prev]
			text = append(text, old[end-l:end]...)
		}
	}
	*buf = text
	c.lines[f] = bytes.Count(text, []byte{'\n'})
	s.jobs = append(s.jobs, compressJob{&c.frags[f], buf})
	s.pending += len(text)
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
				v.size += c.frags[f].Len()
			}
		}
		if frags != nil {
			v.fams = append(v.fams, viewFamily{fam, frags})
		}
	}
	for _, c := range s.chunks {
		for _, n := range c.lines {
			v.series += n
		}
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

// lines returns the lines the i-th object rendered in the chunk added to
// family f.
func (w *SampleWriter) lines(f, i int) []byte {
	fe := w.ends[f]
	start := uint32(0)
	if i > 0 {
		start = fe[i-1]
	}
	return w.bufs[f][start:fe[i]]
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
		m, err := vf.fam.Header().WriteText(w)
		n += m
		if err != nil {
			return n, err
		}
		for _, fr := range vf.frags {
			m, err := fr.WriteText(w)
			n += m
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
