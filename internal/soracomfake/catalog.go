package soracomfake

// The catalog describes what a SIM of each coverage can look like: which
// subscriptions exist, their identifier prefixes, speed classes, bundles and
// the radio networks their devices attach to. Values are the ones the API
// definition lists (speed classes, subscriptions, module types) arranged in
// plausible combinations.

// plan is one subscription of the catalog.
type plan struct {
	name       string   // Sim/Subscriber "subscription"
	imsiPrefix string   // MCC+MNC+MSIN head; unique per plan
	speeds     []string // speed classes sold with this plan
	bundles    []string // possible bundles; "" means none
	virtual    bool     // Virtual SIM/Subscriber (Soracom Arc)
	sms        bool     // whether SMS is usually available
	networks   []network
}

// network is a radio network a device may attach to.
type network struct {
	mcc, mnc int
	radios   []string // radioType values used on this network
}

var speedsS1 = []string{"s1.minimum", "s1.slow", "s1.standard", "s1.fast", "s1.4xfast", "s1.8xfast"}

var (
	planD = &plan{
		name: "plan-D", imsiPrefix: "440103", speeds: speedsS1, bundles: []string{"", "", "D-500MB"}, sms: true,
		networks: []network{{440, 10, []string{"LTE", "LTE", "LTE", "LTE-M", "3G"}}},
	}
	planK2 = &plan{
		name: "plan-K2", imsiPrefix: "440510", speeds: speedsS1, bundles: []string{"K2-500MB"}, sms: true,
		networks: []network{{440, 51, []string{"LTE"}}},
	}
	planKM1 = &plan{
		name: "plan-KM1", imsiPrefix: "440524", speeds: []string{"t1.standard"},
		networks: []network{{440, 51, []string{"LTE-M"}}},
	}
	plan01s = &plan{
		name: "plan01s", imsiPrefix: "295050", speeds: speedsS1, sms: true,
		networks: []network{
			{440, 10, []string{"LTE", "3G"}},
			{234, 15, []string{"LTE", "LTE", "GSM", "3G"}},
			{262, 1, []string{"LTE", "LTE-M", "NB-IoT"}},
			{310, 410, []string{"LTE", "LTE-M"}},
		},
	}
	planP1 = &plan{
		name: "planP1", imsiPrefix: "295051", speeds: speedsS1, sms: true,
		networks: []network{{262, 2, []string{"LTE"}}, {208, 1, []string{"LTE", "3G"}}},
	}
	planX3 = &plan{
		name: "planX3", imsiPrefix: "295053", speeds: speedsS1, bundles: []string{"X3-5MB", ""},
		networks: []network{{234, 30, []string{"LTE", "LTE-M"}}, {208, 10, []string{"LTE"}}},
	}
	planUS = &plan{
		name: "plan-US", imsiPrefix: "310170", speeds: []string{"u1.standard", "u1.slow"}, sms: true,
		networks: []network{{310, 410, []string{"LTE", "LTE-M"}}, {311, 480, []string{"LTE"}}},
	}
	planArcJP = &plan{name: "planArc01", imsiPrefix: "440109", speeds: []string{"arc.standard"}, virtual: true}
	planArcG  = &plan{name: "planArc01", imsiPrefix: "295059", speeds: []string{"arc.standard"}, virtual: true}
)

// coverageCatalog is everything coverage-specific about generated SIMs.
type coverageCatalog struct {
	index        uint64 // keeps identifier slots of the coverages apart
	iccidPrefix  string
	msisdnPrefix string
	physical     []*plan
	weights      []int
	arc          *plan
	// secondProfile lists the plans a second eSIM profile may carry.
	secondProfile []*plan
	// additional lists the plans of an additional subscription on a profile.
	additional []*plan
}

var catalogs = map[string]*coverageCatalog{
	CoverageJapan: {
		index: 0, iccidPrefix: "898110", msisdnPrefix: "8120",
		physical: []*plan{planD, planK2, planKM1}, weights: []int{70, 15, 15},
		arc:           planArcJP,
		secondProfile: []*plan{planK2},
		additional:    []*plan{planKM1},
	},
	CoverageGlobal: {
		index: 1, iccidPrefix: "894231", msisdnPrefix: "423",
		physical: []*plan{plan01s, planX3, planUS}, weights: []int{60, 25, 15},
		arc:           planArcG,
		secondProfile: []*plan{planP1, planX3, planUS},
		additional:    []*plan{planUS, planP1},
	},
}

// Device type allocation codes used to build IMEIs.
var deviceTACs = []string{"35840910", "86779303", "35299709", "86119205", "35468611"}

var simStatuses = []string{"active", "inactive", "ready", "standby", "suspended", "terminated"}
var simStatusWeights = []int{60, 8, 8, 6, 8, 10}

var expiryActions = []string{"doNothing", "deleteSession", "deactivate", "suspend", "terminate"}

// dnsServers are the resolvers a session is given.
var dnsServers = []string{"100.127.0.53", "100.127.1.53"}
