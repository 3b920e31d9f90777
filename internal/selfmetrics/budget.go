package selfmetrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
)

// BudgetCollector reports the share of each API rate limit that the
// exporter's steady polling uses, from the scheduler's plan.
type BudgetCollector struct {
	use func() []scheduler.APIUse
}

// NewBudgetCollector returns a collector over use (Scheduler.APIUse).
func NewBudgetCollector(use func() []scheduler.APIUse) *BudgetCollector {
	return &BudgetCollector{use: use}
}

var descBudgetUsed = prometheus.NewDesc("soracom_exporter_api_budget_used_ratio",
	"Share of the API path's per-minute rate limit (X-Soracom-Ratelimit-Limit) that the steady polling of this account and coverage uses at the effective intervals, all sources together; api.budget_share caps it.",
	[]string{"account", "coverage", "operation"}, nil)

// Describe implements prometheus.Collector.
func (c *BudgetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descBudgetUsed }

// Collect implements prometheus.Collector.
func (c *BudgetCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.use() {
		ch <- prometheus.MustNewConstMetric(descBudgetUsed, prometheus.GaugeValue, u.Ratio(), u.Account, u.Coverage, u.Operation)
	}
}
