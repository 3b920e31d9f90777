package soracomfake

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// generateFleet builds a coverage's fleet of n SIMs from the seed.
func generateFleet(o *Options, coverage string, n int, start time.Time) *fleet {
	if n > maxSIMsPerCoverage {
		panic("soracomfake: at most " + strconv.Itoa(maxSIMsPerCoverage) + " SIMs per coverage")
	}
	cat := catalogs[coverage]
	seed := uint64(o.Seed)
	fl := &fleet{coverage: coverage, groupsBy: map[string]*group{}, issued: n}
	now := start.UnixMilli()
	for k, name := range groupNames {
		r := newRNG(seed, cat.index, hashString("group"), uint64(k))
		g := &group{id: uuidLike(&r), name: name, tags: tagSet{{"name", name}}}
		if k%2 == 0 {
			g.tags = append(g.tags, tag{"purpose", "fleet-" + strconv.Itoa(k)})
			g.tags.sort()
		}
		g.created = now - int64(r.between(400, 900))*int64(24*time.Hour/time.Millisecond)
		g.modified = g.created + int64(r.between(0, 300))*int64(24*time.Hour/time.Millisecond)
		g.config = map[string]map[string]any{}
		if k%3 != 2 {
			g.config["SoracomAir"] = map[string]any{"useCustomDns": false, "useVpg": k == 0}
		}
		fl.groups = append(fl.groups, g)
		fl.groupsBy[g.id] = g
	}
	slices.SortFunc(fl.groups, func(a, b *group) int { return strings.Compare(a.id, b.id) })

	fl.sims = make([]*sim, n)
	fl.byID = make(map[string]*sim, n)
	for i := range n {
		s := generateSIM(o, cat, coverage, i, fl.groups, now)
		fl.sims[i] = s
		fl.byID[s.id] = s
	}
	slices.SortFunc(fl.sims, func(a, b *sim) int { return strings.Compare(a.id, b.id) })
	fl.subs = make([]subRef, 0, n+n/8)
	for _, s := range fl.sims {
		for p := range s.profiles {
			for k := range s.profiles[p].subs {
				fl.subs = append(fl.subs, subRef{imsi: s.profiles[p].subs[k].imsi, sim: s, profile: p, sub: k})
			}
		}
	}
	slices.SortFunc(fl.subs, func(a, b subRef) int { return strings.Compare(a.imsi, b.imsi) })
	fl.byIMSI = make(map[string]subRef, len(fl.subs))
	for _, ref := range fl.subs {
		fl.byIMSI[ref.imsi] = ref
	}
	return fl
}

const day = int64(24 * time.Hour / time.Millisecond)

// generateSIM builds SIM i of a coverage. Each SIM draws from its own random
// stream, so SIM i is the same whatever the fleet size.
func generateSIM(o *Options, cat *coverageCatalog, coverage string, i int, groups []*group, now int64) *sim {
	seed := uint64(o.Seed)
	r := newRNG(seed, cat.index, uint64(i))
	// Identifier slots: four per SIM (profile 0, profile 1, additional
	// subscription), so no two SIMs of a coverage share an identifier.
	slot := func(kind int) uint64 { return uint64(i)*4 + uint64(kind) }
	// A different offset per kind keeps an IMSI, MSISDN and ICCID of one
	// SIM from sharing their trailing digits.
	offset := func(kind string) uint64 { return seed*0x9e3779b97f4a7c15 ^ hashString(kind) }

	s := &sim{coverage: coverage, index: i, heapIndex: -1}
	s.status = pick(&r, simStatuses, simStatusWeights)
	var p *plan
	switch t := r.intn(100); {
	case t < 8:
		s.simType, s.moduleType, p = "virtual", "virtual", cat.arc
	case t < 8+22 || (coverage == CoverageGlobal && t < 8+40):
		s.simType = "euicc"
		s.moduleType = pick(&r, []string{"embedded", "integrated", "profilePackage"}, []int{5, 2, 3})
		p = pick(&r, cat.physical, cat.weights)
	default:
		s.simType = "uicc"
		s.moduleType = pick(&r, []string{"trio", "nano", "micro", "mini", "embedded"}, []int{6, 2, 1, 1, 1})
		p = pick(&r, cat.physical, cat.weights)
	}
	s.speedClass = p.speeds[r.intn(len(p.speeds))]
	s.created = now - int64(r.between(30, 900))*day - int64(r.intn(int(day)))
	s.modified = s.created + int64(r.intn(int(now-s.created)))

	newSub := func(p *plan, kind int) subscription {
		sub := subscription{imsi: imsi(p.imsiPrefix, slot(kind), offset("imsi")), plan: p, sms: p.sms && r.chance(0.8), created: s.created}
		if !p.virtual {
			sub.msisdn = msisdn(cat.msisdnPrefix, slot(kind), offset("msisdn"))
		}
		if len(p.bundles) > 0 {
			if b := p.bundles[r.intn(len(p.bundles))]; b != "" {
				sub.bundles = []string{b}
			}
		}
		return sub
	}
	first := profile{iccid: iccid(cat.iccidPrefix, slot(0), offset("iccid")), otaSupported: s.simType == "euicc"}
	first.subs = []subscription{newSub(p, 0)}
	if s.simType == "uicc" && r.chance(0.1) {
		extra := newSub(cat.additional[r.intn(len(cat.additional))], 2)
		extra.status = pick(&r, []string{"active", "ready"}, []int{3, 1})
		extra.created = s.created + int64(r.intn(int(now-s.created)))
		first.subs = append(first.subs, extra)
	}
	s.profiles = []profile{first}
	if s.simType == "euicc" && r.chance(0.4) {
		second := profile{iccid: iccid(cat.iccidPrefix, slot(1), offset("iccid")), otaSupported: true}
		sub := newSub(cat.secondProfile[r.intn(len(cat.secondProfile))], 1)
		sub.status = pick(&r, []string{"active", "ready"}, []int{1, 1})
		sub.created = s.created + int64(r.intn(int(now-s.created)))
		second.subs = []subscription{sub}
		s.profiles = append(s.profiles, second)
		if r.chance(0.5) {
			// The profile not in use keeps a status of its own.
			s.active = 1
			s.profiles[0].subs[0].status = "active"
		}
	}
	// The SIM ID of a SIM is the ICCID it was issued with.
	s.id = s.profiles[0].iccid

	name := simName(&r, coverage, i)
	s.tags = simTags(&r, name)
	if r.chance(0.75) {
		s.groupID = groups[r.intn(len(groups))].id
	}
	if r.chance(0.1) {
		s.expiry = now + int64(r.between(1, 120))*day
		s.expiryAct = expiryActions[r.intn(len(expiryActions))]
	}
	switch s.status {
	case "ready", "standby", "suspended":
		s.renewalSet = s.modified
	}
	s.terminationEnabled = r.chance(0.3)
	if !p.virtual {
		s.imei = imei(deviceTACs[r.intn(len(deviceTACs))], uint64(i)*2+cat.index, offset("imei"))
		s.imeiLock = r.chance(0.15)
		ap := s.primary().plan
		s.network = ap.networks[r.intn(len(ap.networks))]
		s.hasLocationUpdate = r.chance(0.4)
		if coverage == CoverageGlobal && s.simType == "uicc" && r.chance(0.2) {
			s.serial = "AX" + permutedDigits(uint64(i), offset("serial"), 10)
		}
	}
	s.rng = newRNG(seed, cat.index, uint64(i), hashString("sessions"))
	ids := newRNG(seed, cat.index, uint64(i), hashString("session IDs"))
	s.idSeed = ids.next()
	return s
}
