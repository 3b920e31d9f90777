package source

import (
	"math/rand/v2"
	"testing"
)

// TestRecordSetAgreesWithAMap adds, finds and removes records at random,
// with many of one hash (so that probes run long and cross tombstones),
// and compares the set with a map after each step; a walk that removes
// every other record leaves the others.
func TestRecordSetAgreesWithAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var set recordSet
	want := map[uint64]*simRecord{}
	hash := func(rec *simRecord) uint64 { return rec.core.imsi % 97 } // collisions on purpose
	find := func(k uint64) *simRecord {
		return set.find(k%97, func(rec *simRecord) bool { return rec.core.imsi == k })
	}
	for step := range 20_000 {
		k := r.Uint64N(3000)
		if rec := want[k]; rec != nil {
			if !set.remove(hash(rec), rec) {
				t.Fatalf("step %d: %d not removed", step, k)
			}
			delete(want, k)
		} else {
			rec := &simRecord{core: simCore{imsi: k}}
			set.insert(hash(rec), rec, hash)
			want[k] = rec
		}
		if got := find(k); got != want[k] {
			t.Fatalf("step %d: find(%d) = %p, want %p", step, k, got, want[k])
		}
		if set.len() != len(want) || set.used*4 > len(set.slots)*3 {
			t.Fatalf("step %d: %d records in %d slots (%d used), want %d", step, set.len(), len(set.slots), set.used, len(want))
		}
	}
	for k, rec := range want {
		if find(k) != rec {
			t.Fatalf("%d lost", k)
		}
	}
	if set.remove(1, &simRecord{}) {
		t.Fatal("removed a record that was not in the set")
	}
	n := 0
	for rec := range set.all {
		if n++; n%2 == 0 {
			set.remove(hash(rec), rec)
			delete(want, rec.core.imsi)
		}
	}
	seen := 0
	for rec := range set.all {
		if want[rec.core.imsi] != rec {
			t.Fatalf("%d walked, not in the set", rec.core.imsi)
		}
		seen++
	}
	if seen != len(want) || set.len() != len(want) {
		t.Fatalf("walked %d records, the set has %d, want %d", seen, set.len(), len(want))
	}
}
