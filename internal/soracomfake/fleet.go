package soracomfake

// subscription is one IMSI of a SIM (a "subscriber" of the API).
type subscription struct {
	imsi    string
	msisdn  string // empty for virtual SIMs
	plan    *plan
	bundles []string
	// status of an additional subscription or of the subscription of a
	// non-active profile; empty for the primary subscription of the active
	// profile, whose status is the SIM's.
	status  string
	sms     bool
	created int64 // ms
}

// profile is one ICCID of a SIM with its subscriptions; subs[0] is primary.
type profile struct {
	iccid        string
	otaSupported bool
	subs         []subscription
}

// cell is where a device is attached, kept compact because the session log
// holds many: the network (mcc, mnc) is the SIM's, the radio type an index.
type cell struct {
	radio uint8 // index into radioTypes
	lower bool  // Options.Quirks: report the radio type in lower case
	area  int32 // tac for the LTE family, lac for 2G/3G
	id    int32 // eci for the LTE family, ci for 2G/3G
}

// radioTypes are the values of Cell.radioType.
var radioTypes = []string{"LTE", "LTE-M", "NB-IoT", "3G", "GSM"}

func radioIndex(radio string) uint8 {
	for i, r := range radioTypes {
		if r == radio {
			return uint8(i)
		}
	}
	panic("soracomfake: unknown radio type " + radio)
}

// session is a data session, current or previous. What does not change
// between sessions of a SIM (IMSI, IMEI, subscription, address) is the
// SIM's; the session ID is derived from the sequence number.
type session struct {
	seq     uint32
	hasCell bool // virtual SIMs have no cell
	cell    cell
	created int64 // ms
	deleted int64 // ms, previous sessions only
}

// sessionEvent is one entry of a SIM's session log.
type sessionEvent struct {
	time    int64 // ms
	seq     uint32
	kind    eventKind
	hasCell bool
	cell    cell
}

type eventKind uint8

const (
	eventCreated eventKind = iota
	eventModified
	eventDeleted
)

func (k eventKind) String() string {
	switch k {
	case eventCreated:
		return "Created"
	case eventModified:
		return "Modified"
	default:
		return "Deleted"
	}
}

// sim is the fake's truth about one SIM. Both the Sim view (/sims) and the
// Subscriber view (/subscribers) are rendered from it, so they always agree.
type sim struct {
	id         string
	coverage   string
	index      int // generation index within the coverage
	simType    string
	moduleType string
	status     string
	speedClass string
	serial     string
	groupID    string
	tags       tagSet
	created    int64
	modified   int64
	expiry     int64 // 0: no expiry set
	expiryAct  string
	renewalSet int64 // 0: not set
	// lastLocationUpdate is kept only for SIMs that report it.
	hasLocationUpdate  bool
	lastLocationUpdate int64
	terminationEnabled bool
	imei               string // device IMEI; empty for virtual SIMs
	imeiLock           bool
	profiles           []profile
	active             int // index of the active profile
	network            network

	// Session state.
	online        bool
	current       session // valid when online
	previous      session // valid when hasPrevious
	hasPrevious   bool
	lastUpdatedAt int64 // ms; 0 while never connected
	sessionSeq    uint32
	events        []sessionEvent
	simulated     bool // whether the clock moves this SIM
	nextEvent     int64
	heapIndex     int // position in Fake.sched, -1 when not scheduled
	rng           rng
	idSeed        uint64 // derives session IDs
}

// primary returns the primary subscription of the active profile: the IMSI
// a session uses.
func (s *sim) primary() *subscription { return &s.profiles[s.active].subs[0] }

func (s *sim) name() string { v, _ := s.tags.get("name"); return v }

// group is one group of a coverage.
type group struct {
	id       string
	name     string
	tags     tagSet
	created  int64
	modified int64
	config   map[string]map[string]any
}

// subRef locates a subscription within the fleet, for /subscribers.
type subRef struct {
	imsi    string
	sim     *sim
	profile int
	sub     int
}

// maxSIMsPerCoverage keeps the identifier slots of different SIMs apart
// (MSISDNs have the narrowest digit block).
const maxSIMsPerCoverage = 2_000_000

// fleet is the SIMs and groups of one coverage, with the indexes the API
// handlers need. The slices are sorted by their paging key and never change
// after generation except by the churn controls (control_churn.go); SIMs and
// their fields change under Fake.mu.
type fleet struct {
	coverage string
	sims     []*sim // by SIM ID
	byID     map[string]*sim
	subs     []subRef // by IMSI
	byIMSI   map[string]subRef
	groups   []*group // by group ID
	groupsBy map[string]*group
	// issued is the number of SIMs generated so far, the generation index
	// of the next one (AddSIMs).
	issued int
}

// collect returns get's non-empty values over every subscription of the SIM.
func (s *sim) collect(get func(*profile, *subscription) string) []string {
	var out []string
	for p := range s.profiles {
		for k := range s.profiles[p].subs {
			if v := get(&s.profiles[p], &s.profiles[p].subs[k]); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
