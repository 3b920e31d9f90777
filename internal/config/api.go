package config

import "math"

// API is how the exporter spends the SORACOM API. SORACOM limits each
// operator's calls per API path per minute, and the console, soracom-cli
// and every other tool of the operator draw on the same limits.
type API struct {
	// BudgetShare caps the share of each API path's per-minute limit
	// (X-Soracom-Ratelimit-Limit) that the steady polling of one operator
	// on one coverage may use, all sources together. When a source's
	// interval would need more, the exporter polls it less often.
	BudgetShare float64 `yaml:"budget_share" help:"Share (0 to 1] of each API path's per-minute rate limit that steady polling may use, all sources of one account and coverage together; a source that would need more polls less often than configured."`
}

// DefaultBudgetShare leaves half of every limit to the operator's other
// tools.
const DefaultBudgetShare = 0.5

func (a *API) setDefaults() { a.BudgetShare = DefaultBudgetShare }

func (a API) validate(ps *problems) {
	if math.IsNaN(a.BudgetShare) || a.BudgetShare <= 0 || a.BudgetShare > 1 {
		ps.add("api.budget_share", "%v is out of range: use a share above 0 and at most 1, such as 0.5 (half of each limit)", a.BudgetShare)
	}
}
