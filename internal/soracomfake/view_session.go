package soracomfake

import (
	"fmt"
	"strings"
)

// JSON shapes shared by the Sim and Subscriber views, written from the
// schemas Cell, SessionStatus and PreviousSessionStatus. The definition
// marks no field nullable, so absent values are omitted rather than null:
// a virtual SIM's session has no "imei" and no "cell".

type cellJSON struct {
	CI        int32  `json:"ci,omitempty"`
	ECI       int32  `json:"eci,omitempty"`
	LAC       int32  `json:"lac,omitempty"`
	MCC       int32  `json:"mcc"`
	MNC       int32  `json:"mnc"`
	RAC       int32  `json:"rac,omitempty"`
	RadioType string `json:"radioType"`
	SAC       int32  `json:"sac,omitempty"`
	TAC       int32  `json:"tac,omitempty"`
}

type sessionStatusJSON struct {
	Cell          *cellJSON `json:"cell,omitempty"`
	DNSServers    []string  `json:"dnsServers,omitempty"`
	IMEI          string    `json:"imei,omitempty"`
	IMSI          string    `json:"imsi,omitempty"`
	LastUpdatedAt int64     `json:"lastUpdatedAt"`
	Online        bool      `json:"online"`
	SessionID     string    `json:"sessionId,omitempty"`
	Subscription  string    `json:"subscription,omitempty"`
	UEIPAddress   string    `json:"ueIpAddress,omitempty"`
}

type previousSessionJSON struct {
	Cell         *cellJSON `json:"cell,omitempty"`
	CreatedTime  int64     `json:"createdTime"`
	DeletedTime  int64     `json:"deletedTime"`
	DNSServers   []string  `json:"dnsServers,omitempty"`
	IMEI         string    `json:"imei,omitempty"`
	IMSI         string    `json:"imsi"`
	SessionID    string    `json:"sessionId"`
	Subscription string    `json:"subscription"`
	UEIPAddress  string    `json:"ueIpAddress"`
}

// cellView renders a cell on the SIM's network. Radio types of the LTE
// family carry tac/eci, the others lac/ci, and 3G also rac/sac.
func (s *sim) cellView(c cell) *cellJSON {
	radio := radioTypes[c.radio]
	v := &cellJSON{MCC: int32(s.network.mcc), MNC: int32(s.network.mnc), RadioType: radio}
	if c.lower {
		v.RadioType = strings.ToLower(radio)
	}
	if isLTEFamily(radio) {
		v.TAC, v.ECI = c.area, c.id
		return v
	}
	v.LAC, v.CI = c.area, c.id
	if radio == "3G" {
		v.RAC, v.SAC = 1+c.id%255, c.id
	}
	return v
}

// sessionStatusView renders the SIM's current session: the full session
// when online; when offline, what real offline statuses keep (the time of
// the change, the IMSI and the subscription; their imei is null, which the
// definition does not allow, so the fake leaves it out); nothing for a SIM
// that never connected.
func (s *sim) sessionStatusView() *sessionStatusJSON {
	if s.lastUpdatedAt == 0 {
		return nil
	}
	p := s.primary()
	if !s.online {
		return &sessionStatusJSON{LastUpdatedAt: s.lastUpdatedAt, Online: false, IMSI: p.imsi, Subscription: p.plan.name}
	}
	v := &sessionStatusJSON{
		DNSServers: dnsServers, IMEI: s.imei, IMSI: p.imsi, LastUpdatedAt: s.lastUpdatedAt, Online: true,
		SessionID: s.sessionID(s.current.seq), Subscription: p.plan.name, UEIPAddress: s.ueIP(),
	}
	if s.current.hasCell {
		v.Cell = s.cellView(s.current.cell)
	}
	return v
}

func (s *sim) previousSessionView() *previousSessionJSON {
	if !s.hasPrevious {
		return nil
	}
	prev, p := &s.previous, s.primary()
	v := &previousSessionJSON{
		CreatedTime: prev.created, DeletedTime: prev.deleted, DNSServers: dnsServers, IMEI: s.imei,
		IMSI: p.imsi, SessionID: s.sessionID(prev.seq), Subscription: p.plan.name, UEIPAddress: s.ueIP(),
	}
	if prev.hasCell {
		v.Cell = s.cellView(prev.cell)
	}
	return v
}

// locationRegistrationJSON is LocationRegistrationStatus.
type locationRegistrationJSON struct {
	CS  *networkRegistrationJSON `json:"cs,omitempty"`
	EPS *networkRegistrationJSON `json:"eps,omitempty"`
	PS  *networkRegistrationJSON `json:"ps,omitempty"`
}

// networkRegistrationJSON is LocationRegistrationStatusForNetwork.
type networkRegistrationJSON struct {
	LastModifiedTime int64  `json:"lastModifiedTime"`
	VPLMN            string `json:"vplmn"`
}

// locationRegistrationView tells where the SIM last registered: on the
// EPS domain for LTE-family cells, on the CS and PS domains for the others.
// SIMs that never attached and virtual SIMs (no cell) have none. vplmn is
// MCC and MNC; the definition does not document its format, so the fake
// writes the MNC with two digits, three in North America (MCC 300-316),
// as PLMN IDs are usually written.
func (s *sim) locationRegistrationView() *locationRegistrationJSON {
	last := s.current
	if !s.online {
		if !s.hasPrevious {
			return nil
		}
		last = s.previous
	}
	if !last.hasCell {
		return nil
	}
	width := 2
	if s.network.mcc >= 300 && s.network.mcc <= 316 {
		width = 3
	}
	reg := &networkRegistrationJSON{LastModifiedTime: s.lastUpdatedAt, VPLMN: fmt.Sprintf("%03d%0*d", s.network.mcc, width, s.network.mnc)}
	if isLTEFamily(radioTypes[last.cell.radio]) {
		return &locationRegistrationJSON{EPS: reg}
	}
	return &locationRegistrationJSON{CS: reg, PS: reg}
}
