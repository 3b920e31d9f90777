package exposition

import (
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var (
	famOnline = NewFamily("test_online", "Whether it is online.\nSecond line with \\ backslash.", Gauge, "sim_id", "name")
	famCount  = NewFamily("test_events_total", "Events seen.", Counter, "kind")
	famPlain  = NewFamily("test_plain", "No labels.", Gauge)
)

func render(frags ...*Fragment) []byte {
	var b []byte
	for _, f := range frags {
		b = append(b, f.Text()...)
	}
	return b
}

func TestHostileLabelValuesRoundTrip(t *testing.T) {
	names := []string{"会社検証用", `name with "quotes"`, `back\slash`, "new\nline", "emoji 🚗📡", "", "trailing\\", "\xff\xfe broken utf8", "valid prefix then \xc3"}
	b := NewBuilder()
	for i, n := range names {
		b.Add(famOnline, float64(i%2), "sim"+string(rune('a'+i)), n)
	}
	frags := b.Build()
	text := render(famOnline.Header(), frags[famOnline])
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	mf := mfs["test_online"]
	if mf == nil || len(mf.Metric) != len(names) {
		t.Fatalf("want %d samples, got %v", len(names), mf)
	}
	if got := mf.GetHelp(); got != famOnline.Help {
		t.Errorf("help round trip: got %q want %q", got, famOnline.Help)
	}
	for i, m := range mf.Metric {
		want := strings.ToValidUTF8(names[i], "\uFFFD")
		var got string
		for _, lp := range m.Label {
			if lp.GetName() == "name" {
				got = lp.GetValue()
			}
		}
		if got != want {
			t.Errorf("sample %d: name label %q, want %q", i, got, want)
		}
		if v := m.GetGauge().GetValue(); v != float64(i%2) {
			t.Errorf("sample %d: value %v", i, v)
		}
	}
}

func TestAppendValue(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -3: "-3", 1.5: "1.5", 1732000000.123: "1.732000000123e+09",
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 1e20: "1e+20",
	} {
		if got := string(AppendValue(nil, v)); got != want {
			t.Errorf("AppendValue(%v) = %q, want %q", v, got, want)
		}
	}
	if got := string(AppendValue(nil, math.NaN())); got != "NaN" {
		t.Errorf("NaN rendered as %q", got)
	}
}

func TestGzipOfFragmentsIsOneValidMember(t *testing.T) {
	b := NewBuilder()
	for i := range 5000 {
		b.Add(famOnline, float64(i%2), strings.Repeat("x", i%37), "name")
		b.Add(famCount, float64(i), "k"+string(rune('a'+i%26)))
	}
	b.Add(famPlain, 42)
	frags := b.Build()
	parts := []*Fragment{famCount.Header(), frags[famCount], famOnline.Header(), frags[famOnline], famPlain.Header(), frags[famPlain]}
	want := render(parts...)
	self := []byte("# HELP x y\n# TYPE x gauge\nx 1\n")
	want = append(want, self...)

	var out bytes.Buffer
	gw := NewGzipWriter(&out)
	for _, p := range parts {
		gw.WriteFragment(p)
	}
	gw.WritePlain(self)
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false) // the whole response must be ONE member: some clients read only the first
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompress: %v (the CRC or length in the trailer is wrong, or a fragment is not byte-aligned)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("decompressed %d bytes, want %d", len(got), len(want))
	}
	if _, err := zr.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("trailing data after the member: %v", err)
	}
}

func TestCRC32Combine(t *testing.T) {
	a, b := []byte("hello, "), []byte(strings.Repeat("world ", 1000))
	want := crc32.ChecksumIEEE(append(append([]byte{}, a...), b...))
	if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != want {
		t.Fatalf("combine = %08x, want %08x", got, want)
	}
	if got := crc32Combine(0, crc32.ChecksumIEEE(b), int64(len(b))); got != crc32.ChecksumIEEE(b) {
		t.Fatalf("combine from empty = %08x", got)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 255, 256, 4096, 65537, 1 << 20, 3<<20 + 5} {
		a, b := make([]byte, r.IntN(100)), make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc32.ChecksumIEEE(append(bytes.Clone(a), b...))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(n)); got != want {
			t.Fatalf("len %d: combine = %08x, want %08x", n, got, want)
		}
	}
}

// TestCompactFragmentsGiveTheirTextBack: a fragment that keeps only its
// DEFLATE data inflates to its text, whole or streamed, and fits in a gzip
// member with fragments that keep their text.
func TestCompactFragmentsGiveTheirTextBack(t *testing.T) {
	text := []byte(strings.Repeat("second{x=\"1\"} 2\n", 30000))
	a := NewFragment([]byte("first line\n"))
	c := compressors.Get().(*compressor)
	b := c.fragment(bytes.Clone(text))
	compressors.Put(c)
	if b.plain != nil || b.Len() != len(text) {
		t.Fatalf("compact fragment keeps %d bytes of text, Len %d", len(b.plain), b.Len())
	}
	if got := b.Text(); !bytes.Equal(got, text) {
		t.Fatalf("Text: %d bytes, want %d", len(got), len(text))
	}
	got, err := b.AppendText([]byte("prefix "))
	if err != nil || !bytes.Equal(got, append([]byte("prefix "), text...)) {
		t.Fatalf("AppendText: %v", err)
	}
	var streamed bytes.Buffer
	if n, err := b.WriteText(&streamed); err != nil || n != int64(len(text)) || !bytes.Equal(streamed.Bytes(), text) {
		t.Fatalf("WriteText: %d bytes, %v", n, err)
	}
	var out bytes.Buffer
	gw := NewGzipWriter(&out)
	gw.WriteFragment(&a)
	gw.WriteFragment(&b)
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, append(bytes.Clone(a.Text()), text...)) {
		t.Fatalf("decompress: %v", err)
	}
}

// TestDamagedFragmentIsAnError: DEFLATE data that does not give exactly the
// fragment's length is reported, never served as text.
func TestDamagedFragmentIsAnError(t *testing.T) {
	c := compressors.Get().(*compressor)
	good := c.fragment([]byte(strings.Repeat("line 1\n", 1000)))
	compressors.Put(c)
	for name, fr := range map[string]Fragment{
		"truncated": {Deflate: good.Deflate[:len(good.Deflate)/2], size: good.size},
		"longer":    {Deflate: good.Deflate, size: good.size - 1},
		"shorter":   {Deflate: good.Deflate, size: good.size + 1},
	} {
		if _, err := fr.AppendText(nil); err == nil {
			t.Errorf("%s: AppendText gave no error", name)
		}
		if _, err := fr.WriteText(io.Discard); err == nil {
			t.Errorf("%s: WriteText gave no error", name)
		}
	}
}

func TestWrongLabelCountPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a missing label value")
		}
	}()
	NewBuilder().Add(famOnline, 1, "only-one")
}

func TestGrowWithoutSamplesLeavesNoFamily(t *testing.T) {
	b := NewBuilder()
	b.Grow(famOnline, 1024)
	b.Grow(famCount, 64)
	b.Add(famCount, 1, "x")
	frags := b.Build()
	if _, ok := frags[famOnline]; ok || b.Has(famOnline) {
		t.Fatal("a family with no samples was rendered")
	}
	if got := string(frags[famCount].Text()); got != "test_events_total{kind=\"x\"} 1\n" {
		t.Fatalf("got %q", got)
	}
}
