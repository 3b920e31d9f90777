package soracom

import (
	"encoding/json"
	"testing"
)

func TestDecodeSimTolerance(t *testing.T) {
	raw := `{
	  "simId":"8981100000000000001","operatorId":"OP0012345678","status":"active","unknownField":{"x":[1,2]},
	  "tags":{"name":"会社検証用"},"groupId":null,"expiryTime":null,"lastLocationUpdateTime":"1732000000123",
	  "activeProfileId":"8981100000000000001",
	  "profiles":{
	    "8981100000000000001":{"iccid":"8981100000000000001","primaryImsi":"440100000000001",
	      "subscribers":{"440100000000001":{"imsi":"440100000000001","msisdn":"812000000001","subscription":"plan-D","status":"active"}}},
	    "8981100000000000002":{"iccid":"8981100000000000002","primaryImsi":"295050000000001",
	      "subscribers":{"295050000000001":{"imsi":"295050000000001","msisdn":"423000000001","subscription":"planX3","status":"active"}}}},
	  "sessionStatus":{"online":true,"imsi":"295050000000001","imei":null,"lastUpdatedAt":1732000000000,
	    "cell":{"radioType":"lte","mcc":440,"mnc":10,"tac":1234,"eci":56789}},
	  "previousSession":null
	}`
	var s Sim
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	if s.Name() != "会社検証用" || s.GroupID != "" || s.ExpiryTime != 0 || s.LastLocationUpdateTime != 1732000000123 {
		t.Fatalf("decoded %+v", s)
	}
	if s.SessionStatus.Cell.NormalizedRadioType() != "LTE" || *s.SessionStatus.Cell.MNC != 10 {
		t.Fatalf("cell %+v", s.SessionStatus.Cell)
	}
	// Online: the IMSI in session wins over the active profile's.
	if imsi, msisdn := s.Identity(); imsi != "295050000000001" || msisdn != "423000000001" {
		t.Fatalf("online identity %s %s", imsi, msisdn)
	}
	if s.Subscription() != "planX3" {
		t.Fatalf("subscription %q", s.Subscription())
	}
	// Offline: the active profile's primary IMSI.
	s.SessionStatus.Online = false
	if imsi, _ := s.Identity(); imsi != "440100000000001" {
		t.Fatalf("offline identity %s", imsi)
	}
	if got := s.SessionStatus.LastUpdatedAt.Seconds(); got != 1732000000 {
		t.Fatalf("seconds %v", got)
	}
}

func TestDecodeSimWithoutSession(t *testing.T) {
	var s Sim
	if err := json.Unmarshal([]byte(`{"simId":"x","tags":{}}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.SessionStatus != nil || s.Name() != "" {
		t.Fatalf("%+v", s)
	}
	if imsi, msisdn := s.Identity(); imsi != "" || msisdn != "" {
		t.Fatal("identity of a SIM without profiles")
	}
	var c *Cell
	if c.NormalizedRadioType() != "" {
		t.Fatal("nil cell")
	}
	for in, want := range map[string]string{"nb-iot": "NB-IoT", "lte-m": "LTE-M", "3g": "3G", "LTE": "LTE"} {
		if got := (&Cell{RadioType: in}).NormalizedRadioType(); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

func TestMillisRejectsGarbage(t *testing.T) {
	var m Millis
	if err := json.Unmarshal([]byte(`"yesterday"`), &m); err == nil {
		t.Fatal("garbage timestamp accepted")
	}
	if err := json.Unmarshal([]byte(`1.732e12`), &m); err != nil || m != 1732000000000 {
		t.Fatalf("float timestamp: %v %v", m, err)
	}
}
