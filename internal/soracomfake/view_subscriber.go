package soracomfake

// subscriberJSON is the Subscriber schema (listSubscribers, getSubscriber):
// one IMSI of a SIM, rendered from the same truth as the Sim view.
type subscriberJSON struct {
	APN                   string                    `json:"apn"`
	Bundles               []string                  `json:"bundles,omitempty"`
	CreatedAt             int64                     `json:"createdAt"`
	CreatedTime           int64                     `json:"createdTime"`
	ExpiredAt             int64                     `json:"expiredAt,omitempty"`
	ExpiryAction          string                    `json:"expiryAction,omitempty"`
	ExpiryTime            int64                     `json:"expiryTime,omitempty"`
	GroupID               string                    `json:"groupId,omitempty"`
	ICCID                 string                    `json:"iccid"`
	IMEILock              *imeiLockJSON             `json:"imeiLock,omitempty"`
	IMSI                  string                    `json:"imsi"`
	LastModifiedAt        int64                     `json:"lastModifiedAt"`
	LastModifiedTime      int64                     `json:"lastModifiedTime"`
	LocationRegistration  *locationRegistrationJSON `json:"locationRegistrationStatus,omitempty"`
	ModuleType            string                    `json:"moduleType,omitempty"`
	MSISDN                string                    `json:"msisdn,omitempty"`
	OperatorID            string                    `json:"operatorId"`
	Plan                  int                       `json:"plan"`
	PreviousSession       *previousSessionJSON      `json:"previousSession,omitempty"`
	RenewalFeeStatusSetAt int64                     `json:"renewalFeeStatusSetTime,omitempty"`
	SerialNumber          string                    `json:"serialNumber,omitempty"`
	SessionStatus         *sessionStatusJSON        `json:"sessionStatus,omitempty"`
	SimID                 string                    `json:"simId"`
	SpeedClass            string                    `json:"speedClass"`
	Status                string                    `json:"status"`
	Subscription          string                    `json:"subscription"`
	Tags                  tagSet                    `json:"tags"`
	TerminationEnabled    bool                      `json:"terminationEnabled"`
	Type                  string                    `json:"type"`
}

// subscriberView renders one subscription of a SIM. The session belongs to
// the primary subscription of the active profile, whose status is the SIM's;
// other subscriptions have their own status and no session. Subscriber.type
// is documented as "the speed class of the SIM" and carries it. Callers hold
// Fake.mu.
func (s *sim) subscriberView(operatorID string, p, k int) subscriberJSON {
	sub := &s.profiles[p].subs[k]
	plan := 0
	if sub.sms {
		plan = 1
	}
	v := subscriberJSON{
		APN: "soracom.io", Bundles: sub.bundles,
		CreatedAt: sub.created, CreatedTime: sub.created,
		ExpiredAt: s.expiry, ExpiryAction: s.expiryAct, ExpiryTime: s.expiry,
		GroupID: s.groupID, ICCID: s.profiles[p].iccid, IMEILock: s.imeiLockView(), IMSI: sub.imsi,
		LastModifiedAt: s.modified, LastModifiedTime: s.modified,
		MSISDN: sub.msisdn, OperatorID: operatorID, Plan: plan,
		SerialNumber: s.serial, SimID: s.id, SpeedClass: s.speedClass,
		Status: s.subscriptionStatus(p, k), Subscription: sub.plan.name,
		Tags: s.tags, TerminationEnabled: s.terminationEnabled, Type: s.speedClass,
	}
	if p == s.active && k == 0 {
		v.ModuleType = s.moduleType // the definition: moduleType is null for secondary subscriptions
		v.RenewalFeeStatusSetAt = s.renewalSet
		v.SessionStatus = s.sessionStatusView()
		v.PreviousSession = s.previousSessionView()
		v.LocationRegistration = s.locationRegistrationView()
	}
	return v
}
