package selfmetrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Forget deletes the API metrics of a target that is no longer configured,
// so that its series end rather than stay frozen at their last values.
func (a *API) Forget(account string, coverage soracom.Coverage) {
	labels := prometheus.Labels{"account": account, "coverage": string(coverage)}
	a.requests.DeletePartialMatch(labels)
	a.duration.DeletePartialMatch(labels)
	a.retries.DeletePartialMatch(labels)
	a.remaining.DeletePartialMatch(labels)
	a.limit.DeletePartialMatch(labels)
	a.auth.DeletePartialMatch(labels)
	a.decode.DeletePartialMatch(labels)
}
