package store

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
)

var famA = exposition.NewFamily("test_a", "A.", exposition.Gauge, "sim_id")
var famB = exposition.NewFamily("test_b", "B.", exposition.Gauge, "sim_id")

func snap(account, cov string, produced time.Time, ids ...string) *Snapshot {
	b := exposition.NewBuilder()
	for _, id := range ids {
		b.Add(famA, 1, id)
		b.Add(famB, 2, id)
	}
	return &Snapshot{Key: Key{Account: account, Coverage: cov, Source: "sessions"}, Produced: produced, Families: b.Build()}
}

func text(v *View) string {
	var buf bytes.Buffer
	if _, err := v.WriteTo(&buf); err != nil {
		panic(err)
	}
	return buf.String()
}

func TestViewGroupsFamiliesAcrossSnapshots(t *testing.T) {
	now := time.Now()
	s := New()
	s.Put(snap("acct", "jp", now, "jp1", "jp2"))
	s.Put(snap("acct", "g", now, "g1"))
	got := text(s.View(now))
	want := `# HELP test_a A.
# TYPE test_a gauge
test_a{sim_id="g1"} 1
test_a{sim_id="jp1"} 1
test_a{sim_id="jp2"} 1
# HELP test_b B.
# TYPE test_b gauge
test_b{sim_id="g1"} 2
test_b{sim_id="jp1"} 2
test_b{sim_id="jp2"} 2
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestStaleSnapshotIsWithdrawn(t *testing.T) {
	start := time.Now()
	s := New()
	jp := Key{Account: "acct", Coverage: "jp", Source: "sessions"}
	s.SetMaxAge(jp, 3*time.Minute)
	s.Put(snap("acct", "jp", start, "jp1"))
	s.Put(snap("acct", "g", start, "g1")) // no max age: never withdrawn

	if got := text(s.View(start.Add(3 * time.Minute))); !strings.Contains(got, `sim_id="jp1"`) {
		t.Fatalf("data withdrawn at exactly max age:\n%s", got)
	}
	if s.Stale(jp, start.Add(3*time.Minute)) {
		t.Fatal("Stale at exactly max age")
	}
	later := start.Add(3*time.Minute + time.Second)
	got := text(s.View(later))
	if strings.Contains(got, "jp1") {
		t.Fatalf("stale jp data still served:\n%s", got)
	}
	if !strings.Contains(got, `sim_id="g1"`) {
		t.Fatalf("fresh g data missing:\n%s", got)
	}
	if !s.Stale(jp, later) {
		t.Fatal("Stale = false after max age")
	}
	// A new poll brings the data back.
	s.Put(snap("acct", "jp", later, "jp1"))
	if got := text(s.View(later)); !strings.Contains(got, "jp1") {
		t.Fatalf("fresh data after a new poll missing:\n%s", got)
	}
}

func TestViewIsReusedUntilSomethingChanges(t *testing.T) {
	now := time.Now()
	s := New()
	s.SetMaxAge(Key{"a", "jp", "sessions"}, time.Minute)
	s.Put(snap("a", "jp", now, "x"))
	v1 := s.View(now)
	if v2 := s.View(now.Add(time.Second)); v2 != v1 {
		t.Fatal("view rebuilt although nothing changed")
	}
	if v3 := s.View(now.Add(2 * time.Minute)); v3 == v1 || v3.Size() != 0 {
		t.Fatalf("view not rebuilt after the snapshot aged out (size %d)", v3.Size())
	}
	s.Put(snap("a", "jp", now.Add(2*time.Minute), "y"))
	select {
	case <-s.Changed():
	default:
		t.Fatal("Put did not signal Changed")
	}
	if v4 := s.View(now.Add(2 * time.Minute)); !strings.Contains(text(v4), "y") {
		t.Fatal("new snapshot not in the view")
	}
}

func TestEmptyStoreViewIsEmpty(t *testing.T) {
	if v := New().View(time.Now()); v.Size() != 0 || text(v) != "" {
		t.Fatalf("empty store rendered %q", text(v))
	}
}

// TestViewServesPerObjectFragments: a snapshot's per-object view is served
// after its whole-snapshot fragment of the same family, within the
// family's block, snapshots in key order; gzip says the same.
func TestViewServesPerObjectFragments(t *testing.T) {
	now := time.Now()
	famC := exposition.NewFamily("test_c", "C.", exposition.Gauge, "sim_id")
	objects := func(ids ...string) *exposition.ObjectView {
		set := exposition.NewObjectSet(1, func(w *exposition.SampleWriter, id string) {
			w.Add(famA, 3, id)
			w.Add(famC, 4, id)
		})
		for _, id := range ids {
			set.Put(id, id)
		}
		return set.Commit()
	}
	s := New()
	jp := snap("acct", "jp", now, "jp1")
	jp.Objects = objects("jp3", "jp2")
	g := snap("acct", "g", now)
	g.Objects = objects("g1")
	s.Put(jp)
	s.Put(g)
	v := s.View(now)
	want := `# HELP test_a A.
# TYPE test_a gauge
test_a{sim_id="g1"} 3
test_a{sim_id="jp1"} 1
test_a{sim_id="jp2"} 3
test_a{sim_id="jp3"} 3
# HELP test_b B.
# TYPE test_b gauge
test_b{sim_id="jp1"} 2
# HELP test_c C.
# TYPE test_c gauge
test_c{sim_id="g1"} 4
test_c{sim_id="jp2"} 4
test_c{sim_id="jp3"} 4
`
	if got := text(v); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if v.Size() != len(want) {
		t.Fatalf("Size %d, want %d", v.Size(), len(want))
	}
	var gz bytes.Buffer
	g2 := exposition.NewGzipWriter(&gz)
	v.WriteGzip(g2)
	if err := g2.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&gz)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || string(plain) != want {
		t.Fatalf("gzip: %v\n%s", err, plain)
	}
}
