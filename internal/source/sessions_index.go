package source

import (
	"math/bits"
	"math/rand/v2"
)

// recordSet is a hash set of records, each found by a 64-bit hash of one
// of its own fields (open addressing, linear probing): a slot is one
// pointer and at least a quarter of the slots are free, where a Go map of
// the same records, its key beside each pointer, costs two to three times
// as much. A million SIMs in aggregate mode keep two of them.
//
// A record is removed by leaving a tombstone in its slot, so that a walk
// over the set (all) may remove the records it meets.
type recordSet struct {
	slots []*simRecord // nil is a free slot
	n     int          // records
	used  int          // slots not free: records and tombstones
}

// tombstone marks a slot whose record was removed.
var tombstone = new(simRecord)

// find returns a record of hash h for which match is true, nil for none.
func (s *recordSet) find(h uint64, match func(*simRecord) bool) *simRecord {
	if len(s.slots) == 0 {
		return nil
	}
	for i := s.home(h); ; i = s.next(i) {
		switch rec := s.slots[i]; {
		case rec == nil:
			return nil
		case rec != tombstone && match(rec):
			return rec
		}
	}
}

// home is the first slot probed for hash h: h scaled to the table's
// length, which need not be a power of two.
func (s *recordSet) home(h uint64) int {
	i, _ := bits.Mul64(h, uint64(len(s.slots)))
	return int(i)
}

func (s *recordSet) next(i int) int {
	if i++; i == len(s.slots) {
		return 0
	}
	return i
}

// insert adds rec, of hash h; hash gives the hash of any record in the set,
// to grow it.
func (s *recordSet) insert(h uint64, rec *simRecord, hash func(*simRecord) uint64) {
	if (s.used+1)*4 > len(s.slots)*3 {
		s.rehash(hash)
	}
	for i := s.home(h); ; i = s.next(i) {
		switch s.slots[i] {
		case nil:
			s.used++
			fallthrough
		case tombstone:
			s.slots[i] = rec
			s.n++
			return
		}
	}
}

// remove takes rec, of hash h, out of the set, and reports whether it was
// in it.
func (s *recordSet) remove(h uint64, rec *simRecord) bool {
	if len(s.slots) == 0 {
		return false
	}
	for i := s.home(h); s.slots[i] != nil; i = s.next(i) {
		if s.slots[i] == rec {
			s.slots[i] = tombstone
			s.n--
			return true
		}
	}
	return false
}

// rehash makes room for more records: the slots are laid out again without
// tombstones, in a table two thirds full, so that the set is between half
// and three quarters full as it grows.
func (s *recordSet) rehash(hash func(*simRecord) uint64) {
	old := s.slots
	*s = recordSet{slots: make([]*simRecord, max(16, (s.n+1)*3/2))}
	for _, rec := range old {
		if rec != nil && rec != tombstone {
			s.insert(hash(rec), rec, hash)
		}
	}
}

func (s *recordSet) len() int { return s.n }

// all yields every record, in no particular order; yield may remove the
// record it is given.
func (s *recordSet) all(yield func(*simRecord) bool) {
	for _, rec := range s.slots {
		if rec != nil && rec != tombstone && !yield(rec) {
			return
		}
	}
}

// hashSeed keys the sets' hashes for this process.
var hashSeed = rand.Uint64()

// mix64 is a 64-bit finalizer (MurmurHash3's fmix64): every bit of the
// result depends on every bit of x.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func hashID(k packedID) uint64 { return mix64(k.hi ^ mix64(k.lo^hashSeed)) }

func hashIMSI(k uint64) uint64 { return mix64(k ^ hashSeed) }

func recordIDHash(rec *simRecord) uint64   { return hashID(rec.key) }
func recordIMSIHash(rec *simRecord) uint64 { return hashIMSI(rec.core.imsi) }

// imsiIndex finds a SIM by any of its IMSIs (digitKey), for the webhook:
// by the IMSI the SIM reports in a set keyed by the record's own field,
// and by its other IMSIs, which few SIMs have, in a map.
type imsiIndex struct {
	reported recordSet
	others   map[uint64]*simRecord
}

func (x *imsiIndex) get(k uint64) *simRecord {
	if rec := x.reported.find(hashIMSI(k), func(rec *simRecord) bool { return rec.core.imsi == k }); rec != nil {
		return rec
	}
	return x.others[k]
}

func (x *imsiIndex) add(rec *simRecord) {
	for _, k := range rec.otherIMSIs() {
		if x.others == nil {
			x.others = map[uint64]*simRecord{}
		}
		x.others[k] = rec
	}
	if rec.core.imsi != 0 {
		x.reported.insert(hashIMSI(rec.core.imsi), rec, recordIMSIHash)
	}
}

func (x *imsiIndex) remove(rec *simRecord) {
	for _, k := range rec.otherIMSIs() {
		if x.others[k] == rec {
			delete(x.others, k)
		}
	}
	if rec.core.imsi != 0 {
		x.reported.remove(hashIMSI(rec.core.imsi), rec)
	}
}

// len is the number of IMSIs indexed.
func (x *imsiIndex) len() int { return x.reported.len() + len(x.others) }

// recordPool allocates a target's records in slabs of slabSize: one
// allocation per slab rather than per SIM, and 88 bytes a record rather
// than the 96 of the allocator's size class. The records of SIMs a sweep
// forgot are handed out again; until then they keep saying they are gone.
type recordPool struct {
	slab []simRecord // what is left of the slab being handed out
	free []*simRecord
}

const slabSize = 1024

func (p *recordPool) get() *simRecord {
	if n := len(p.free); n > 0 {
		rec := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		*rec = simRecord{}
		return rec
	}
	if len(p.slab) == 0 {
		p.slab = make([]simRecord, slabSize)
	}
	rec := &p.slab[0]
	p.slab = p.slab[1:]
	return rec
}

// reuse takes back the records of forgotten SIMs, once nothing refers to
// them any more. They are cleared at once: a record waiting to be handed
// out again keeps nothing of its SIM (in per-SIM mode, its detail).
func (p *recordPool) reuse(recs []*simRecord) {
	for _, rec := range recs {
		*rec = simRecord{}
	}
	p.free = append(p.free, recs...)
}
