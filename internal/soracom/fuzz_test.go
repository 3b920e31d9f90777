package soracom

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// simPageSeeds are pages of SIMs both page fuzzers start from: empty and
// cut pages, escaped tags, several profiles, numbers sent as strings, nulls.
var simPageSeeds = []string{
	`[]`, `null`, `[{}]`, `[{"simId":"x"}`,
	`[{"simId":"8981","tags":{"name":"a\"b\\c\nd"},"sessionStatus":{"online":true,"imsi":"4401","cell":{"radioType":"nb-iot","mnc":1}}}]`,
	`[{"simId":"8981","activeProfileId":"p2","profiles":{"p1":{"primaryImsi":"1","subscribers":{"1":{"msisdn":"81"}}},"p2":{"primaryImsi":"2"}}}]`,
	`[{"simId":"x","expiryTime":"1732000000000","lastLocationUpdateTime":1.5e12,"previousSession":{"deletedTime":null}}]`,
	`[{"sessionStatus":null,"profiles":null,"tags":null}]`,
}

// FuzzDecodePage feeds arbitrary bytes to the page decoder used by every list
// call and to the model helpers the exporter calls on each SIM. Whatever the
// API sends, decoding must return an error or SIMs, never panic.
func FuzzDecodePage(f *testing.F) {
	for _, seed := range append([]string{`{"not":"an array"}`, `[1,2,3]`}, simPageSeeds...) {
		f.Add([]byte(seed))
	}
	f.Add([]byte(`[{"simId":"2"},{"simId":"3","tags":{"b":"2"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &http.Response{Body: io.NopCloser(bytes.NewReader(data))}
		skipped := 0
		sims, err := decodeArray[Sim](resp, nil, func(int, json.RawMessage, error) { skipped++ })
		if err != nil {
			return
		}
		// A page decoded into the memory of another says the same.
		dirty, _ := decodeArray[Sim](&http.Response{Body: io.NopCloser(strings.NewReader(reusedPage))}, nil, func(int, json.RawMessage, error) {})
		again, err := decodeArray(&http.Response{Body: io.NopCloser(bytes.NewReader(data))}, dirty, func(int, json.RawMessage, error) {})
		if err != nil || (len(again)+len(sims) > 0 && !reflect.DeepEqual(again, sims)) {
			t.Fatalf("decoded into a reused page: %+v (%v), fresh: %+v", again, err, sims)
		}
		if len(sims)+skipped == 0 && bytes.Contains(data, []byte(`{"simId"`)) && json.Valid(data) && bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
			t.Fatalf("an item was neither served nor reported as skipped")
		}
		for i := range sims {
			s := &sims[i]
			s.Identity()
			s.Subscription()
			s.Name()
			if s.SessionStatus != nil {
				s.SessionStatus.Cell.NormalizedRadioType()
			}
		}
		// What decodes must encode again (no NaN or other unencodable state).
		if _, err := json.Marshal(sims); err != nil {
			t.Fatalf("re-encoding decoded SIMs: %v", err)
		}
	})
}

// FuzzDecodeSubscriber does the same for GET /v1/subscribers/{imsi}
// answers.
func FuzzDecodeSubscriber(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"imsi":"440","locationRegistrationStatus":{"eps":{"vplmn":"44010","lastModifiedTime":"1"}}}`,
		`{"imsi":"440","sessionStatus":{"online":false,"cell":{"mnc":"10"}},"imeiLock":{"imei":"1"}}`, `{"imeiLock":null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Subscriber
		_ = json.Unmarshal(data, &s)
	})
}

// reusedPage fills every field a later page might leave out.
const reusedPage = `[{"simId":"1","status":"active","tags":{"name":"a","x":"y"},"activeProfileId":"p",` +
	`"profiles":{"p":{"iccid":"p","primaryImsi":"1","subscribers":{"1":{"imsi":"1","msisdn":"2"}}}},` +
	`"sessionStatus":{"online":true,"imei":"3","cell":{"radioType":"LTE","mcc":440}},"previousSession":{"deletedTime":5},` +
	`"arcSessionStatus":{"lastUpdatedAt":6},"expiryTime":7},` +
	`{"simId":"4","tags":{"name":"b"},"sessionStatus":{"online":false,"lastUpdatedAt":8}},{"simId":"5"}]`
