package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
)

// errNothingToReload answers a reload when no configuration file was given.
var errNothingToReload = errors.New("no --config.file to reload: the configuration comes from the command line; restart soracom_exporter to change it")

// reloader returns the reload of --config.file: read, checked and resolved
// exactly as at start, so that a refused file gets the same messages. The
// command line itself (listen addresses, --web.*, --output.textfile, the
// log level) is not re-read: changing it needs a restart.
func reloader(f *flags, exp *app.App, lookupEnv func(string) (string, bool), logger *slog.Logger) func(trigger string) error {
	if f.configFile != "" {
		logger.Info("configuration file loaded; SIGHUP or POST /-/reload (with --web.enable-lifecycle) reloads it. "+
			"Command-line flags and the webhook section need a restart", "file", f.configFile)
	}
	return func(trigger string) error {
		logger.Info("reloading the configuration", "file", f.configFile, "trigger", trigger)
		return exp.Reload(func() (app.Settings, error) {
			if f.configFile == "" {
				return app.Settings{}, errNothingToReload
			}
			return loadSettings(f, lookupEnv, io.Discard)
		})
	}
}

// reloadOnHUP reloads on each SIGHUP until ctx ends or the returned stop
// is called. SIGHUP no longer ends the process from the moment it returns.
func reloadOnHUP(ctx context.Context, reload func(trigger string) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = reload("SIGHUP") // logged by the exporter
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}
