package source

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
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

// TestRecordSize keeps a record at 88 bytes: a million SIMs in aggregate
// mode keep one each, in slabs.
func TestRecordSize(t *testing.T) {
	if size := unsafe.Sizeof(simRecord{}); size > 88 {
		t.Fatalf("a SIM's record is %d bytes, want at most 88", size)
	}
}

// TestForgottenRecordsAreReused lists a fleet, then other SIMs twice: the
// records of the SIMs the second listing forgot are handed out, reset, in
// the third, and no event read stays queued for a forgotten SIM.
func TestForgottenRecordsAreReused(t *testing.T) {
	s := NewSessions(SessionsOptions{Aggregate: true, SessionEvents: true})
	tg := Target{Account: "a", Coverage: soracom.CoverageJapan}
	sims := syntheticSims(30)
	st := s.take(tg, ptrsOf(sims[:10])...)
	old := map[*simRecord]bool{}
	for rec := range st.sims.all() {
		old[rec] = true
	}
	sims[0].SessionStatus.LastUpdatedAt++ // a change: an event read queued
	sims[0].SessionStatus.Online = !sims[0].SessionStatus.Online
	st = s.take(tg, ptrsOf(sims[:10])...)
	if len(st.queue) != 1 {
		t.Fatalf("%d event reads queued, want 1", len(st.queue))
	}
	s.take(tg, ptrsOf(sims[10:20])...)
	if len(st.queue) != 0 || len(st.pool.free) != 10 {
		t.Fatalf("%d event reads queued, %d records free; want 0, 10", len(st.queue), len(st.pool.free))
	}
	s.take(tg, ptrsOf(sims[20:])...)
	reused := 0
	for rec := range st.sims.all() {
		if old[rec] {
			reused++
		}
		if rec.gone || rec.queued || rec.eventCursor != rec.core.updated {
			t.Fatalf("record %+v handed out unreset", rec)
		}
	}
	if reused != 10 || st.sims.len() != 10 || st.imsis.len() != 10 || st.sims.get(sims[25].SimID) == nil {
		t.Fatalf("%d records reused, %d SIMs, %d IMSIs; want 10 of each", reused, st.sims.len(), st.imsis.len())
	}
}

// TestForgottenRecordsKeepNothing: in per-SIM mode, the records of SIMs a
// listing forgot wait for reuse without their details, so a fleet that
// shrinks keeps nothing of its gone SIMs but the blank records.
func TestForgottenRecordsKeepNothing(t *testing.T) {
	s := NewSessions(SessionsOptions{SessionEvents: true})
	tg := Target{Account: "a", Coverage: soracom.CoverageJapan}
	sims := syntheticSims(20)
	st := s.take(tg, ptrsOf(sims)...)
	s.take(tg, ptrsOf(sims[:5])...)
	if len(st.pool.free) != 15 {
		t.Fatalf("%d records free, want 15", len(st.pool.free))
	}
	for _, rec := range st.pool.free {
		if *rec != (simRecord{}) {
			t.Fatalf("a forgotten SIM's record waits for reuse holding %+v", *rec)
		}
	}
}

func ptrsOf(sims []soracom.Sim) []*soracom.Sim {
	ptrs := make([]*soracom.Sim, len(sims))
	for i := range sims {
		ptrs[i] = &sims[i]
	}
	return ptrs
}
