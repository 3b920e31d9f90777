package source

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// The usage and billing files name SIMs by IMSI only. simDirectory maps
// IMSIs to SIM IDs by listing the SIMs (GET /v1/sims, one call per 100 SIMs),
// at most once per refresh interval per target, so that a cycle's API calls
// do not grow with the fleet except on the (rare) refresh cycles.
type simDirectory struct {
	refresh time.Duration
	mu      sync.Mutex
	index   map[accountCoverage]*simIndex
}

// accountCoverage identifies a target in the usage and billing sources.
type accountCoverage struct{ account, coverage string }

func keyOf(t Target) accountCoverage { return accountCoverage{t.Account, string(t.Coverage)} }

// simRef is one SIM with the IMSI its usage is reported under.
type simRef struct{ simID, imsi string }

// simIndex is one listing of a target's SIMs.
type simIndex struct {
	listed time.Time
	byIMSI map[string]simRef // every IMSI of every profile
	sims   []simRef          // by SIM ID
}

func newSIMDirectory(refresh time.Duration) *simDirectory {
	return &simDirectory{refresh: refresh, index: map[accountCoverage]*simIndex{}}
}

// get returns the target's index, listing the SIMs when it is missing or
// older than the refresh interval. filter, when set, keeps only some SIMs.
// A failed refresh keeps serving the previous index.
func (d *simDirectory) get(ctx context.Context, t Target, now time.Time, filter *Filter) (*simIndex, error) {
	k := keyOf(t)
	d.mu.Lock()
	idx := d.index[k]
	d.mu.Unlock()
	if idx != nil && now.Sub(idx.listed) < d.refresh {
		return idx, nil
	}
	fresh := &simIndex{listed: now, byIMSI: map[string]simRef{}}
	var sum soracom.SimSummary
	err := t.Client.ListSims(ctx, func(s *soracom.Sim) error {
		if filter != nil {
			if s.Summarize(&sum); !filter.Match(&sum) {
				return nil
			}
		}
		imsi, _ := s.Identity()
		ref := simRef{simID: s.SimID, imsi: imsi}
		fresh.sims = append(fresh.sims, ref)
		for sub := range s.Subscribers() {
			fresh.byIMSI[sub.IMSI] = simRef{simID: s.SimID, imsi: sub.IMSI}
		}
		for _, p := range s.Profiles {
			if p.PrimaryIMSI != "" {
				fresh.byIMSI[p.PrimaryIMSI] = simRef{simID: s.SimID, imsi: p.PrimaryIMSI}
			}
		}
		if imsi != "" {
			fresh.byIMSI[imsi] = ref
		}
		return nil
	})
	if err != nil {
		if idx != nil {
			return idx, nil
		}
		return nil, err
	}
	slices.SortFunc(fresh.sims, func(a, b simRef) int { return strings.Compare(a.simID, b.simID) })
	d.mu.Lock()
	d.index[k] = fresh
	d.mu.Unlock()
	return fresh, nil
}
