package source

import (
	"hash/maphash"
	"iter"
)

// SIM IDs (ICCID-like), IMSIs and IMEIs are strings of decimal digits. The
// sessions source keeps them packed in machine words where it only needs to
// find or compare them, so that a million SIMs in aggregate mode cost no
// string, and no pointer for the garbage collector to follow, each.

// packedID is a SIM ID of 1 to 36 decimal digits in two words: lo holds the
// value of the last 19 digits, hi the digit count (top 6 bits) and the value
// of the digits before them. The digit count keeps leading zeros, so the
// packing is exact both ways.
type packedID struct{ hi, lo uint64 }

const maxPackedDigits = 36

// packID packs s, or reports that it is not 1 to 36 decimal digits.
func packID(s string) (packedID, bool) {
	n := len(s)
	if n == 0 || n > maxPackedDigits {
		return packedID{}, false
	}
	var p packedID
	split := n - 19
	for i := range n {
		c := s[i]
		if c < '0' || c > '9' {
			return packedID{}, false
		}
		if i < split {
			p.hi = p.hi*10 + uint64(c-'0')
		} else {
			p.lo = p.lo*10 + uint64(c-'0')
		}
	}
	p.hi |= uint64(n) << 58
	return p, true
}

// String returns the SIM ID that was packed.
func (p packedID) String() string {
	n := int(p.hi >> 58)
	hi, lo := p.hi&(1<<58-1), p.lo
	var b [maxPackedDigits]byte
	for i := n - 1; i >= 0; i-- {
		if i >= n-19 {
			b[i] = byte('0' + lo%10)
			lo /= 10
		} else {
			b[i] = byte('0' + hi%10)
			hi /= 10
		}
	}
	return string(b[:n])
}

// seed keys the hashes below; they live only in this process.
var seed = maphash.MakeSeed()

// digitKey is a 64-bit key for an IMSI or IMEI, 0 for none: exact for up to
// 17 decimal digits (IMSIs have 15, IMEIs 15 or 16): the digit count in bits
// 57 to 61 above the value, which is below 10^17 < 2^57. Anything else is
// hashed, marked by the top bit: two such values share a key with a
// probability of 2^-63, and where the key finds a SIM (the webhook's IMSI
// index) the subscriber lookup that follows names the SIM for sure.
func digitKey(s string) uint64 {
	if s == "" {
		return 0
	}
	if len(s) <= 17 {
		var v uint64
		numeric := true
		for i := range len(s) {
			c := s[i]
			if c < '0' || c > '9' {
				numeric = false
				break
			}
			v = v*10 + uint64(c-'0')
		}
		if numeric {
			return uint64(len(s))<<57 | v
		}
	}
	return 1<<63 | maphash.String(seed, s)>>1
}

// cellHash stands for a cell in the comparison that counts cell changes:
// equal cells have equal hashes, and different cells share one with a
// probability of 2^-64. 0 is "no cell".
func cellHash(c *cellID) uint64 {
	if c.has == 0 {
		return 0
	}
	return max(maphash.Comparable(seed, *c), 1)
}

// simRecords finds a SIM's record by its ID: packed when the ID is digits,
// as SORACOM's are, else by the ID itself.
type simRecords struct {
	packed recordSet // by rec.key
	odd    map[string]*simRecord
}

func (x *simRecords) get(id string) *simRecord {
	if k, ok := packID(id); ok {
		return x.packed.find(hashID(k), func(rec *simRecord) bool { return rec.key == k })
	}
	return x.odd[id]
}

// add indexes a new record under l's ID, which it takes.
func (x *simRecords) add(l *listedSIM, rec *simRecord) {
	if l.packed {
		rec.key = l.key
		x.packed.insert(hashID(l.key), rec, recordIDHash)
		return
	}
	rec.extraOf().id = l.id
	if x.odd == nil {
		x.odd = map[string]*simRecord{}
	}
	x.odd[l.id] = rec
}

func (x *simRecords) remove(rec *simRecord) {
	if rec.extra != nil && rec.extra.id != "" {
		delete(x.odd, rec.extra.id)
		return
	}
	x.packed.remove(hashID(rec.key), rec)
}

func (x *simRecords) len() int { return x.packed.len() + len(x.odd) }

// all yields every record, in no particular order; the loop may forget
// the record it is given.
func (x *simRecords) all() iter.Seq[*simRecord] {
	return func(yield func(*simRecord) bool) {
		stopped := false
		x.packed.all(func(rec *simRecord) bool {
			stopped = !yield(rec)
			return !stopped
		})
		if stopped {
			return
		}
		for _, rec := range x.odd {
			if !yield(rec) {
				return
			}
		}
	}
}
