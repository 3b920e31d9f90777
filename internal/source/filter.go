// Package source holds the exporter's sources: each polls one part of the
// SORACOM API for one target and renders what it learned into a snapshot.
package source

import (
	"slices"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Filter selects the SIMs to export. A SIM is kept when it matches every
// non-empty criterion.
type Filter struct {
	Statuses []string
	GroupIDs []string
	// Tags maps a tag name to the exact value it must have.
	Tags   map[string]string
	SIMIDs []string
}

// Match reports whether the SIM passes the filter.
func (f *Filter) Match(sim *soracom.SimSummary) bool {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, sim.Status) {
		return false
	}
	if len(f.GroupIDs) > 0 && !slices.Contains(f.GroupIDs, sim.GroupID) {
		return false
	}
	if len(f.SIMIDs) > 0 && !slices.Contains(f.SIMIDs, sim.SimID) {
		return false
	}
	for k, v := range f.Tags {
		if got, ok := sim.Tag(k); !ok || got != v {
			return false
		}
	}
	return true
}
