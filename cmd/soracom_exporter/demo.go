package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// The demo account's AuthKey: the fake accepts it, and the configuration
// names it like any other account's.
const (
	demoAuthKeyID  = "keyId-demo"
	demoAuthKey    = "secret-demo"
	demoAuthKeyEnv = "SORACOM_EXPORTER_DEMO_AUTH_KEY"
)

// demoConfig is the configuration of the demo: the flags, over demo values
// for what the user did not set, and one account on both coverages. It is
// validated like any other, so a bad flag gets the same message with or
// without --demo.
func demoConfig(f *flags) (*config.Config, error) {
	if f.configFile != "" {
		return nil, fmt.Errorf("--demo runs on its own fake API: drop --config.file")
	}
	if f.demoSIMs < 1 || f.demoSIMs > 200_000 {
		return nil, fmt.Errorf("--demo.sims=%d: use 1 to 200000", f.demoSIMs)
	}
	// A demo should move while someone watches, and show every source.
	demo := []struct {
		path string
		set  func(*config.Config)
	}{
		{"sources.sessions.interval", func(c *config.Config) { c.Sources.Sessions.Interval = config.Duration(15 * time.Second) }},
		{"sources.air.enabled", func(c *config.Config) { c.Sources.Air.Enabled = true }},
		{"sources.air.interval", func(c *config.Config) { c.Sources.Air.Interval = config.Duration(time.Minute) }},
		{"sources.billing.enabled", func(c *config.Config) { c.Sources.Billing.Enabled = true }},
		{"sources.billing.interval", func(c *config.Config) { c.Sources.Billing.Interval = config.Duration(5 * time.Minute) }},
	}
	for _, d := range demo {
		if !f.userSet(d.path) {
			d.set(f.cfg)
		}
	}
	return completeFlagConfig(f, config.Account{
		Name:        "demo",
		Coverages:   []soracom.Coverage{soracom.CoverageJapan, soracom.CoverageGlobal},
		Credentials: config.CredentialSource{AuthKeyID: demoAuthKeyID, AuthKeyEnv: demoAuthKeyEnv},
	})
}

// demoSettings validates the demo's configuration, then starts the fake
// SORACOM API in-process with a moving fleet on both coverages and points
// the exporter at it: no account, no credentials.
func demoSettings(ctx context.Context, f *flags, lookupEnv func(string) (string, bool), log *slog.Logger) (app.Settings, func(), error) {
	cfg, err := demoConfig(f)
	if err != nil {
		return app.Settings{}, nil, usageError{err}
	}
	demoEnv := func(k string) (string, bool) {
		if k == demoAuthKeyEnv {
			return demoAuthKey, true
		}
		return lookupEnv(k)
	}
	s, _, err := resolve(cfg, demoEnv)
	if err != nil {
		return app.Settings{}, nil, usageError{err}
	}

	ctx, cancel := context.WithCancel(ctx)
	fake := soracomfake.New(soracomfake.Options{Seed: 1, SIMs: f.demoSIMs, Start: time.Now(), AuthKeyID: demoAuthKeyID, AuthKey: demoAuthKey})
	endpoints, err := fake.Serve(ctx, "127.0.0.1")
	if err != nil {
		cancel()
		return app.Settings{}, nil, err
	}
	go fake.RunDemoClock(ctx, time.Second, 1)
	for i := range s.Targets {
		s.Targets[i].Endpoint = endpoints[string(s.Targets[i].Coverage)]
	}
	log.Info("demo mode: fake SORACOM API started", "sims", f.demoSIMs, "jp", endpoints["jp"], "g", endpoints["g"])
	return s, cancel, nil
}

// printDemoURLs says where to look, once the server starts.
func printDemoURLs(stdout io.Writer, f *flags) {
	for _, addr := range *f.web.WebListenAddresses {
		fmt.Fprintf(stdout, "soracom_exporter demo: %d fake SIMs on Japan and Global coverage.\nOpen %s for the status page, %s for the metrics.\n",
			f.demoSIMs, browseURL(addr, "/"), browseURL(addr, f.telemetryPath))
	}
}

// browseURL turns a listen address such as ":9881" into a URL to open.
func browseURL(listen, path string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen + path
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + path
}
