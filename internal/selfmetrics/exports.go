package selfmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Exports records the asynchronous exports of the air and billing sources
// (it is a source.ExportObserver).
type Exports struct {
	pending  *prometheus.GaugeVec
	duration *prometheus.HistogramVec
}

// NewExports registers the export metrics on reg.
func NewExports(reg prometheus.Registerer) *Exports {
	labels := []string{"source", "account", "coverage"}
	e := &Exports{
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "soracom_exporter_exports_pending",
			Help: "Asynchronous exports asked for and not delivered yet (0 or 1 per source and target); a pending export is resumed by the next poll, not asked for again.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "soracom_exporter_export_duration_seconds",
			Help: "Time from asking SORACOM for an export to its file being ready, across polls, by result: exported, failed, or abandoned (pending longer than an hour, or of a month that ended).",
			// Exports take seconds on small accounts and may take many
			// minutes on large ones.
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600},
		}, append(labels, "result")),
	}
	reg.MustRegister(e.pending, e.duration)
	return e
}

// ExportPending sets whether the target has a pending export.
func (e *Exports) ExportPending(source, account, coverage string, pending bool) {
	v := 0.0
	if pending {
		v = 1
	}
	e.pending.WithLabelValues(source, account, coverage).Set(v)
}

// ExportFinished records how an export ended and how long it took.
func (e *Exports) ExportFinished(source, account, coverage, result string, took time.Duration) {
	e.duration.WithLabelValues(source, account, coverage, result).Observe(took.Seconds())
}

// Forget deletes the export series that match labels (a source that was
// stopped or built again, or a target no longer configured), so that a
// pending export a new configuration will never finish is not reported
// forever.
func (e *Exports) Forget(labels prometheus.Labels) {
	e.pending.DeletePartialMatch(labels)
	e.duration.DeletePartialMatch(labels)
}
