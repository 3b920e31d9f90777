// Package poll holds what one poll of a source hands on: its metrics,
// already rendered, and what the exporter says about the poll. Sources
// produce a Result; the scheduler stores it. Neither needs to know the other.
package poll

import (
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
)

// Result is the outcome of one successful poll (or webhook refresh) of one
// source for one account and coverage. It is immutable once returned.
type Result struct {
	// Families are the rendered metrics, by family.
	Families map[*exposition.Family]*exposition.Fragment
	// Objects, when set, are the metrics rendered per object (per SIM), in
	// chunks: a poll or refresh re-renders only the chunks that changed and
	// hands on a view of all of them. A family may have samples in both;
	// the Families ones come first.
	Objects *exposition.ObjectView
	// Items is what the poll counted (SIMs for the sessions source), for the
	// landing page, self-metrics and logs.
	Items int
	// OperatorID is the SORACOM operator the data belongs to, when known.
	OperatorID string
	// ListedAt is when the data was read from the API. The output withdraws
	// data by this age, so a refresh that merges into an earlier listing
	// keeps that listing's time rather than making it look newer.
	ListedAt time.Time
}
