package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

var famOnline = exposition.NewFamily("soracom_sim_session_online", "Online.", exposition.Gauge, "sim_id", "imsi", "name")

func testExposition(t *testing.T, sims int) *Exposition {
	t.Helper()
	st := store.New()
	b := exposition.NewBuilder()
	for i := range sims {
		b.Add(famOnline, float64(i%2), "sim"+strings.Repeat("0", i%5), "4401", "name \"q\"\n")
	}
	st.Put(&store.Snapshot{Key: store.Key{Account: "a", Coverage: "jp", Source: "sessions"}, Produced: time.Now(), Families: b.Build()})
	self := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "soracom_exporter_test", Help: "Self."})
	g.Set(7)
	self.MustRegister(g)
	runtime := prometheus.NewRegistry()
	runtime.MustRegister(collectors.NewGoCollector())
	return &Exposition{Store: st, Self: self, Runtime: runtime}
}

func parse(t *testing.T, r io.Reader) map[string]int {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	out := map[string]int{}
	for n, mf := range mfs {
		out[n] = len(mf.Metric)
	}
	return out
}

func TestMetricsHandlerPlainAndGzipAgree(t *testing.T) {
	exp := testExposition(t, 500)
	srv := httptest.NewServer(exp.MetricsHandler())
	defer srv.Close()

	// Plain.
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
	counts := parse(t, bytes.NewReader(plain))
	if counts["soracom_sim_session_online"] != 500 || counts["soracom_exporter_test"] != 1 || counts["go_goroutines"] != 1 {
		t.Fatalf("plain families: %v", counts)
	}

	// Gzip, read as ONE member (as strict clients do).
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("gzip not used")
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body invalid: %v", err)
	}
	// go_* values differ between the two scrapes; compare the data part.
	cut := func(b []byte) string { s, _, _ := strings.Cut(string(b), "# HELP go_"); return s }
	if cut(unzipped) != cut(plain) {
		t.Fatal("gzip and plain responses differ")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "deflate, gzip;q=1.0, *;q=0.5": true, "identity": false, "": false, "gzip;q=0": false, "GZIP": true} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", h)
		if got := acceptsGzip(r); got != want {
			t.Errorf("%q: got %v", h, got)
		}
	}
}

func TestTextfileHasOnlySoracomMetrics(t *testing.T) {
	exp := testExposition(t, 3)
	path := filepath.Join(t.TempDir(), "soracom.prom")
	tf, err := NewTextfile(path, exp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.Write(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name := range parse(t, f) {
		if !strings.HasPrefix(name, "soracom_") {
			t.Errorf("textfile carries %s", name)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v: node_exporter must be able to read it", fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestTextfileReaderNeverSeesPartialFile(t *testing.T) {
	exp := testExposition(t, 20000) // a file of about a megabyte
	path := filepath.Join(t.TempDir(), "soracom.prom")
	tf, _ := NewTextfile(path, exp, nil)
	if err := tf.Write(); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(path)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, bad atomic.Int64
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				got, err := os.ReadFile(path)
				reads.Add(1)
				if err != nil || !bytes.Equal(got, want) {
					bad.Add(1)
				}
			}
		})
	}
	for range 30 {
		if err := tf.Write(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("%d of %d reads saw a missing or partial file", bad.Load(), reads.Load())
	}
}

// TestTextfileWritesAtMostOncePerGap: a burst of changes (webhook
// refreshes) writes the file once at once and once more when the gap ends,
// with the last change; a change after a quiet gap is written at once.
func TestTextfileWritesAtMostOncePerGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := store.New()
		exp := &Exposition{Store: st, Self: prometheus.NewRegistry(), Runtime: prometheus.NewRegistry()}
		path := filepath.Join(t.TempDir(), "soracom.prom")
		tf, err := NewTextfile(path, exp, nil)
		if err != nil {
			t.Fatal(err)
		}
		put := func(v int) {
			b := exposition.NewBuilder()
			b.Add(famOnline, float64(v), "sim", "4401", "name")
			st.Put(&store.Snapshot{Key: store.Key{Account: "a", Coverage: "jp", Source: "sessions"}, Produced: time.Now(), Families: b.Build()})
		}
		written := func() string {
			t.Helper()
			synctest.Wait()
			b, err := os.ReadFile(path)
			if err != nil {
				return "none"
			}
			line := strings.TrimSpace(string(b[bytes.LastIndexByte(bytes.TrimSpace(b), '\n')+1:]))
			return line[strings.LastIndexByte(line, ' ')+1:]
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go tf.Run(ctx, time.Hour)

		put(1)
		if got := written(); got != "1" {
			t.Fatalf("first change: file says %s, want 1 written at once", got)
		}
		for v := 2; v <= 20; v++ {
			time.Sleep(100 * time.Millisecond)
			put(v)
		}
		if got := written(); got != "1" {
			t.Fatalf("during the gap: file says %s, want still 1", got)
		}
		time.Sleep(MinTextfileGap - 1900*time.Millisecond + 10*time.Millisecond)
		if got := written(); got != "20" {
			t.Fatalf("at the end of the gap: file says %s, want the last change, 20", got)
		}
		time.Sleep(2 * MinTextfileGap)
		put(21)
		if got := written(); got != "21" {
			t.Fatalf("after a quiet gap: file says %s, want 21 written at once", got)
		}
	})
}

func TestNewTextfileRejectsBadPaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewTextfile(filepath.Join(dir, "soracom.txt"), nil, nil); err == nil || !strings.Contains(err.Error(), ".prom") {
		t.Fatalf("non-.prom path: %v", err)
	}
	if _, err := NewTextfile(filepath.Join(dir, "missing", "soracom.prom"), nil, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing dir: %v", err)
	}
}
