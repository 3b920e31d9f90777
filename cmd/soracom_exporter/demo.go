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
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
)

// demoSettings starts the fake SORACOM API in-process with a moving fleet on
// both coverages, and points the exporter at it: no account, no credentials.
func demoSettings(ctx context.Context, f *flags, stdout io.Writer, log *slog.Logger) (app.Settings, func(), error) {
	if f.configFile != "" {
		return app.Settings{}, nil, usageError{fmt.Errorf("--demo runs on its own fake API: drop --config.file")}
	}
	if f.demoSIMs < 1 || f.demoSIMs > 200_000 {
		return app.Settings{}, nil, usageError{fmt.Errorf("--demo.sims=%d: use 1 to 200000", f.demoSIMs)}
	}
	ctx, cancel := context.WithCancel(ctx)
	fake := soracomfake.New(soracomfake.Options{Seed: 1, SIMs: f.demoSIMs, Start: time.Now()})
	endpoints, err := fake.Serve(ctx, "127.0.0.1")
	if err != nil {
		cancel()
		return app.Settings{}, nil, err
	}
	go fake.RunDemoClock(ctx, time.Second, 1)

	interval := f.sessionsInterval
	if !*f.set["source.sessions.interval"] {
		interval = 15 * time.Second // a demo should move while someone watches
	}
	cr := fake.Credentials()
	s := app.Settings{
		Sessions: app.SourceSettings{Enabled: true, Interval: interval, Timeout: f.sessionsTimeout, MaxAge: f.sessionsMaxAge},
		SIMs:     source.SessionsOptions{TagLabels: f.tagLabels, SeedMetric: f.seedMetric, Filter: source.Filter{Statuses: f.filterStatus}},
	}
	f.intel.applyToDemo(&s)
	f.traffic.applyTrafficToDemo(&s)
	for _, c := range soracom.Coverages {
		s.Targets = append(s.Targets, app.Target{Account: "demo", Coverage: c, Endpoint: endpoints[string(c)],
			Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	}
	log.Info("demo mode: fake SORACOM API started", "sims", f.demoSIMs, "jp", endpoints["jp"], "g", endpoints["g"])
	if !f.webDisable {
		for _, addr := range *f.web.WebListenAddresses {
			fmt.Fprintf(stdout, "soracom_exporter demo: %d fake SIMs on Japan and Global coverage.\nOpen %s for the status page, %s for the metrics.\n",
				f.demoSIMs, browseURL(addr, "/"), browseURL(addr, f.telemetryPath))
		}
	}
	return s, cancel, nil
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
