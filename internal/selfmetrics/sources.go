package selfmetrics

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// SourceCollector reports the state of every source and target from the
// scheduler, at scrape time (a handful of series, no API call).
type SourceCollector struct {
	statuses func() []scheduler.Status
	store    *store.Store
	now      func() time.Time
}

// NewSourceCollector returns a collector over the scheduler's statuses;
// now (nil: time.Now) tells which data is stale, as the exposition's clock
// does.
func NewSourceCollector(statuses func() []scheduler.Status, st *store.Store, now func() time.Time) *SourceCollector {
	if now == nil {
		now = time.Now
	}
	return &SourceCollector{statuses: statuses, store: st, now: now}
}

var (
	targetLabels = []string{"account", "operator_id", "coverage"}
	sourceLabels = []string{"source", "account", "operator_id", "coverage"}

	descUp = prometheus.NewDesc("soracom_up",
		"Whether the last poll of every source of this account and coverage succeeded (1) or not (0).", targetLabels, nil)
	descSuccess = prometheus.NewDesc("soracom_exporter_source_success",
		"Whether the last poll of the source succeeded (1) or failed (0).", sourceLabels, nil)
	descLastSuccess = prometheus.NewDesc("soracom_exporter_source_last_success_timestamp_seconds",
		"When the source last polled successfully; 0 if it never did.", sourceLabels, nil)
	descDuration = prometheus.NewDesc("soracom_exporter_source_duration_seconds",
		"How long the source's last poll took.", sourceLabels, nil)
	descStale = prometheus.NewDesc("soracom_exporter_source_stale",
		"1 when the source's metrics are withdrawn from the output because its last success is older than its max age (or it never succeeded).", sourceLabels, nil)
	descMaxAge = prometheus.NewDesc("soracom_exporter_source_max_age_seconds",
		"How old the source's data may grow before it is withdrawn.", sourceLabels, nil)
	descPolls = prometheus.NewDesc("soracom_exporter_source_polls_total",
		"Polls of the source.", sourceLabels, nil)
	descFailures = prometheus.NewDesc("soracom_exporter_source_failures_total",
		"Failed polls of the source.", sourceLabels, nil)
	descInterval = prometheus.NewDesc("soracom_exporter_source_interval_seconds",
		"Time between two polls of the source: kind=\"configured\", or kind=\"effective\", longer when the configured interval would use more than api.budget_share of an API rate limit.",
		append(slices.Clone(sourceLabels), "kind"), nil)
	descItems = prometheus.NewDesc("soracom_exporter_source_items",
		"Items (SIMs for the sessions source) in the source's last successful poll.", sourceLabels, nil)
)

// Describe implements prometheus.Collector.
func (c *SourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descSuccess, descLastSuccess, descDuration, descStale, descMaxAge, descInterval, descPolls, descFailures, descItems} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *SourceCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	type target struct{ account, coverage string }
	up := map[target]bool{}
	opID := map[target]string{}
	var order []target
	for _, st := range c.statuses() {
		t := target{st.Key.Account, st.Key.Coverage}
		if _, ok := up[t]; !ok {
			up[t] = true
			order = append(order, t)
		}
		up[t] = up[t] && st.Succeeded
		if st.OperatorID != "" {
			opID[t] = st.OperatorID
		}
	}
	for _, st := range c.statuses() {
		t := target{st.Key.Account, st.Key.Coverage}
		lv := []string{st.Key.Source, st.Key.Account, opID[t], st.Key.Coverage}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
		}
		gauge(descSuccess, b2f(st.Succeeded))
		last := 0.0
		if !st.LastSuccess.IsZero() {
			last = float64(st.LastSuccess.UnixMilli()) / 1000
		}
		gauge(descLastSuccess, last)
		gauge(descDuration, st.LastDuration.Seconds())
		gauge(descStale, b2f(c.store.Stale(st.Key, now)))
		gauge(descMaxAge, st.MaxAge.Seconds())
		ch <- prometheus.MustNewConstMetric(descInterval, prometheus.GaugeValue, st.Interval.Seconds(), append(lv, "configured")...)
		ch <- prometheus.MustNewConstMetric(descInterval, prometheus.GaugeValue, st.EffectiveInterval.Seconds(), append(lv, "effective")...)
		gauge(descItems, float64(st.Items))
		ch <- prometheus.MustNewConstMetric(descPolls, prometheus.CounterValue, float64(st.Polls), lv...)
		ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, float64(st.Failures), lv...)
	}
	for _, t := range order {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, b2f(up[t]), t.account, opID[t], t.coverage)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
