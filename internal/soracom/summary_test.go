package soracom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// FuzzSimSummary checks that a page read into summaries says what the same
// page decoded into Sims and summarized says: the same SIMs served, the same
// skipped, and for each the same summary, also when read into the memory of
// another page.
func FuzzSimSummary(f *testing.F) {
	for _, seed := range append(slices.Clone(simPageSeeds),
		`[null]`, `[1,"x",[],true]`, reusedPage,
		`[{"SIMID":"1"},{"simId":"2","simId":"3"},{"simId":"\u0034"},{"status":5},{"tags":{"a":1}},{"tags":{"a":"1","a":null}}]`,
		`[{"profiles":{"b":{"primaryImsi":"2"},"a":{"primaryImsi":"1","subscribers":{"9":null,"8":{"imsi":null}}}}}]`,
		`[{"sessionStatus":{"online":true,"imsi":"","lastUpdatedAt":"17","cell":{"mcc":"440","mnc":null,"tac":"","eci":1.0}}}]`,
		`[{"sessionStatus":{"online":"true"}},{"sessionStatus":{"cell":5}},{"previousSession":{"cell":{"ci":"x"}}}]`,
		`[{"arcSessionStatus":{"lastUpdatedAt":1,"LastUpdatedAt":2}},{"ſimId":"1"},{"profiles":{"":{"primaryImsi":"1"}}}]`,
		`[{"tags":{"名前":"センサー","name":"\ud83d\ude00"},"sessionStatus":{"imei":12}}]`,
		"[ {\n\t\"simId\" : \"1\" , \"tags\" : { \"name\" : \"a\" } ,\r\n\"profiles\":{ \"p\" : { \"primaryImsi\" : \"2\" } } } ]",
		"["+apiSIM+"]",
	) {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var skipped, skippedSims int
		sums, err := decodeArray[SimSummary](page(data), nil, func(int, json.RawMessage, error) { skipped++ })
		sims, simErr := decodeArray[Sim](page(data), nil, func(int, json.RawMessage, error) { skippedSims++ })
		if (err == nil) != (simErr == nil) {
			t.Fatalf("summaries: %v, Sims: %v", err, simErr)
		}
		if err != nil {
			return
		}
		if len(sums) != len(sims) || skipped != skippedSims {
			t.Fatalf("%d summaries (%d skipped), %d Sims (%d skipped)", len(sums), skipped, len(sims), skippedSims)
		}
		for i := range sims {
			var want SimSummary
			sims[i].Summarize(&want)
			sameSummary(t, &sums[i], &want, &sims[i])
		}
		dirty, _ := decodeArray[SimSummary](page([]byte(reusedPage)), nil, func(int, json.RawMessage, error) {})
		again, err := decodeArray(page(data), dirty, func(int, json.RawMessage, error) {})
		if err != nil || len(again) != len(sums) {
			t.Fatalf("read into a reused page: %d summaries (%v), fresh: %d", len(again), err, len(sums))
		}
		for i := range sims {
			var want SimSummary
			sims[i].Summarize(&want)
			sameSummary(t, &again[i], &want, &sims[i])
		}
	})
}

func page(data []byte) *http.Response {
	return &http.Response{Body: io.NopCloser(bytes.NewReader(data))}
}

func sameSummary(t *testing.T, got, want *SimSummary, sim *Sim) {
	t.Helper()
	g, w := *got, *want
	gi, wi := slices.Sorted(slices.Values(g.IMSIs())), slices.Sorted(slices.Values(w.IMSIs()))
	if !slices.Equal(gi, wi) {
		t.Fatalf("IMSIs %q, want %q", gi, wi)
	}
	for _, name := range append(slices.Collect(func(yield func(string) bool) {
		for k := range sim.Tags {
			if !yield(k) {
				return
			}
		}
	}), "name", "", "absent") {
		gv, gok := got.Tag(name)
		wv, wok := want.Tag(name)
		if gv != wv || gok != wok {
			t.Fatalf("tag %q: %q %v, want %q %v", name, gv, gok, wv, wok)
		}
	}
	// The rest is compared as exported fields.
	for _, s := range []*SimSummary{&g, &w} {
		s.imsis, s.tagJSON, s.tagMap, s.cell, s.cellInts, s.profiles, s.subKeys = nil, nil, nil, Cell{}, [cellInts]int64{}, nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("summary\n%+v\nwant\n%+v (cell %+v, want %+v)", g, w, g.Cell, w.Cell)
	}
}

// TestSummaryFieldsAreTheModels keeps the field names the one-pass reader
// knows in step with the models: a field added to a model must be read (at
// least checked) by the reader too.
func TestSummaryFieldsAreTheModels(t *testing.T) {
	for _, c := range []struct {
		model  any
		fields []string
	}{
		{Sim{}, simFields}, {SessionStatus{}, sessionFields}, {PreviousSession{}, previousSessionFields},
		{ArcSessionStatus{}, arcSessionFields}, {Cell{}, cellFields}, {SimProfile{}, profileFields},
		{SimplifiedSubscriber{}, subscriberFields},
	} {
		typ := reflect.TypeOf(c.model)
		var names []string
		for f := range typ.Fields() {
			names = append(names, strings.Split(f.Tag.Get("json"), ",")[0])
		}
		if !slices.Equal(names, c.fields) {
			t.Errorf("%s: the reader knows %q, the model has %q", typ.Name(), c.fields, names)
		}
	}
	var c Cell
	for i, name := range cellFields[1:] {
		f, _ := reflect.TypeOf(c).FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) })
		if got := reflect.ValueOf(&c).Elem().FieldByIndex(f.Index).Addr().Interface(); got != c.integer(i) {
			t.Errorf("Cell.integer(%d) is not %s", i, f.Name)
		}
	}
}

// TestSummaryOfAPlainSIM reads a SIM as the API sends it in one pass, and
// what it says.
func TestSummaryOfAPlainSIM(t *testing.T) {
	raw := []byte(`{"activeProfileId":"8981100001263216624","capabilities":{"data":true,"sms":true},"createdTime":1762927240024,
"groupId":"g1","imeiLock":{"imei":"352997094166627"},"lastLocationUpdateTime":1796123116229,"moduleType":"trio",
"operatorId":"OP0012345678","profiles":{"8981100001263216624":{"iccid":"8981100001263216624","otaSupported":false,
"primaryImsi":"440103239849786","subscribers":{"440103239849786":{"capabilities":{"data":true},"imsi":"440103239849786",
"msisdn":"812048170250","status":"active","subscription":"plan-D"}}},"8981100001263216625":{"primaryImsi":"295050000000001",
"subscribers":{"295050000000001":{"subscription":"planX1"}}}},
"sessionStatus":{"cell":{"eci":248930722,"mcc":440,"mnc":10,"radioType":"LTE","tac":26699},"dnsServers":["100.127.0.53"],
"imei":"352997094166628","imsi":"295050000000001","lastUpdatedAt":1796123116229,"online":true,"sessionId":"s",
"subscription":"planX1","ueIpAddress":"10.64.0.221"},"simId":"8981100001263216624","speedClass":"s1.4xfast",
"status":"active","tags":{"env":"prod","name":"jp-device-000221"},"terminationEnabled":true,"type":"uicc"}`)
	var s SimSummary
	if !s.read(raw) {
		t.Fatal("a SIM as the API sends it was not read in one pass")
	}
	if s.SimID != "8981100001263216624" || s.IMSI != "295050000000001" || !s.Online || s.IMEI != "352997094166628" ||
		s.LastUpdatedAt != 1796123116229 || s.Status != "active" || s.SpeedClass != "s1.4xfast" || s.GroupID != "g1" ||
		s.OperatorID != "OP0012345678" || s.Cell == nil || *s.Cell.ECI != 248930722 || s.Cell.LAC != nil {
		t.Fatalf("%+v", s)
	}
	if got := slices.Sorted(slices.Values(s.IMSIs())); !slices.Equal(got, []string{"295050000000001", "440103239849786"}) {
		t.Fatalf("IMSIs %q", got)
	}
	if v, ok := s.Tag("name"); v != "jp-device-000221" || !ok {
		t.Fatalf("name tag %q %v", v, ok)
	}
	if allocs := testing.AllocsPerRun(100, func() { s.read(raw) }); allocs > 4 {
		t.Errorf("reading a SIM allocates %v times; want its ID, IMSIs and IMEI only", allocs)
	}
}

// BenchmarkDecodeSimPage decodes a page of 100 SIMs shaped like the API's,
// as Sims and as summaries.
func BenchmarkDecodeSimPage(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i := range 100 {
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString(strings.ReplaceAll(apiSIM, "0221", fmt.Sprintf("%04d", i)))
	}
	buf.WriteString("]")
	data := buf.Bytes()
	b.Run("sim", func(b *testing.B) {
		var items []Sim
		b.ReportAllocs()
		for b.Loop() {
			items, _ = decodeArray(page(data), items, func(int, json.RawMessage, error) { b.Fatal("skipped") })
		}
	})
	b.Run("summary", func(b *testing.B) {
		var items []SimSummary
		b.ReportAllocs()
		for b.Loop() {
			items, _ = decodeArray(page(data), items, func(int, json.RawMessage, error) { b.Fatal("skipped") })
		}
	})
}

const apiSIM = `{"activeProfileId":"8981100001263210221","capabilities":{"data":true,"sms":true},"createdTime":1762927240024,
"groupId":"9032be22-4876-7703-4ced-e1db10a5243f","imeiLock":{"imei":"352997094160221"},"lastLocationUpdateTime":1796123116229,
"lastModifiedTime":1784577566767,"moduleType":"trio","operatorId":"OP0012345678","profiles":{"8981100001263210221":{
"iccid":"8981100001263210221","otaSupported":false,"primaryImsi":"440103239840221","subscribers":{"440103239840221":{
"capabilities":{"data":true,"sms":true},"imsi":"440103239840221","msisdn":"812048170221","status":"active",
"subscription":"plan-D"}}}},"sessionStatus":{"cell":{"eci":248930722,"mcc":440,"mnc":10,"radioType":"LTE","tac":26699},
"dnsServers":["100.127.0.53","100.127.1.53"],"imei":"352997094160221","imsi":"440103239840221","lastUpdatedAt":1796123116229,
"online":true,"sessionId":"82b166f7-d3e4-a9e1-7cc8-d84fdb600fb9","subscription":"plan-D","ueIpAddress":"10.64.0.221"},
"simId":"8981100001263210221","speedClass":"s1.4xfast","status":"active","tags":{"env":"prod","name":"jp-device-000221"},
"terminationEnabled":true,"type":"uicc"}`
