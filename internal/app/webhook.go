package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/scheduler"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
	"github.com/soracom-exporter/soracom_exporter/internal/store"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// sessionRefresher applies webhook calls: it finds the targets whose last
// listing had the SIM and has the scheduler run the source's refresh of
// that target, in turn with its polls, so that a refresh and a poll never
// overwrite each other's newer result.
type sessionRefresher struct {
	scheduler *scheduler.Scheduler

	mu      sync.Mutex // guards targets, which a reload replaces
	targets []refreshTarget
}

// set replaces the targets, after a reload.
func (r *sessionRefresher) set(targets []refreshTarget) {
	r.mu.Lock()
	r.targets = targets
	r.mu.Unlock()
}

// refreshTarget is one job of a source that refreshes single SIMs.
type refreshTarget struct {
	source.Target
	key    store.Key
	source source.Refresher
}

// refresh applies a batch of webhook calls: each SIM goes to the targets
// whose last listing had it (a SIM not listed yet goes to the only target,
// if there is just one), and each target renders once.
func (r *sessionRefresher) refresh(ctx context.Context, batch []webhook.Notification) error {
	r.mu.Lock()
	targets := r.targets
	r.mu.Unlock()
	if len(targets) == 0 {
		return errors.New("no enabled source refreshes SIMs: enable the sessions source")
	}
	byTarget := make([][]source.SIMRef, len(targets))
	var errs []error
	for _, n := range batch {
		ref := source.SIMRef{SimID: n.SimID, IMSI: n.IMSI}
		found := false
		for i, t := range targets {
			if t.source.Knows(t.Target, ref) {
				byTarget[i] = append(byTarget[i], ref)
				found = true
			}
		}
		switch {
		case found:
		case len(targets) == 1:
			byTarget[0] = append(byTarget[0], ref)
		default:
			errs = append(errs, errors.New("no target's last listing has the SIM"))
		}
	}
	for i, refs := range byTarget {
		if len(refs) == 0 {
			continue
		}
		t := targets[i]
		err := r.scheduler.Refresh(ctx, t.key, func(ctx context.Context) (*poll.Result, error) {
			return t.source.Refresh(metered(ctx), t.Target, refs...)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("account %s, coverage %s: %w", t.Account, t.Coverage, err))
		}
	}
	return errors.Join(errs...)
}

func newWebhook(w config.Webhook, secret string, r *sessionRefresher, reg prometheus.Registerer, log *slog.Logger) (*webhook.Handler, error) {
	return webhook.New(webhook.Options{
		Secret: secret, SecretHeader: w.SecretHeader, Rate: w.Rate, Burst: w.Burst,
		RefreshTimeout: 30 * time.Second,
		Refresh:        r.refresh,
		Logger:         log.With("component", "webhook"),
		Registerer:     reg,
	})
}
