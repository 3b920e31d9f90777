// Package exposition renders metrics in the Prometheus text format (0.0.4)
// ahead of time. The exporter renders a source's metrics once, when a poll
// produces new data, so that a scrape of 100,000 SIMs only copies bytes that
// already exist (the kube-state-metrics way), instead of building and
// sorting 100,000 metric objects per scrape as a client_golang collector would.
//
// Every rendered piece is kept as a raw DEFLATE fragment ending on a byte
// boundary (a sync flush), with the CRC and length of its text. Fragments
// placed one after another form one valid DEFLATE stream, so a gzip response
// is a header, the fragments, a final empty block and a trailer whose CRC is
// combined from the fragments' CRCs: nothing is compressed or even read at
// scrape time. Small pieces keep their text too; the per-SIM pieces do not
// (it is eight times their DEFLATE data) and are inflated for the rare
// plain-text scrape.
//
// Two ways to render. A Builder renders a snapshot whole: right for small,
// fleet-level results (counts, bills). An ObjectSet renders per object,
// for series that exist once per SIM: a source keeps one set per target,
// keyed by a stable ID (the SIM ID), and after each listing or webhook
// refresh it Puts the SIMs whose rendered state changed, Deletes those gone,
// and Commits. The commit renders again only the chunks of about 1,000 SIMs
// that had a change, and in them only the changed SIMs, so a refresh of one
// SIM costs one chunk instead of the whole fleet, while its ObjectView
// gives, per family, the fragments in SIM ID order, ready for the plain and
// the pre-compressed gzip scrape, byte for byte what a full render in that
// order gives. The object a set stores is the source's compact per-SIM
// state, not the API's reply: the set holds the rendered lines, and the
// state is what the next change is detected against and rendered from.
package exposition

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// Type is a metric type as written on the # TYPE line.
type Type string

const (
	Gauge   Type = "gauge"
	Counter Type = "counter"
)

// Family describes one metric family. Families are declared once, as
// package-level values, and shared by every snapshot that carries samples of
// them.
type Family struct {
	Name string
	Help string
	Type Type
	// Labels are the label names of every sample, in order.
	Labels []string

	header Fragment
}

// NewFamily declares a family and renders its HELP and TYPE lines.
func NewFamily(name, help string, typ Type, labels ...string) *Family {
	f := &Family{Name: name, Help: help, Type: typ, Labels: labels}
	var b []byte
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscapedHelp(b, help)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	b = append(b, '\n')
	f.header = NewFragment(b)
	return f
}

// Header returns the pre-rendered HELP and TYPE lines.
func (f *Family) Header() *Fragment { return &f.header }

// Fragment is a piece of exposition text as sync-flushed raw DEFLATE data,
// with the CRC-32 (IEEE) and length of the text. A fragment made by
// NewFragment also keeps its text; the fragments of an ObjectSet keep only
// the DEFLATE data (about an eighth of the text), and give their text back
// by inflating it: a gzip scrape, the usual one, never needs the text.
type Fragment struct {
	plain   []byte // nil when only the DEFLATE data is kept
	Deflate []byte
	CRC     uint32
	// shift is x^(8·len(text)) mod P, what combining this fragment's CRC
	// with the CRC of the text before it takes (see crc32Shift).
	shift uint32
	size  int
}

// NewFragment compresses plain and keeps it. The caller must not change
// plain afterwards.
func NewFragment(plain []byte) Fragment {
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	fr := c.fragment(plain)
	fr.plain = plain
	return fr
}

// Len returns the length of the text.
func (f *Fragment) Len() int { return f.size }

// Text returns the text: the fragment's own when it keeps it (do not change
// it), else a new slice inflated from the DEFLATE data.
func (f *Fragment) Text() []byte {
	if f.plain != nil || f.size == 0 {
		return f.plain
	}
	b, err := f.AppendText(make([]byte, 0, f.size))
	if err != nil {
		// Only the package makes fragments, from data it compressed itself.
		panic("exposition: " + err.Error())
	}
	return b
}

// AppendText appends the text to b.
func (f *Fragment) AppendText(b []byte) ([]byte, error) {
	if f.plain != nil || f.size == 0 {
		return append(b, f.plain...), nil
	}
	n := len(b)
	b = slices.Grow(b, f.size)[:n+f.size]
	if err := f.inflate(func(r io.Reader) error { _, err := io.ReadFull(r, b[n:]); return err }); err != nil {
		return b[:n], err
	}
	return b, nil
}

// WriteText writes the text to w.
func (f *Fragment) WriteText(w io.Writer) (int64, error) {
	if f.plain != nil || f.size == 0 {
		n, err := w.Write(f.plain)
		return int64(n), err
	}
	var n int64
	err := f.inflate(func(r io.Reader) error {
		var err error
		n, err = io.CopyN(w, r, int64(f.size))
		return err
	})
	return n, err
}

// inflate hands read a reader of the text, which read must read to its
// length, and checks that the DEFLATE data held exactly that much.
func (f *Fragment) inflate(read func(io.Reader) error) error {
	in := inflaters.Get().(*inflater)
	defer inflaters.Put(in)
	// A *bytes.Reader, not a reader that adds the final block: the
	// decompressor has a fast path for it, twice as fast on this text.
	in.src.Reset(f.Deflate)
	if in.zr == nil {
		in.zr = flate.NewReader(&in.src)
	} else if err := in.zr.(flate.Resetter).Reset(&in.src, nil); err != nil {
		return err
	}
	if err := read(in.zr); err != nil {
		return fmt.Errorf("inflating a fragment of %d bytes: %w", f.size, err)
	}
	// The data ends with a sync flush, without a final block: past the
	// text, the stream must end there, unexpectedly for the decompressor.
	if n, err := in.zr.Read(in.probe[:]); n != 0 || (err != io.EOF && err != io.ErrUnexpectedEOF) {
		return fmt.Errorf("inflating a fragment of %d bytes: longer than its length", f.size)
	}
	return nil
}

// inflater is a decompressor and the reader of the data it inflates.
type inflater struct {
	src   bytes.Reader
	zr    io.ReadCloser
	probe [1]byte
}

// inflaters keeps decompressors (tens of kilobytes each) between fragments:
// a plain scrape of a large fleet inflates a thousand of them.
var inflaters = sync.Pool{New: func() any { return new(inflater) }}

// compressors keeps DEFLATE states between fragments: making one costs
// most of a megabyte, many times the work of compressing a small
// fragment, and a refresh or poll makes a dozen small ones.
var compressors = sync.Pool{New: func() any { return new(compressor) }}

// compressor turns text into fragments. One that is kept and reused saves
// the DEFLATE writer's state (most of a megabyte) per fragment.
type compressor struct {
	zw  *flate.Writer
	buf bytes.Buffer
}

// fragment compresses plain into a fragment that does not keep it. Every
// fragment starts a fresh DEFLATE state, so fragments can be placed in any
// order and any company.
func (c *compressor) fragment(plain []byte) Fragment {
	c.buf.Reset()
	if c.zw == nil {
		// BestSpeed: rendering happens on every poll, and the text is highly
		// repetitive, so it still compresses well.
		c.zw, _ = flate.NewWriter(&c.buf, flate.BestSpeed)
	} else {
		c.zw.Reset(&c.buf)
	}
	_, _ = c.zw.Write(plain)
	_ = c.zw.Flush() // sync flush: ends on a byte boundary, no final block
	return Fragment{Deflate: bytes.Clone(c.buf.Bytes()), CRC: crc32.ChecksumIEEE(plain),
		shift: xPow8n(int64(len(plain))), size: len(plain)}
}

// Builder collects samples per family for one snapshot.
type Builder struct {
	order []*Family
	bufs  map[*Family][]byte
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{bufs: map[*Family][]byte{}} }

// Add appends one sample of f. values are the label values, in the order of
// f.Labels; any UTF-8 string is allowed and escaped as the format requires.
func (b *Builder) Add(f *Family, value float64, values ...string) {
	buf, ok := b.bufs[f]
	if !ok {
		b.order = append(b.order, f)
	}
	b.bufs[f] = appendSample(buf, f, value, values)
}

// appendSample writes one sample line of f. values must match f.Labels.
func appendSample(buf []byte, f *Family, value float64, values []string) []byte {
	if len(values) != len(f.Labels) {
		panic("exposition: " + f.Name + ": wrong number of label values")
	}
	buf = append(buf, f.Name...)
	if len(values) > 0 {
		buf = append(buf, '{')
		for i, name := range f.Labels {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, name...)
			buf = append(buf, `="`...)
			buf = AppendEscapedLabelValue(buf, values[i])
			buf = append(buf, '"')
		}
		buf = append(buf, '}')
	}
	buf = append(buf, ' ')
	buf = AppendValue(buf, value)
	return append(buf, '\n')
}

// Grow makes room for n more bytes of f's samples. Sources that render the
// same families every poll pass the previous poll's sizes, so that a large
// render does not regrow (and copy) its buffers over and over.
func (b *Builder) Grow(f *Family, n int) {
	buf, ok := b.bufs[f]
	if !ok {
		b.order = append(b.order, f)
	}
	b.bufs[f] = slices.Grow(buf, n)
}

// Sizes returns the bytes rendered so far per family, for the next Grow.
func (b *Builder) Sizes() map[*Family]int {
	out := make(map[*Family]int, len(b.bufs))
	for f, buf := range b.bufs {
		out[f] = len(buf)
	}
	return out
}

// Has reports whether any sample of f was added.
func (b *Builder) Has(f *Family) bool { return len(b.bufs[f]) > 0 }

// Build renders and compresses each family's samples.
func (b *Builder) Build() map[*Family]*Fragment {
	out := make(map[*Family]*Fragment, len(b.order))
	for _, f := range b.order {
		buf := b.bufs[f]
		if len(buf) == 0 {
			continue // grown for, but no sample this time
		}
		// append doubles capacity as it goes: hand on an exact-size copy so
		// the snapshot, which lives until the next poll, does not keep up
		// to twice its text in memory.
		if cap(buf)-len(buf) > len(buf)/16 {
			buf = bytes.Clone(buf)
		}
		delete(b.bufs, f)
		fr := NewFragment(buf)
		out[f] = &fr
	}
	return out
}

// AppendValue writes a sample value as the text format expects.
func AppendValue(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// AppendEscapedLabelValue escapes backslash, double quote and line feed, and
// replaces invalid UTF-8, which Prometheus would reject for the whole scrape.
func AppendEscapedLabelValue(b []byte, s string) []byte {
	// Most values (IDs, numbers, plain names) need nothing: find the first
	// byte that might, and copy everything before it at once.
	i := 0
	for i < len(s) && s[i] != '\\' && s[i] != '"' && s[i] != '\n' && s[i] < utf8.RuneSelf {
		i++
	}
	b = append(b, s[:i]...)
	if i == len(s) {
		return b
	}
	s = s[i:]
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func appendEscapedHelp(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

var notInLabelName = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// TagLabelName is the label a SIM tag is copied to on soracom_sim_info:
// "tag_" and the tag name with every character outside [a-zA-Z0-9_] replaced
// by "_". The configuration uses it to refuse tags that would collide.
func TagLabelName(tag string) string {
	return "tag_" + notInLabelName.ReplaceAllString(strings.TrimSpace(tag), "_")
}
