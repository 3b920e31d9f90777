package source

import (
	"strings"
	"testing"
)

// TestPackedIDsRoundTrip: SIM IDs of digits pack exactly, leading zeros
// and all, and anything else is refused (the index keeps it as a string).
func TestPackedIDsRoundTrip(t *testing.T) {
	for _, id := range []string{"0", "8942310022000012345", "89811000000000000001", "0000000000000000000001",
		strings.Repeat("9", 36), "1" + strings.Repeat("0", 35), "007"} {
		p, ok := packID(id)
		if !ok || p.String() != id {
			t.Errorf("packID(%q) = %v, %v, back to %q", id, p, ok, p.String())
		}
	}
	a, _ := packID("07")
	b, _ := packID("7")
	if a == b {
		t.Error(`"07" and "7" pack alike`)
	}
	for _, id := range []string{"", "sim-1", "12a", strings.Repeat("1", 37), "١٢"} {
		if _, ok := packID(id); ok {
			t.Errorf("packID(%q) packed", id)
		}
	}
}

// TestDigitKeys: IMSIs and IMEIs of digits have exact keys; other strings
// hashed ones that never meet the exact ones; "" is none.
func TestDigitKeys(t *testing.T) {
	seen := map[uint64]string{}
	for _, s := range []string{"440103000000001", "0440103000000001", "44010300000000", "352999000000017",
		"3529990000000170", "12345678901234567", "123456789012345678", "imsi-x", "imsi-y", "0", "00"} {
		k := digitKey(s)
		if k == 0 {
			t.Errorf("digitKey(%q) = 0", s)
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%q and %q share key %x", s, other, k)
		}
		seen[k] = s
		if k != digitKey(strings.Clone(s)) {
			t.Errorf("digitKey(%q) is not stable", s)
		}
	}
	if digitKey("") != 0 {
		t.Error(`digitKey("") is not 0`)
	}
	if k := digitKey("imsi-x"); k>>63 != 1 {
		t.Errorf("a hashed key %x lacks its mark", k)
	}
	if k := digitKey("12345678901234567"); k>>63 != 0 {
		t.Errorf("an exact key %x has the mark of a hashed one", k)
	}
}

// TestOddSIMIDsIndexed: a SIM ID that is not digits is found, named and
// forgotten like any other.
func TestOddSIMIDsIndexed(t *testing.T) {
	for _, aggregate := range []bool{false, true} {
		src := NewSessions(SessionsOptions{Aggregate: aggregate})
		target := Target{Account: "a", Coverage: "jp"}
		sims := syntheticSims(3)
		sims[1].SimID = "virtual-sim-1"
		st := src.take(target, &sims[0], &sims[1], &sims[2])
		st.mu.Lock()
		rec := st.sims.get("virtual-sim-1")
		if rec == nil || rec.ID() != "virtual-sim-1" || st.sims.len() != 3 || st.resolve(SIMRef{IMSI: "440103000000001"}) != "virtual-sim-1" {
			t.Fatalf("aggregate=%v: odd SIM ID not indexed: %v", aggregate, rec)
		}
		if got := st.sims.get(sims[2].SimID).ID(); got != sims[2].SimID {
			t.Fatalf("aggregate=%v: packed SIM ID named %q, want %q", aggregate, got, sims[2].SimID)
		}
		st.merge(nil)
		if st.sims.len() != 0 || st.imsis.len() != 0 {
			t.Fatalf("aggregate=%v: %d SIMs and %d IMSIs left after an empty listing", aggregate, st.sims.len(), st.imsis.len())
		}
		st.mu.Unlock()
	}
}
