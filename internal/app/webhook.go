package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// WebhookSettings configure the Event Handler webhook (off unless Enabled).
type WebhookSettings struct {
	Enabled bool
	// Path the endpoint is served under, on the exporter's listener.
	Path         string
	Secret       string
	SecretHeader string
	// Rate (calls per second) and Burst bound the refreshes a flood of
	// calls can cause.
	Rate  float64
	Burst int
}

// sessionRefresher applies a webhook call: it finds the target whose last
// listing had the SIM, refreshes that SIM through the sessions source and
// stores the re-rendered snapshot at once.
type sessionRefresher struct {
	sessions *source.Sessions
	targets  []scheduler.Target
	store    *store.Store
}

// refresh applies a batch of webhook calls: each SIM goes to the targets
// whose last listing had it (a SIM not listed yet goes to the only target,
// if there is just one), and each target renders once.
func (r *sessionRefresher) refresh(ctx context.Context, batch []webhook.Notification) error {
	byTarget := make([][]source.SIMRef, len(r.targets))
	var errs []error
	for _, n := range batch {
		ref := source.SIMRef{SimID: n.SimID, IMSI: n.IMSI}
		found := false
		for i, t := range r.targets {
			if r.sessions.Knows(t, ref) {
				byTarget[i] = append(byTarget[i], ref)
				found = true
			}
		}
		switch {
		case found:
		case len(r.targets) == 1:
			byTarget[0] = append(byTarget[0], ref)
		default:
			errs = append(errs, errors.New("no target's last listing has the SIM"))
		}
	}
	for i, refs := range byTarget {
		if len(refs) == 0 {
			continue
		}
		t := r.targets[i]
		key := store.Key{Account: t.Account, Coverage: string(t.Coverage), Source: source.SessionsName}
		prev := r.store.Get(key)
		if prev == nil {
			errs = append(errs, fmt.Errorf("account %s, coverage %s: not polled yet", t.Account, t.Coverage))
			continue
		}
		snap, err := r.sessions.Refresh(ctx, t, refs...)
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s, coverage %s: %w", t.Account, t.Coverage, err))
		}
		if snap == nil {
			continue
		}
		// The data is as old as the listing it was merged into: keep the
		// poll's time, so a refresh never hides a failing poll.
		snap.Key, snap.Produced = key, prev.Produced
		r.store.Put(snap)
	}
	return errors.Join(errs...)
}

func newWebhook(s WebhookSettings, r *sessionRefresher, reg prometheus.Registerer, log *slog.Logger) (*webhook.Handler, error) {
	return webhook.New(webhook.Options{
		Secret: s.Secret, SecretHeader: s.SecretHeader, Rate: s.Rate, Burst: s.Burst,
		RefreshTimeout: 30 * time.Second,
		Refresh:        r.refresh,
		Logger:         log.With("component", "webhook"),
		Registerer:     reg,
	})
}
