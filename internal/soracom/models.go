package soracom

import (
	"encoding/json"
	"iter"
	"reflect"
	"strings"
	"time"
)

// The models below carry only the fields the exporter reads. Field names and
// types are the spec's (components.schemas.Sim, SessionStatus,
// PreviousSessionStatus, Cell, SimProfile, SimplifiedSubscriber, Subscriber,
// Group, LocationRegistrationStatus). Decoding tolerates unknown fields and
// nulls: a missing sessionStatus or a null imei simply leaves the zero value.

// Millis is a UNIX time in milliseconds, as most SORACOM timestamps are. Zero
// means absent.
type Millis int64

// Time converts to time.Time; the zero Millis gives the zero time.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// Seconds returns the timestamp as float seconds, the unit of Prometheus
// *_timestamp_seconds metrics.
func (m Millis) Seconds() float64 { return float64(m) / 1000 }

// UnmarshalJSON accepts a number, a numeric string or null. Some SORACOM
// responses have carried timestamps as strings; a fleet must not be lost over
// that.
func (m *Millis) UnmarshalJSON(b []byte) error {
	var n json.Number
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		*m = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		n = json.Number(str)
	} else {
		n = json.Number(s)
	}
	if i, err := n.Int64(); err == nil {
		*m = Millis(i)
		return nil
	}
	f, err := n.Float64()
	if err != nil {
		return &json.UnmarshalTypeError{Value: "timestamp " + s, Type: millisType}
	}
	*m = Millis(int64(f))
	return nil
}

// Sim is one IoT SIM (GET /v1/sims, operationId listSims; GET /v1/sims/{sim_id}).
type Sim struct {
	SimID                  string                `json:"simId"`
	OperatorID             string                `json:"operatorId"`
	Status                 string                `json:"status"`
	SpeedClass             string                `json:"speedClass"`
	ModuleType             string                `json:"moduleType"`
	Type                   string                `json:"type"`
	GroupID                string                `json:"groupId"`
	Tags                   map[string]string     `json:"tags"`
	ActiveProfileID        string                `json:"activeProfileId"`
	Profiles               map[string]SimProfile `json:"profiles"`
	SessionStatus          *SessionStatus        `json:"sessionStatus"`
	ArcSessionStatus       *ArcSessionStatus     `json:"arcSessionStatus"`
	PreviousSession        *PreviousSession      `json:"previousSession"`
	LastLocationUpdateTime Millis                `json:"lastLocationUpdateTime"`
	ExpiryTime             Millis                `json:"expiryTime"`
	CreatedTime            Millis                `json:"createdTime"`
	LastModifiedTime       Millis                `json:"lastModifiedTime"`
}

// SimProfile is one profile (ICCID) of a SIM; a SIM with an additional
// subscription has several.
type SimProfile struct {
	ICCID       string                          `json:"iccid"`
	PrimaryIMSI string                          `json:"primaryImsi"`
	Subscribers map[string]SimplifiedSubscriber `json:"subscribers"`
}

// SimplifiedSubscriber is a subscription (IMSI) inside a SIM profile.
type SimplifiedSubscriber struct {
	IMSI         string `json:"imsi"`
	MSISDN       string `json:"msisdn"`
	Status       string `json:"status"`
	Subscription string `json:"subscription"`
}

// SessionStatus is the current session of a SIM.
type SessionStatus struct {
	Online        bool   `json:"online"`
	LastUpdatedAt Millis `json:"lastUpdatedAt"`
	IMSI          string `json:"imsi"`
	IMEI          string `json:"imei"`
	SessionID     string `json:"sessionId"`
	Subscription  string `json:"subscription"`
	UEIPAddress   string `json:"ueIpAddress"`
	VPGID         string `json:"vpgId"`
	Cell          *Cell  `json:"cell"`
}

// ArcSessionStatus is the SORACOM Arc (WireGuard) session of a SIM, virtual
// or with Arc added. It has no online flag, only when it was last updated.
type ArcSessionStatus struct {
	LastUpdatedAt Millis `json:"lastUpdatedAt"`
}

// PreviousSession is the last session that ended.
type PreviousSession struct {
	CreatedTime  Millis `json:"createdTime"`
	DeletedTime  Millis `json:"deletedTime"`
	IMSI         string `json:"imsi"`
	IMEI         string `json:"imei"`
	SessionID    string `json:"sessionId"`
	Subscription string `json:"subscription"`
	UEIPAddress  string `json:"ueIpAddress"`
	VPGID        string `json:"vpgId"`
	Cell         *Cell  `json:"cell"`
}

// Cell is the base station a session uses. Integers are pointers because 0 is
// a valid MNC or LAC and absence must stay visible.
type Cell struct {
	RadioType string `json:"radioType"`
	MCC       *int64 `json:"mcc"`
	MNC       *int64 `json:"mnc"`
	TAC       *int64 `json:"tac"`
	ECI       *int64 `json:"eci"`
	LAC       *int64 `json:"lac"`
	CI        *int64 `json:"ci"`
	RAC       *int64 `json:"rac"`
	SAC       *int64 `json:"sac"`
}

// NormalizedRadioType returns the radio type in the spec's spelling (LTE,
// LTE-M, NB-IoT, 3G, GSM); the API has been seen to send lower case.
func (c *Cell) NormalizedRadioType() string {
	if c == nil {
		return ""
	}
	switch strings.ToUpper(strings.TrimSpace(c.RadioType)) {
	case "NB-IOT":
		return "NB-IoT"
	case "":
		return ""
	default:
		return strings.ToUpper(strings.TrimSpace(c.RadioType))
	}
}

// Name returns the SIM's name tag ("" when it has none).
func (s *Sim) Name() string { return s.Tags["name"] }

// Identity picks the IMSI and MSISDN that a SIM reports: the IMSI of the
// current session when there is one, else the primary IMSI of the active
// profile, else the lowest primary IMSI of any profile. This keeps a SIM with
// several profiles on one stable series while offline, and on the IMSI that
// carries traffic while online.
func (s *Sim) Identity() (imsi, msisdn string) {
	var prof *SimProfile
	if p, ok := s.Profiles[s.ActiveProfileID]; ok {
		prof = &p
	} else {
		best := ""
		for k, p := range s.Profiles {
			if prof == nil || k < best {
				best = k
				pp := p
				prof = &pp
			}
		}
	}
	if prof != nil {
		imsi = prof.PrimaryIMSI
	}
	if s.SessionStatus != nil && s.SessionStatus.Online && s.SessionStatus.IMSI != "" {
		imsi = s.SessionStatus.IMSI
	}
	if imsi == "" {
		return "", ""
	}
	if sub, ok := s.subscriber(imsi); ok {
		return imsi, sub.MSISDN
	}
	return imsi, ""
}

// Subscribers yields every subscription of every profile, each with its
// IMSI. The definition does not say what keys profiles[*].subscribers, so
// the IMSI is the entry's own imsi field; the key stands in only for an
// entry that lacks it.
func (s *Sim) Subscribers() iter.Seq[SimplifiedSubscriber] {
	return func(yield func(SimplifiedSubscriber) bool) {
		for _, p := range s.Profiles {
			for key, sub := range p.Subscribers {
				if sub.IMSI == "" {
					sub.IMSI = key
				}
				if !yield(sub) {
					return
				}
			}
		}
	}
}

// subscriber finds the subscription of imsi, by the entries' imsi field.
func (s *Sim) subscriber(imsi string) (SimplifiedSubscriber, bool) {
	for sub := range s.Subscribers() {
		if sub.IMSI == imsi {
			return sub, true
		}
	}
	return SimplifiedSubscriber{}, false
}

// Subscription returns the subscription (plan) of the IMSI the SIM reports.
func (s *Sim) Subscription() string {
	imsi, _ := s.Identity()
	if sub, ok := s.subscriber(imsi); ok {
		return sub.Subscription
	}
	if s.SessionStatus != nil {
		return s.SessionStatus.Subscription
	}
	return ""
}

// Subscriber is the per-IMSI view (GET /v1/subscribers, operationId
// listSubscribers; GET /v1/subscribers/{imsi}).
type Subscriber struct {
	IMSI                       string                      `json:"imsi"`
	MSISDN                     string                      `json:"msisdn"`
	SimID                      string                      `json:"simId"`
	ICCID                      string                      `json:"iccid"`
	OperatorID                 string                      `json:"operatorId"`
	Status                     string                      `json:"status"`
	SpeedClass                 string                      `json:"speedClass"`
	Subscription               string                      `json:"subscription"`
	ModuleType                 string                      `json:"moduleType"`
	GroupID                    string                      `json:"groupId"`
	Tags                       map[string]string           `json:"tags"`
	IMEILock                   json.RawMessage             `json:"imeiLock"`
	SessionStatus              *SessionStatus              `json:"sessionStatus"`
	PreviousSession            *PreviousSession            `json:"previousSession"`
	LocationRegistrationStatus *LocationRegistrationStatus `json:"locationRegistrationStatus"`
	ExpiryTime                 Millis                      `json:"expiryTime"`
	CreatedTime                Millis                      `json:"createdTime"`
	LastModifiedTime           Millis                      `json:"lastModifiedTime"`
}

// LocationRegistrationStatus tells where a subscriber last registered.
type LocationRegistrationStatus struct {
	CS  *LocationRegistration `json:"cs"`
	PS  *LocationRegistration `json:"ps"`
	EPS *LocationRegistration `json:"eps"`
}

// LocationRegistration is the registration on one network domain.
type LocationRegistration struct {
	LastModifiedTime Millis `json:"lastModifiedTime"`
	VPLMN            string `json:"vplmn"`
}

// Group is a SIM group (GET /v1/groups, operationId listGroups).
type Group struct {
	GroupID    string            `json:"groupId"`
	OperatorID string            `json:"operatorId"`
	Tags       map[string]string `json:"tags"`
}

// Name returns the group's name tag.
func (g *Group) Name() string { return g.Tags["name"] }

var millisType = reflect.TypeOf(Millis(0))
