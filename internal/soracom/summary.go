package soracom

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
	"unicode/utf8"
)

// SimSummary is what a fleet-level view of a listing reads of each SIM: its
// identity, status and plan, the IMSIs it answers to and its session. A
// listing decoded into summaries (ListSimSummaries) reads each SIM's JSON in
// one pass and builds none of the Sim's maps of tags, profiles and
// subscribers, so that a million SIMs do not cost the garbage collector two
// kilobytes each.
//
// A summary says exactly what Summarize says of the same SIM decoded as a
// Sim, and an item that does not decode as a Sim does not decode as a
// summary either: the one-pass reader takes only the plain shapes the API
// sends and hands anything else (an escaped string it keeps, a key sent
// twice, a field name in other letter case, a value of an unexpected kind)
// to the Sim decoder (FuzzSimSummary checks both ways agree).
type SimSummary struct {
	SimID      string
	OperatorID string
	Status     string
	SpeedClass string
	GroupID    string
	// IMSI is the IMSI the SIM reports (Sim.Identity).
	IMSI string
	// Online, LastUpdatedAt, IMEI and Cell are the sessionStatus's; zero
	// without one. Cell points into the summary (or the Sim it was made of).
	Online        bool
	LastUpdatedAt Millis
	IMEI          string
	Cell          *Cell

	imsis   []string          // every subscription's IMSI (Sim.Subscribers), in no order
	tagJSON []byte            // the tags object as sent, when read in one pass
	tagMap  map[string]string // the Sim's tags, when made by Summarize

	// Memory reused from SIM to SIM.
	cell     Cell
	cellInts [cellInts]int64
	profiles []profileEntry
	subKeys  [][]byte // of one profile's subscribers
}

// IMSIs returns the IMSI of every subscription of every profile of the SIM
// (Sim.Subscribers), in no particular order. The slice is the summary's.
func (s *SimSummary) IMSIs() []string { return s.imsis }

// Tag returns the value of the SIM's tag name and whether it has it.
func (s *SimSummary) Tag(name string) (string, bool) {
	if s.tagMap != nil {
		v, ok := s.tagMap[name]
		return v, ok
	}
	value, found := "", false
	p := scanner{b: s.tagJSON}
	p.object(func(key []byte, plain bool) bool {
		if plain && string(key[1:len(key)-1]) != name || !plain && unquote(key) != name {
			return p.skip()
		}
		// The later of a key sent twice wins, as in the Sim decoder; a
		// null value is "".
		found, value = true, ""
		if p.null() {
			return true
		}
		p.ws()
		start := p.i
		v, plain, ok := p.str()
		value = string(v)
		if !plain {
			value = unquote(p.b[start:p.i])
		}
		return ok
	})
	return value, found
}

// unquote decodes a JSON string with escapes or invalid UTF-8 as the Sim
// decoder does.
func unquote(quoted []byte) string {
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// Summarize fills sum from the SIM. sum keeps pointers into s.
func (s *Sim) Summarize(sum *SimSummary) {
	imsi, _ := s.Identity()
	*sum = SimSummary{
		SimID: s.SimID, OperatorID: s.OperatorID, Status: s.Status, SpeedClass: s.SpeedClass, GroupID: s.GroupID,
		IMSI: imsi, imsis: sum.imsis[:0], tagMap: s.Tags, tagJSON: sum.tagJSON[:0], profiles: sum.profiles[:0],
		subKeys: sum.subKeys[:0],
	}
	for sub := range s.Subscribers() {
		sum.imsis = append(sum.imsis, sub.IMSI)
	}
	if ss := s.SessionStatus; ss != nil {
		sum.Online, sum.LastUpdatedAt, sum.IMEI, sum.Cell = ss.Online, ss.LastUpdatedAt, ss.IMEI, ss.Cell
	}
}

// itemDecoder is a list item that decodes itself from the item's JSON into
// the memory it holds from the last page, rather than being zeroed and
// decoded by encoding/json (decodeArray).
type itemDecoder interface {
	decodeItem(raw []byte) error
}

// decodeItem reads one SIM of a listing: in one pass when the item has the
// plain shape the API sends, else as a Sim.
func (s *SimSummary) decodeItem(raw []byte) error {
	if s.read(raw) {
		return nil
	}
	var sim Sim
	if err := json.Unmarshal(raw, &sim); err != nil {
		return err
	}
	sim.Summarize(s)
	return nil
}

// The JSON names of the fields of the models a summary is read from
// (TestSummaryFieldsAreTheModels keeps them in step with the structs): a
// key that matches one only in letter case is a field to the Sim decoder,
// so it sends the item there.
var (
	simFields = []string{"simId", "operatorId", "status", "speedClass", "moduleType", "type", "groupId", "tags",
		"activeProfileId", "profiles", "sessionStatus", "arcSessionStatus", "previousSession",
		"lastLocationUpdateTime", "expiryTime", "createdTime", "lastModifiedTime"}
	sessionFields = []string{"online", "lastUpdatedAt", "imsi", "imei", "sessionId", "subscription", "ueIpAddress",
		"vpgId", "cell"}
	previousSessionFields = []string{"createdTime", "deletedTime", "imsi", "imei", "sessionId", "subscription",
		"ueIpAddress", "vpgId", "cell"}
	arcSessionFields = []string{"lastUpdatedAt"}
	cellFields       = []string{"radioType", "mcc", "mnc", "tac", "eci", "lac", "ci", "rac", "sac"} // the integers in Cell.integer's order
	profileFields    = []string{"iccid", "primaryImsi", "subscribers"}
	subscriberFields = []string{"imsi", "msisdn", "status", "subscription"}
)

// cellInts is the number of Cell's integers.
const cellInts = 8

// integer returns Cell's i-th integer field, in the order of cellFields.
func (c *Cell) integer(i int) **int64 {
	return [cellInts]**int64{&c.MCC, &c.MNC, &c.TAC, &c.ECI, &c.LAC, &c.CI, &c.RAC, &c.SAC}[i]
}

// profileEntry is one profile of the SIM being read: its key (in the
// item's JSON) and its primary IMSI.
type profileEntry struct {
	key     []byte
	primary string
}

// summaryReader reads one SIM in one pass. Every method returns false when
// the item is not of the plain shape it takes; the item then goes to the
// Sim decoder, which decides.
type summaryReader struct {
	scanner
	s        *SimSummary
	active   []byte // activeProfileId
	sessIMSI string // sessionStatus.imsi
	made     [4]string
	nmade    int
}

// read fills s from one item's JSON, or reports that the item is not of the
// plain shape (s is then undefined).
func (s *SimSummary) read(raw []byte) bool {
	*s = SimSummary{imsis: s.imsis[:0], tagJSON: s.tagJSON[:0], profiles: s.profiles[:0], subKeys: s.subKeys[:0]}
	r := summaryReader{scanner: scanner{b: raw}, s: s}
	ok := r.sim() && r.end()
	if ok {
		s.IMSI = r.identity()
	}
	clear(s.profiles) // they point into raw
	s.profiles = s.profiles[:0]
	return ok
}

// identity is Sim.Identity's IMSI: the current session's when online, else
// the primary IMSI of the active profile, else of the profile with the
// lowest key.
func (r *summaryReader) identity() string {
	s := r.s
	if s.Online && r.sessIMSI != "" {
		return r.sessIMSI
	}
	var best *profileEntry
	for i := range s.profiles {
		p := &s.profiles[i]
		if bytes.Equal(p.key, r.active) {
			return p.primary
		}
		if best == nil || bytes.Compare(p.key, best.key) < 0 {
			best = p
		}
	}
	if best == nil {
		return ""
	}
	return best.primary
}

func (r *summaryReader) sim() bool {
	s := r.s
	var seen uint32
	return r.object(func(key []byte, plain bool) bool {
		name, ok := field(key, plain, simFields, &seen)
		if !ok {
			return false
		}
		switch name {
		case "simId":
			return r.text(&s.SimID, false)
		case "operatorId":
			return r.text(&s.OperatorID, true)
		case "status":
			return r.text(&s.Status, true)
		case "speedClass":
			return r.text(&s.SpeedClass, true)
		case "groupId":
			return r.text(&s.GroupID, true)
		case "moduleType", "type":
			return r.anyText()
		case "activeProfileId":
			if r.null() {
				return true
			}
			v, plain, ok := r.str()
			r.active = v
			return ok && plain
		case "tags":
			return r.tags()
		case "profiles":
			return r.profiles()
		case "sessionStatus":
			return r.session()
		case "previousSession":
			return r.previousSession()
		case "arcSessionStatus":
			var seen uint32
			return r.null() || r.object(func(key []byte, plain bool) bool {
				name, ok := field(key, plain, arcSessionFields, &seen)
				return ok && (name == "" && r.skip() || name != "" && r.millis(nil))
			})
		case "":
			return r.skip()
		default: // the timestamps
			return r.millis(nil)
		}
	})
}

// tags checks the tags (an object of strings) and keeps their JSON for Tag.
func (r *summaryReader) tags() bool {
	if r.null() {
		return true
	}
	r.ws()
	start := r.i
	ok := r.object(func([]byte, bool) bool { return r.anyText() })
	r.s.tagJSON = append(r.s.tagJSON[:0], r.b[start:r.i]...)
	return ok
}

func (r *summaryReader) profiles() bool {
	if r.null() {
		return true
	}
	s := r.s
	return r.object(func(key []byte, plain bool) bool {
		k := key[1 : len(key)-1]
		if !plain {
			return false
		}
		for _, p := range s.profiles {
			if bytes.Equal(p.key, k) {
				return false
			}
		}
		p := profileEntry{key: k}
		var seen uint32
		ok := r.null() || r.object(func(key []byte, plain bool) bool {
			name, ok := field(key, plain, profileFields, &seen)
			switch {
			case !ok:
				return false
			case name == "iccid":
				return r.anyText()
			case name == "primaryImsi":
				return r.imsi(&p.primary)
			case name == "subscribers":
				return r.subscribers()
			}
			return r.skip()
		})
		s.profiles = append(s.profiles, p)
		return ok
	})
}

func (r *summaryReader) subscribers() bool {
	if r.null() {
		return true
	}
	keys := r.s.subKeys[:0]
	ok := r.object(func(key []byte, plain bool) bool {
		k := key[1 : len(key)-1]
		if !plain {
			return false
		}
		for _, other := range keys {
			if bytes.Equal(other, k) {
				return false
			}
		}
		keys = append(keys, k)
		imsi := ""
		var seen uint32
		ok := r.null() || r.object(func(key []byte, plain bool) bool {
			name, ok := field(key, plain, subscriberFields, &seen)
			switch {
			case !ok:
				return false
			case name == "imsi":
				return r.imsi(&imsi)
			case name == "":
				return r.skip()
			}
			return r.anyText()
		})
		if imsi == "" { // Sim.Subscribers: the key stands in
			imsi = r.keep(k)
		}
		r.s.imsis = append(r.s.imsis, imsi)
		return ok
	})
	clear(keys) // they point into the item
	r.s.subKeys = keys[:0]
	return ok
}

func (r *summaryReader) session() bool {
	if r.null() {
		return true
	}
	s := r.s
	var seen uint32
	return r.object(func(key []byte, plain bool) bool {
		name, ok := field(key, plain, sessionFields, &seen)
		switch {
		case !ok:
			return false
		case name == "online":
			return r.boolean(&s.Online)
		case name == "lastUpdatedAt":
			return r.millis(&s.LastUpdatedAt)
		case name == "imsi":
			return r.imsi(&r.sessIMSI)
		case name == "imei":
			return r.text(&s.IMEI, false)
		case name == "cell":
			return r.cell(true)
		case name == "":
			return r.skip()
		}
		return r.anyText()
	})
}

func (r *summaryReader) previousSession() bool {
	if r.null() {
		return true
	}
	var seen uint32
	return r.object(func(key []byte, plain bool) bool {
		name, ok := field(key, plain, previousSessionFields, &seen)
		switch {
		case !ok:
			return false
		case name == "createdTime", name == "deletedTime":
			return r.millis(nil)
		case name == "cell":
			return r.cell(false)
		case name == "":
			return r.skip()
		}
		return r.anyText()
	})
}

// cell reads a Cell, into the summary when keep.
func (r *summaryReader) cell(keep bool) bool {
	if r.null() {
		return true
	}
	s := r.s
	if keep {
		s.cell, s.cellInts = Cell{}, [cellInts]int64{}
	}
	var seen uint32
	ok := r.object(func(key []byte, plain bool) bool {
		name, ok := field(key, plain, cellFields, &seen)
		switch {
		case !ok:
			return false
		case name == "radioType" && keep:
			return r.text(&s.cell.RadioType, true)
		case name == "radioType":
			return r.anyText()
		case name == "":
			return r.skip()
		}
		v, set, ok := r.optInt()
		if set && keep {
			i := slices.Index(cellFields, name) - 1
			s.cellInts[i] = v
			*s.cell.integer(i) = &s.cellInts[i]
		}
		return ok
	})
	if keep {
		s.Cell = &s.cell
	}
	return ok
}

// imsi reads an IMSI (a string or null), sharing the string of one read
// before for the same SIM.
func (r *summaryReader) imsi(dst *string) bool {
	if r.null() {
		return true
	}
	v, plain, ok := r.str()
	if !ok || !plain {
		return false
	}
	*dst = r.keep(v)
	return true
}

// keep returns v as a string, the one already made for this SIM when
// there is one: a SIM's primary IMSI, subscriber IMSI, subscriber key and
// session IMSI are usually one.
func (r *summaryReader) keep(v []byte) string {
	for _, s := range r.made[:r.nmade] {
		if string(v) == s {
			return s
		}
	}
	s := string(v)
	if r.nmade < len(r.made) {
		r.made[r.nmade] = s
		r.nmade++
	}
	return s
}

// text reads a string or null into dst (interned when shared by many SIMs).
func (r *summaryReader) text(dst *string, shared bool) bool {
	if r.null() {
		return true
	}
	v, plain, ok := r.str()
	if !ok || !plain {
		return false
	}
	if shared {
		*dst = internName(v)
	} else {
		*dst = string(v)
	}
	return true
}

// field finds key (quoted) among the names of a model's fields: the name,
// or "" for a key that is none of them. It reports false when the key must
// go to the Sim decoder: escaped or not ASCII, sent twice, or one of the
// names in other letter case (which the Sim decoder takes for the field).
func field(key []byte, plain bool, names []string, seen *uint32) (string, bool) {
	k := key[1 : len(key)-1]
	if !plain {
		return "", false
	}
	for i, n := range names {
		if string(k) == n {
			if *seen&(1<<i) != 0 {
				return "", false
			}
			*seen |= 1 << i
			return n, true
		}
	}
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return "", false
		}
	}
	for _, n := range names {
		if len(n) == len(k) && asciiEqualFold(k, n) {
			return "", false
		}
	}
	return "", true
}

func asciiEqualFold(a []byte, b string) bool {
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// sharedNames holds one copy of the values many SIMs share (operator,
// status, speed class, group, radio type), so that reading them does not
// allocate for every SIM. It stops growing at maxSharedNames.
var sharedNames = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

const maxSharedNames = 4096

func internName(v []byte) string {
	sharedNames.Lock()
	defer sharedNames.Unlock()
	if s, ok := sharedNames.m[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(sharedNames.m) < maxSharedNames {
		sharedNames.m[s] = s
	}
	return s
}

// scanner walks JSON that encoding/json's Decoder has already checked for
// syntax (a list item); it still never reads out of bounds, whatever it is
// given.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte that is not a space, 0 at the end.
func (p *scanner) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// end reports whether nothing but space is left.
func (p *scanner) end() bool { return p.peek() == 0 && p.i == len(p.b) }

// null reads a null, if that is what comes next.
func (p *scanner) null() bool {
	if p.peek() == 'n' && bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// str reads a string: its content, and whether the content is the string
// (no escape, valid UTF-8).
func (p *scanner) str() (content []byte, plain, ok bool) {
	if p.peek() != '"' {
		return nil, false, false
	}
	start := p.i + 1
	plain, ascii := true, true
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			content = p.b[start:j]
			if !ascii && plain {
				plain = utf8.Valid(content)
			}
			return content, plain, true
		case c == '\\':
			plain = false
			j++
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false, false
}

// anyText reads a string or null.
func (p *scanner) anyText() bool {
	if p.null() {
		return true
	}
	_, _, ok := p.str()
	return ok
}

// boolean reads true, false or null (false).
func (p *scanner) boolean(dst *bool) bool {
	switch {
	case p.null():
		return true
	case bytes.HasPrefix(p.b[p.i:], []byte("true")):
		*dst, p.i = true, p.i+4
		return true
	case bytes.HasPrefix(p.b[p.i:], []byte("false")):
		*dst, p.i = false, p.i+5
		return true
	}
	return false
}

// millis reads a timestamp as Millis reads it, into dst unless nil: null,
// "" or an integer, as a number or a string.
func (p *scanner) millis(dst *Millis) bool {
	v, _, ok := p.optInt()
	if ok && dst != nil {
		*dst = Millis(v)
	}
	return ok
}

// optInt reads an integer as optInt and Millis read it: null and "" leave
// it unset; an integer, as a number or a string, sets it. Anything else
// (a fraction, an exponent, a space in a string, 19 digits or more) is
// left to the Sim decoder.
func (p *scanner) optInt() (v int64, set, ok bool) {
	if p.null() {
		return 0, false, true
	}
	if p.peek() == '"' {
		s, _, ok := p.str()
		if !ok {
			return 0, false, false
		}
		if len(s) == 0 {
			return 0, false, true
		}
		v, ok := parseInt(s)
		return v, ok, ok
	}
	start := p.i
	for p.i < len(p.b) && (p.b[p.i] == '-' || '0' <= p.b[p.i] && p.b[p.i] <= '9') {
		p.i++
	}
	v, ok = parseInt(p.b[start:p.i])
	return v, ok, ok
}

// parseInt parses -?[0-9]{1,18}.
func parseInt(s []byte) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// skip reads any value.
func (p *scanner) skip() bool {
	switch p.peek() {
	case 0:
		return false
	case '"':
		_, _, ok := p.str()
		return ok
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if _, _, ok := p.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return true
				}
			}
			p.i++
		}
		return false
	}
	start := p.i // a number, true or false
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return p.i > start
		}
		p.i++
	}
	return p.i > start
}

// object reads an object, calling member with each key (quoted, and
// whether its content is plain) when the scanner is at its value, which
// member must read.
func (p *scanner) object(member func(key []byte, plain bool) bool) bool {
	if p.peek() != '{' {
		return false
	}
	p.i++
	if p.peek() == '}' {
		p.i++
		return true
	}
	for {
		p.ws()
		start := p.i
		_, plain, ok := p.str()
		key := p.b[start:p.i]
		if !ok || p.peek() != ':' {
			return false
		}
		p.i++
		if !member(key, plain) {
			return false
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}
