package soracomfake

// simJSON is the Sim schema (listSims, getSim, searchSims).
type simJSON struct {
	ActiveProfileID        string                    `json:"activeProfileId"`
	ArcSessionStatus       *arcSessionStatusJSON     `json:"arcSessionStatus,omitempty"`
	Capabilities           capabilitiesJSON          `json:"capabilities"`
	CreatedTime            int64                     `json:"createdTime"`
	ExpiryAction           string                    `json:"expiryAction,omitempty"`
	ExpiryTime             int64                     `json:"expiryTime,omitempty"`
	GroupID                string                    `json:"groupId,omitempty"`
	IMEILock               *imeiLockJSON             `json:"imeiLock,omitempty"`
	LastLocationUpdateTime int64                     `json:"lastLocationUpdateTime,omitempty"`
	LastModifiedTime       int64                     `json:"lastModifiedTime"`
	ModuleType             string                    `json:"moduleType"`
	OperatorID             string                    `json:"operatorId"`
	PreviousSession        *previousSessionJSON      `json:"previousSession,omitempty"`
	Profiles               map[string]simProfileJSON `json:"profiles"`
	RenewalFeeStatusSetAt  int64                     `json:"renewalFeeStatusSetTime,omitempty"`
	SerialNumber           string                    `json:"serialNumber,omitempty"`
	SessionStatus          *sessionStatusJSON        `json:"sessionStatus,omitempty"`
	SimID                  string                    `json:"simId"`
	SpeedClass             string                    `json:"speedClass"`
	Status                 string                    `json:"status"`
	Tags                   tagSet                    `json:"tags"`
	TerminationEnabled     bool                      `json:"terminationEnabled"`
	Type                   string                    `json:"type"`
}

// arcSessionStatusJSON is the ArcSessionStatus schema, of a virtual SIM
// that connected once (its WireGuard peer settings are left out).
type arcSessionStatusJSON struct {
	LastUpdatedAt int64 `json:"lastUpdatedAt"`
}

type capabilitiesJSON struct {
	Data bool `json:"data"`
	SMS  bool `json:"sms"`
}

type imeiLockJSON struct {
	IMEI string `json:"imei"`
}

type simProfileJSON struct {
	ICCID        string                              `json:"iccid"`
	OTASupported bool                                `json:"otaSupported"`
	PrimaryIMSI  string                              `json:"primaryImsi"`
	Subscribers  map[string]simplifiedSubscriberJSON `json:"subscribers"`
}

// simplifiedSubscriberJSON is the SimplifiedSubscriber schema.
type simplifiedSubscriberJSON struct {
	Bundles      []string         `json:"bundles,omitempty"`
	Capabilities capabilitiesJSON `json:"capabilities"`
	IMSI         string           `json:"imsi"`
	MSISDN       string           `json:"msisdn,omitempty"`
	Status       string           `json:"status,omitempty"`
	Subscription string           `json:"subscription"`
}

// simplifiedStatuses is the enum of SimplifiedSubscriber.status. Its
// description also lists inactive, standby and suspended for primary
// subscriptions, but the enum does not allow them, so a subscription in one
// of those states is rendered without "status".
var simplifiedStatuses = map[string]bool{"shipped": true, "delivered": true, "ready": true, "active": true, "terminated": true}

// subscriptionStatus is the status of profile p's subscription k: the SIM's
// own status for the primary subscription of the active profile.
func (s *sim) subscriptionStatus(p, k int) string {
	if p == s.active && k == 0 {
		return s.status
	}
	return s.profiles[p].subs[k].status
}

func (s *sim) imeiLockView() *imeiLockJSON {
	if !s.imeiLock {
		return nil
	}
	return &imeiLockJSON{IMEI: s.imei}
}

// view renders the SIM as the Sim schema. Callers hold Fake.mu.
func (s *sim) view(operatorID string) simJSON {
	v := simJSON{
		ActiveProfileID:       s.profiles[s.active].iccid,
		Capabilities:          capabilitiesJSON{Data: true, SMS: s.primary().sms},
		CreatedTime:           s.created,
		ExpiryAction:          s.expiryAct,
		ExpiryTime:            s.expiry,
		GroupID:               s.groupID,
		IMEILock:              s.imeiLockView(),
		LastModifiedTime:      s.modified,
		ModuleType:            s.moduleType,
		OperatorID:            operatorID,
		PreviousSession:       s.previousSessionView(),
		Profiles:              make(map[string]simProfileJSON, len(s.profiles)),
		RenewalFeeStatusSetAt: s.renewalSet,
		SerialNumber:          s.serial,
		SessionStatus:         s.sessionStatusView(),
		SimID:                 s.id,
		SpeedClass:            s.speedClass,
		Status:                s.status,
		Tags:                  s.tags,
		TerminationEnabled:    s.terminationEnabled,
		Type:                  s.simType,
	}
	if s.simType == "virtual" && s.lastUpdatedAt > 0 {
		v.ArcSessionStatus = &arcSessionStatusJSON{LastUpdatedAt: s.lastUpdatedAt}
	}
	if s.hasLocationUpdate {
		v.LastLocationUpdateTime = s.lastLocationUpdate
	}
	for p, prof := range s.profiles {
		pv := simProfileJSON{
			ICCID: prof.iccid, OTASupported: prof.otaSupported, PrimaryIMSI: prof.subs[0].imsi,
			Subscribers: make(map[string]simplifiedSubscriberJSON, len(prof.subs)),
		}
		for k, sub := range prof.subs {
			status := s.subscriptionStatus(p, k)
			if !simplifiedStatuses[status] {
				status = ""
			}
			pv.Subscribers[sub.imsi] = simplifiedSubscriberJSON{
				Bundles: sub.bundles, Capabilities: capabilitiesJSON{Data: true, SMS: sub.sms},
				IMSI: sub.imsi, MSISDN: sub.msisdn, Status: status, Subscription: sub.plan.name,
			}
		}
		v.Profiles[prof.iccid] = pv
	}
	return v
}
