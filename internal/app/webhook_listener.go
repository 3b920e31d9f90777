package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// WebhookListener is where the webhook is served apart from the exporter's
// listener. SORACOM's Event Handler calls from the internet, so the
// webhook is the one part to expose; /metrics (SIM names, IMSIs, costs)
// and the landing page stay on the exporter's listener.
type WebhookListener struct {
	// Address is host:port; empty: the webhook is on the exporter's
	// listener.
	Address string
	// WebConfigFile is the exporter-toolkit web configuration (TLS, basic
	// auth) of this listener.
	WebConfigFile string
}

// ServeWebhook serves the webhook, and nothing else, on its own listener
// until ctx ends: ln if given (tests), else WebhookListen.Address.
func (a *App) ServeWebhook(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	if a.Webhook == nil || (ln == nil && a.WebhookListen.Address == "") {
		return errors.New("the webhook has no listener of its own: set webhook.listen_address")
	}
	if f := a.WebhookListen.WebConfigFile; f != "" {
		if err := web.Validate(f); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle(a.WebhookPath, a.Webhook)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	noSocket := false
	flags := &web.FlagConfig{WebListenAddresses: &[]string{a.WebhookListen.Address}, WebSystemdSocket: &noSocket,
		WebConfigFile: &a.WebhookListen.WebConfigFile}
	log = log.With("component", "webhook")
	return ServeUntil(ctx, srv, func() error {
		if ln != nil {
			return web.Serve(ln, srv, flags, log)
		}
		return web.ListenAndServe(srv, flags, log)
	})
}

// ServeUntil runs serve (which serves srv) until it fails or ctx ends; then
// srv is shut down, giving requests in flight 5 seconds.
func ServeUntil(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return nil
	}
}
