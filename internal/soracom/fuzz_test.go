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
		sims, err := decodeArray[Sim](resp)
		if err != nil {
			return
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

// FuzzDecodeSubscriberPage does the same for GET /v1/subscribers pages.
func FuzzDecodeSubscriberPage(f *testing.F) {
	for _, seed := range []string{
		`[]`, `[{"imsi":"440","locationRegistrationStatus":{"eps":{"vplmn":"44010","lastModifiedTime":1}}}]`,
		`[{"imsi":"440","sessionStatus":{"online":false},"imeiLock":{"imei":"1"}}]`, `[{"imeiLock":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &http.Response{Body: io.NopCloser(bytes.NewReader(data))}
		_, _ = decodeArray[Subscriber](resp)
	})
}
