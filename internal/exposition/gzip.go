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
	if g.err != nil || len(f.Plain) == 0 {
		return
	}
	_, g.err = g.w.Write(f.Deflate)
	g.crc = crc32Combine(g.crc, f.CRC, int64(len(f.Plain)))
	g.size += uint32(len(f.Plain))
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
// len(B), by the GF(2) matrix method of zlib's crc32_combine: the CRC of A is
// advanced over lenB zero bytes and then xored with the CRC of B.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320 // the reflected IEEE polynomial
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2MatrixSquare(even[:], odd[:]) // operator for two zero bits
	gf2MatrixSquare(odd[:], even[:]) // four zero bits
	for {
		gf2MatrixSquare(even[:], odd[:])
		if lenB&1 != 0 {
			crcA = gf2MatrixTimes(even[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2MatrixSquare(odd[:], even[:])
		if lenB&1 != 0 {
			crcA = gf2MatrixTimes(odd[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2MatrixTimes(mat []uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2MatrixSquare(square, mat []uint32) {
	for n := range 32 {
		square[n] = gf2MatrixTimes(mat, mat[n])
	}
}
