package app

import (
	"context"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
)

// apiBudget is the API budget of one target's jobs, as the scheduler sees
// it. SORACOM limits calls per operator and API path; the Japan and Global
// coverages are separate API hosts, each answering with its own
// X-Soracom-Ratelimit-* headers, so each coverage of an operator is a
// budget of its own. Two accounts that log in to one operator (two SAM
// users) share its budget once their operator ID is known.
type apiBudget struct{ t source.Target }

func (b apiBudget) Name() string {
	if id := b.t.Client.OperatorID(); id != "" {
		return "operator " + id + " " + string(b.t.Coverage)
	}
	return "account " + b.t.Account + " " + string(b.t.Coverage)
}

func (b apiBudget) Limit(op string) (int, bool) { return b.t.Client.RateLimit(op) }

// metered hands the meter of the poll or refresh, if any, to the API
// client, which counts and paces its calls with it.
func metered(ctx context.Context) context.Context {
	if m := scheduler.MeterFrom(ctx); m != nil {
		return soracom.WithPacer(ctx, m)
	}
	return ctx
}
