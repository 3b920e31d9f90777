package soracomfake

import "strings"

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
// when online, only "online":false and the time of the change when offline,
// and nothing for a SIM that never connected.
func (s *sim) sessionStatusView() *sessionStatusJSON {
	if s.lastUpdatedAt == 0 {
		return nil
	}
	if !s.online {
		return &sessionStatusJSON{LastUpdatedAt: s.lastUpdatedAt, Online: false}
	}
	p := s.primary()
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
