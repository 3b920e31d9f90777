package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// scratchRender renders the target's state from scratch: every SIM into a
// new set, in one commit.
func scratchRender(t *testing.T, s *Sessions, st *targetState) []byte {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	set := exposition.NewObjectSet(0, func(w *exposition.SampleWriter, rec *simRecord) { s.renderSIM(w, st, rec) })
	for rec := range st.sims.all() {
		set.Put(rec.ID(), rec)
	}
	var buf bytes.Buffer
	if _, err := set.Commit().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// perSIMText is the result's per-SIM text, plain, and checks that its gzip
// form, assembled from the pre-compressed chunks, says the same.
func perSIMText(t *testing.T, res *poll.Result) []byte {
	t.Helper()
	var plain, gz bytes.Buffer
	if res.Objects == nil {
		return nil
	}
	if _, err := res.Objects.WriteTo(&plain); err != nil {
		t.Fatal(err)
	}
	g := exposition.NewGzipWriter(&gz)
	res.Objects.WriteGzip(g)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&gz)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("the gzip scrape does not decompress: %v", err)
	}
	if !bytes.Equal(unzipped, plain.Bytes()) {
		t.Fatal("the gzip scrape differs from the plain one")
	}
	return plain.Bytes()
}

// apiFamilies are the per-SIM families that show only what the API says
// (no counters, no webhook-only data): a source that never saw the fleet
// before renders them the same.
var apiFamilies = []*exposition.Family{famSessionOnline, famSessionUpdated, famPreviousEnd, famLocationUpdate, famExpiry, famSeed}

func familyText(res *poll.Result, fams ...*exposition.Family) []byte {
	var b []byte
	for _, f := range fams {
		for _, fr := range res.Objects.Fragments(f) {
			b = append(b, fr.Text()...)
		}
	}
	return b
}

// TestPerSIMRenderMatchesFullRender: a fleet changes at random over many
// polls and webhook refreshes (sessions moving with the clock, devices
// detaching, handovers, device swaps, SIMs registered, terminated and
// removed). After each, the per-SIM text, kept in chunks and rendered again
// only where something changed, is byte for byte a render of the same state
// from scratch, in SIM ID order, and its gzip form decompresses to it; the
// lines that show the API's data are those of a source seeing the fleet for
// the first time, so no change went unnoticed.
func TestPerSIMRenderMatchesFullRender(t *testing.T) {
	opts := SessionsOptions{SessionEvents: true, SeedMetric: true, TagLabels: []string{"site"}}
	e := newEnv(t, soracomfake.Options{Seed: 71, SIMs: 160, DefaultRateLimit: 1_000_000}, opts)
	e.src.chunkSize = 8 // many chunks: copying, splitting and merging are all exercised
	rng := rand.New(rand.NewPCG(71, 1))
	ctx := context.Background()
	st := func() *targetState { return e.src.states.get(e.target, nil) }
	check := func(what string, res *poll.Result) {
		t.Helper()
		got, want := perSIMText(t, res), scratchRender(t, e.src, st())
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: per-SIM text (%d bytes) differs from a render from scratch (%d bytes)", what, len(got), len(want))
		}
		if c := st().set.LastCommit(); c.Objects != st().sims.len() {
			t.Fatalf("%s: the set holds %d SIMs, the state %d", what, c.Objects, st().sims.len())
		}
	}
	pick := func() soracomfake.SIMState {
		all := e.fake.SIMs("jp")
		return all[rng.IntN(len(all))]
	}
	partial := 0
	for round := range 20 {
		e.fake.Advance(time.Duration(1+rng.IntN(90)) * time.Minute)
		for range 1 + rng.IntN(6) {
			_ = e.fake.SetOnline(pick().SIMID, rng.IntN(2) == 0)
		}
		if s := pick(); s.Online && s.Cell != nil {
			_ = e.fake.Handover(s.SIMID)
		}
		if s := pick(); s.Online && s.IMEI != "" && rng.IntN(3) == 0 {
			_ = e.fake.SetIMEI(s.SIMID, "35299900000"+itoa(1000+round))
		}
		if round%3 == 1 {
			if _, err := e.fake.AddSIMs("jp", 1+rng.IntN(12)); err != nil {
				t.Fatal(err)
			}
			_ = e.fake.SetStatus(pick().SIMID, "terminated")
			for range rng.IntN(10) {
				_ = e.fake.RemoveSIM(pick().SIMID)
			}
		}
		res, err := e.src.Poll(ctx, e.target)
		if err != nil {
			t.Fatal(err)
		}
		check("poll", res)
		if c := st().set.LastCommit(); round > 0 && c.ObjectsRendered < c.Objects {
			partial++
		}
		fresh, err := NewSessions(opts).Poll(ctx, e.target)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := familyText(res, apiFamilies...), familyText(fresh, apiFamilies...); !bytes.Equal(got, want) {
			t.Fatalf("round %d: the lines of the API's data differ from a first poll's: a change was not rendered", round)
		}

		for range 1 + rng.IntN(3) {
			s := pick()
			ref := SIMRef{SimID: s.SIMID}
			if rng.IntN(2) == 0 {
				ref = SIMRef{IMSI: s.IMSI}
			}
			_ = e.fake.SetOnline(s.SIMID, !s.Online)
			res, err := e.src.Refresh(ctx, e.target, ref)
			if err != nil {
				t.Fatal(err)
			}
			check("refresh", res)
			if c := st().set.LastCommit(); c.ObjectsRendered != 1 {
				t.Fatalf("a refresh of one SIM rendered %d SIMs", c.ObjectsRendered)
			}
		}
	}
	if partial < 15 {
		t.Fatalf("only %d of 20 polls rendered part of the fleet: the test does not exercise per-SIM rendering", partial)
	}
}
