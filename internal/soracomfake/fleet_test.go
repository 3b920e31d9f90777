package soracomfake

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// simDoc is the part of the Sim schema the fleet tests look at, decoded
// from real responses.
type simDoc struct {
	SimID                  string
	Status                 string
	Type                   string
	ModuleType             string
	SpeedClass             string
	ActiveProfileID        string
	GroupID                string
	CreatedTime            int64
	LastModifiedTime       int64
	LastLocationUpdateTime *int64
	ExpiryTime             *int64
	Tags                   map[string]string
	SessionStatus          *struct {
		Online        bool
		LastUpdatedAt int64
		IMSI          string
		IMEI          *string
		Cell          *struct {
			RadioType          string
			MCC, MNC, TAC, ECI int
			LAC, CI            int
		}
	}
	PreviousSession *struct {
		CreatedTime, DeletedTime int64
		IMSI                     string
	}
	Profiles map[string]struct {
		ICCID       string
		PrimaryIMSI string
		Subscribers map[string]struct {
			IMSI, MSISDN, Subscription, Status string
		}
	}
}

// listAll walks every page of path and returns the items, raw.
func listAll(t *testing.T, s *apiClient, path string) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	next := ""
	for {
		q := "?limit=100"
		if next != "" {
			q += "&last_evaluated_key=" + next
		}
		var page []json.RawMessage
		next = s.getOK(path+q, &page).header.Get("X-Soracom-Next-Key")
		all = append(all, page...)
		if next == "" {
			return all
		}
	}
}

func listSims(t *testing.T, s *apiClient) []simDoc {
	t.Helper()
	var out []simDoc
	next := ""
	for {
		q := "/v1/sims?limit=100"
		if next != "" {
			q += "&last_evaluated_key=" + next
		}
		var page []simDoc
		next = s.getOK(q, &page).header.Get("X-Soracom-Next-Key")
		out = append(out, page...)
		if next == "" {
			return out
		}
	}
}

func TestSameSeedSameFleet(t *testing.T) {
	dump := func(seed int64) (string, string) {
		f := newFake(t, Options{Seed: seed, SIMs: 120})
		var api, truth strings.Builder
		for _, cov := range []string{"jp", "g"} {
			h := serveChecked(t, f, cov)
			s := h.login(f.Credentials())
			for _, item := range append(listAll(t, s, "/v1/sims"), listAll(t, s, "/v1/groups")...) {
				api.Write(item)
			}
			truth.Write(h.do("GET", "/_fake/sims", nil, nil).body)
		}
		return api.String(), truth.String()
	}
	a1, t1 := dump(7)
	a2, t2 := dump(7)
	if a1 != a2 || t1 != t2 {
		t.Fatal("two fakes with the same seed serve different fleets")
	}
	if a3, _ := dump(8); a3 == a1 {
		t.Fatal("a different seed serves the same fleet")
	}
	first, second := New(Options{Seed: 7}), New(Options{Seed: 7})
	if first.Credentials() != second.Credentials() {
		t.Fatal("generated credentials depend on more than the seed")
	}
}

var (
	digits = regexp.MustCompile(`^[0-9]+$`)
	msMin  = int64(1_000_000_000_000) // 2001 in ms: anything smaller is seconds
)

func TestFleetCoversWhatBreaksNaiveCode(t *testing.T) {
	f := newFake(t, Options{Seed: 2, SIMs: 800})
	seen := map[string]bool{}
	mark := func(k string) { seen[k] = true }
	ids := map[string]bool{}
	unique := func(kind, id string) {
		if ids[kind+id] {
			t.Fatalf("%s %s used twice", kind, id)
		}
		ids[kind+id] = true
	}
	for _, cov := range []string{"jp", "g"} {
		s := serveChecked(t, f, cov).login(f.Credentials())
		for _, sim := range listSims(t, s) {
			mark("status:" + sim.Status)
			mark("type:" + sim.Type)
			mark("module:" + sim.ModuleType)
			mark("speed:" + sim.SpeedClass)
			mark("name:" + sim.Tags["name"])
			if _, ok := sim.Tags["name"]; !ok {
				t.Fatalf("%s: tags without name: %v", sim.SimID, sim.Tags)
			}
			if sim.CreatedTime < msMin || sim.LastModifiedTime < sim.CreatedTime {
				t.Fatalf("%s: createdTime %d, lastModifiedTime %d", sim.SimID, sim.CreatedTime, sim.LastModifiedTime)
			}
			if sim.LastLocationUpdateTime != nil {
				mark("lastLocationUpdateTime")
			}
			if sim.ExpiryTime != nil {
				mark("expiryTime")
			}
			if _, ok := sim.Profiles[sim.ActiveProfileID]; !ok || sim.Profiles[sim.SimID].ICCID != sim.SimID {
				t.Fatalf("%s: activeProfileId %s, profiles %v", sim.SimID, sim.ActiveProfileID, sim.Profiles)
			}
			if len(sim.Profiles) == 2 {
				mark("two profiles")
			}
			for iccid, p := range sim.Profiles {
				unique("iccid", iccid)
				if len(iccid) != 19 || !luhnValid(iccid) || !strings.HasPrefix(iccid, map[string]string{"jp": "8981", "g": "8942"}[cov]) {
					t.Fatalf("bad ICCID %q", iccid)
				}
				for imsi, sub := range p.Subscribers {
					unique("imsi", imsi)
					if len(imsi) != 15 || !digits.MatchString(imsi) || sub.IMSI != imsi {
						t.Fatalf("bad IMSI %q", imsi)
					}
					mark("subscription:" + sub.Subscription)
					if sub.MSISDN != "" {
						unique("msisdn", sub.MSISDN)
						if len(sub.MSISDN) != 12 || !strings.HasPrefix(sub.MSISDN, map[string]string{"jp": "81", "g": "42"}[cov]) {
							t.Fatalf("bad MSISDN %q", sub.MSISDN)
						}
					}
				}
			}
			ss, ps := sim.SessionStatus, sim.PreviousSession
			switch {
			case ss == nil:
				mark("never connected")
				if ps != nil {
					t.Fatalf("%s: previousSession without sessionStatus", sim.SimID)
				}
			case ss.Online:
				mark("online")
				if ss.LastUpdatedAt < msMin || ss.IMSI != sim.Profiles[sim.ActiveProfileID].PrimaryIMSI {
					t.Fatalf("%s: online session %+v", sim.SimID, ss)
				}
				if sim.Type == "virtual" {
					mark("online virtual")
					if ss.IMEI != nil || ss.Cell != nil {
						t.Fatalf("%s: virtual SIM session with IMEI or cell", sim.SimID)
					}
					continue
				}
				if ss.IMEI == nil || len(*ss.IMEI) != 15 || !luhnValid(*ss.IMEI) || ss.Cell == nil {
					t.Fatalf("%s: session without a valid IMEI and a cell", sim.SimID)
				}
				c := ss.Cell
				mark("radio:" + c.RadioType)
				if isLTEFamily(c.RadioType) && (c.TAC == 0 || c.ECI == 0) || !isLTEFamily(c.RadioType) && (c.LAC == 0 || c.CI == 0) || c.MCC == 0 {
					t.Fatalf("%s: cell %+v", sim.SimID, c)
				}
			default:
				mark("offline")
				if ps != nil {
					mark("offline with previous session")
					if ps.DeletedTime < ps.CreatedTime || ps.CreatedTime < msMin || ss.LastUpdatedAt != ps.DeletedTime {
						t.Fatalf("%s: previous session %+v, lastUpdatedAt %d", sim.SimID, ps, ss.LastUpdatedAt)
					}
				}
			}
		}
	}
	for _, want := range []string{
		"status:active", "status:inactive", "status:ready", "status:standby", "status:suspended", "status:terminated",
		"type:uicc", "type:euicc", "type:virtual", "module:virtual", "module:trio", "module:embedded",
		"speed:s1.minimum", "speed:s1.standard", "speed:s1.4xfast", "speed:u1.standard", "speed:t1.standard", "speed:arc.standard",
		"subscription:plan-D", "subscription:plan01s", "subscription:planP1", "subscription:planX3", "subscription:planArc01",
		"name:会社検証用", `name:name with "quotes"`, `name:back\slash`, "name:new\nline", "name:🚚 delivery truck 🚀", "name:",
		"two profiles", "never connected", "online", "online virtual", "offline with previous session",
		"radio:LTE", "radio:3G", "radio:LTE-M", "lastLocationUpdateTime", "expiryTime",
	} {
		if !seen[want] {
			t.Errorf("fleet has no %q", want)
		}
	}
}

func TestSubscriberViewAgreesWithSimView(t *testing.T) {
	f := newFake(t, Options{Seed: 4, SIMs: 300})
	for _, cov := range []string{"jp", "g"} {
		s := serveChecked(t, f, cov).login(f.Credentials())
		sims := map[string]simDoc{}
		for _, sim := range listSims(t, s) {
			sims[sim.SimID] = sim
		}
		var subs []struct {
			IMSI, ICCID, SimID, Status, SpeedClass, Subscription string
			Tags                                                 map[string]string
			SessionStatus                                        *struct{ Online bool }
		}
		for _, st := range f.SIMs(cov) {
			for _, imsi := range st.IMSIs {
				var sub struct {
					IMSI, ICCID, SimID, Status, SpeedClass, Subscription string
					Tags                                                 map[string]string
					SessionStatus                                        *struct{ Online bool }
				}
				s.getOK("/v1/subscribers/"+imsi, &sub)
				subs = append(subs, sub)
			}
		}
		sessions := 0
		for _, sub := range subs {
			sim, ok := sims[sub.SimID]
			if !ok {
				t.Fatalf("subscriber %s points at unknown SIM %s", sub.IMSI, sub.SimID)
			}
			p, ok := sim.Profiles[sub.ICCID]
			if !ok || p.Subscribers[sub.IMSI].Subscription != sub.Subscription || sub.SpeedClass != sim.SpeedClass || !mapsEqual(sub.Tags, sim.Tags) {
				t.Fatalf("subscriber %+v disagrees with SIM %+v", sub, sim)
			}
			if sub.IMSI == sim.Profiles[sim.ActiveProfileID].PrimaryIMSI {
				if sub.Status != sim.Status || (sub.SessionStatus == nil) != (sim.SessionStatus == nil) ||
					sub.SessionStatus != nil && sub.SessionStatus.Online != sim.SessionStatus.Online {
					t.Fatalf("primary subscriber %s disagrees with its SIM on status or session", sub.IMSI)
				}
				sessions++
			} else if sub.SessionStatus != nil {
				t.Fatalf("subscriber %s not in use has a session", sub.IMSI)
			}
		}
		if sessions != len(sims) {
			t.Fatalf("%d primary subscribers for %d SIMs", sessions, len(sims))
		}
		one := subs[len(subs)/2]
		var got struct{ IMSI, SimID string }
		s.getOK("/v1/subscribers/"+one.IMSI, &got)
		var sim simDoc
		s.getOK("/v1/sims/"+one.SimID, &sim)
		if got.IMSI != one.IMSI || sim.SimID != one.SimID {
			t.Fatalf("getSubscriber/getSim returned %+v / %s", got, sim.SimID)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestQuirksSendLowercaseRadioType(t *testing.T) {
	find := func(quirks bool) bool {
		f := newFake(t, Options{Seed: 2, SIMs: 400, Quirks: quirks})
		for _, cov := range f.Coverages() {
			for _, st := range f.SIMs(cov) {
				if st.Cell != nil && st.Cell.RadioType == "lte" {
					return true
				}
			}
		}
		return false
	}
	if !find(true) {
		t.Fatal("Quirks on: no cell reports radioType lte")
	}
	if find(false) {
		t.Fatal("Quirks off: a cell reports radioType lte, which the definition does not allow")
	}
}

func TestIdentifierHelpers(t *testing.T) {
	if !luhnValid("79927398713") || luhnValid("79927398710") {
		t.Fatal("Luhn check is wrong on the textbook number")
	}
	seen := map[string]bool{}
	for slot := range uint64(5000) {
		d := permutedDigits(slot, 12345, 6)
		if len(d) != 6 || seen[d] {
			t.Fatalf("slot %d: %q (duplicate %v)", slot, d, seen[d])
		}
		seen[d] = true
	}
	if !slices.Equal(strings.Split(uuidLikeOf(1), "-"), strings.Split(uuidLikeOf(1), "-")) || len(uuidLikeOf(1)) != 36 {
		t.Fatal("uuidLike is not deterministic or not 36 characters")
	}
}

func uuidLikeOf(seed uint64) string {
	r := newRNG(seed)
	return uuidLike(&r)
}
