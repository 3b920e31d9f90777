package exposition

import (
	"encoding/binary"
	"io"
)

// GzipWriter writes one gzip member made of pre-compressed fragments.
type GzipWriter struct {
	w    io.Writer
	crc  uint32
	size uint32
	err  error
}

// gzipHeader is a minimal RFC 1952 header: no name, no mtime, OS unknown.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalBlock is an empty stored block with BFINAL set, ending the DEFLATE
// stream after the sync-flushed fragments.
var finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// NewGzipWriter starts a gzip member on w.
func NewGzipWriter(w io.Writer) *GzipWriter {
	g := &GzipWriter{w: w}
	_, g.err = w.Write(gzipHeader)
	return g
}

// WriteFragment appends a pre-compressed fragment.
func (g *GzipWriter) WriteFragment(f *Fragment) {
	if g.err != nil || f.size == 0 {
		return
	}
	_, g.err = g.w.Write(f.Deflate)
	g.crc = crc32Shift(g.crc, f.shift) ^ f.CRC
	g.size += uint32(f.size)
}

// WritePlain compresses and appends text that was not rendered ahead of time
// (the small, ever-changing self-metrics).
func (g *GzipWriter) WritePlain(p []byte) {
	if len(p) == 0 {
		return
	}
	fr := NewFragment(p)
	g.WriteFragment(&fr)
}

// Close ends the DEFLATE stream and writes the trailer.
func (g *GzipWriter) Close() error {
	if g.err != nil {
		return g.err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[0:], g.crc)
	binary.LittleEndian.PutUint32(trailer[4:], g.size)
	if _, err := g.w.Write(finalBlock); err != nil {
		return err
	}
	_, err := g.w.Write(trailer[:])
	return err
}

// crc32Combine returns the CRC-32 (IEEE) of A||B from crc(A), crc(B) and
// len(B).
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	return crc32Shift(crcA, xPow8n(lenB)) ^ crcB
}

// A CRC-32 is the remainder of the message, as a polynomial over GF(2),
// modulo the generator P. Appending n bytes multiplies the CRC of what came
// before by x^(8n) mod P, so combining CRCs needs that power; a fragment
// computes it once, when made, and a scrape then spends one multiplication
// per fragment instead of the logarithmic number that finding the power
// takes. Polynomials are stored reflected, as in the CRC itself: the
// coefficient of x^0 is the top bit.

// crcPoly is P, reflected, without its x^32 term.
const crcPoly = 0xedb88320

// gf2MulModP returns a·b mod P.
func gf2MulModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			a ^= m
		}
		// b·x: a shift towards the low bits, reduced by P on overflow.
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow2k[k] is x^(2^k) mod P.
var xPow2k = func() (t [64]uint32) {
	t[0] = 1 << 30 // x^1
	for k := 1; k < len(t); k++ {
		t[k] = gf2MulModP(t[k-1], t[k-1])
	}
	return t
}()

// xPow8n returns x^(8n) mod P, by squaring: the bits of 8n pick the powers
// x^(2^k) to multiply.
func xPow8n(n int64) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n > 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			p = gf2MulModP(xPow2k[k%len(xPow2k)], p)
		}
	}
	return p
}

// crc32Shift returns the CRC of A followed by n bytes, given crc(A) and
// shift = xPow8n(n), before the CRC of those n bytes is added (xored).
func crc32Shift(crc, shift uint32) uint32 { return gf2MulModP(shift, crc) }
