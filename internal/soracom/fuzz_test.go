package soracom

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// FuzzDecodePage feeds arbitrary bytes to the page decoder used by every list
// call and to the model helpers the exporter calls on each SIM. Whatever the
// API sends, decoding must return an error or SIMs, never panic.
func FuzzDecodePage(f *testing.F) {
	for _, seed := range []string{
		`[]`, `null`, `[{}]`, `{"not":"an array"}`, `[{"simId":"x"}`, `[1,2,3]`,
		`[{"simId":"8981","tags":{"name":"a\"b\\c\nd"},"sessionStatus":{"online":true,"imsi":"4401","cell":{"radioType":"nb-iot","mnc":1}}}]`,
		`[{"simId":"8981","activeProfileId":"p2","profiles":{"p1":{"primaryImsi":"1","subscribers":{"1":{"msisdn":"81"}}},"p2":{"primaryImsi":"2"}}}]`,
		`[{"simId":"x","expiryTime":"1732000000000","lastLocationUpdateTime":1.5e12,"previousSession":{"deletedTime":null}}]`,
		`[{"sessionStatus":null,"profiles":null,"tags":null}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &http.Response{Body: io.NopCloser(bytes.NewReader(data))}
		skipped := 0
		sims, err := decodeArray[Sim](resp, func(int, json.RawMessage, error) { skipped++ })
		if err != nil {
			return
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
