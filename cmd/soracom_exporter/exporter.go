package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/output"
)

// defaultListenAddress is the exporter's port.
const defaultListenAddress = ":9881"

// flags are the command line of the exporter.
type flags struct {
	configFile  string
	configCheck bool

	coverages   []string
	endpoints   []string
	profile     string
	authKeyID   string
	authKeyFile string
	sandbox     bool

	// cfg holds the settings of the configuration file given as flags:
	// one flag per key, generated from the configuration's sections.
	cfg *config.Config

	textfile      string
	once          bool
	webDisable    bool
	telemetryPath string
	maxRequests   int
	lifecycle     bool
	web           *web.FlagConfig

	demo     bool
	demoSIMs int

	log promslog.Config

	// described records, for each flag that says what the configuration
	// file says, whether the user gave it: such flags cannot be mixed with
	// a configuration file. byPath is the same, by configuration key.
	described map[string]*bool
	byPath    map[string]*bool
}

// userSet reports whether the user gave the flag of configuration key path.
func (f *flags) userSet(path string) bool {
	set, ok := f.byPath[path]
	return ok && *set
}

func newFlagParser(f *flags) *kingpin.Application {
	a := kingpin.New("soracom_exporter", "Prometheus exporter for SORACOM IoT SIMs: session status, inventory, traffic and cost.\n\n"+
		"Polls the SORACOM API in the background and serves the results over HTTP and/or as a node_exporter textfile.\n"+
		"Run `soracom_exporter --demo` to try it on a built-in fake fleet, and `soracom_fake --help` for the fake API alone.")
	a.Version(version.Print("soracom_exporter"))
	a.HelpFlag.Short('h')
	f.described, f.byPath = map[string]*bool{}, map[string]*bool{}
	describes := func(c *kingpin.FlagClause, name string) *kingpin.FlagClause {
		set := new(bool)
		f.described[name] = set
		return c.IsSetByUser(set)
	}

	a.Flag("config.file", "YAML configuration file, for several accounts, filters and per-source settings (see examples/).").StringVar(&f.configFile)
	a.Flag("config.check", "Validate the configuration (and that every credential can be read), print it with secrets hidden, and exit.").BoolVar(&f.configCheck)

	describes(a.Flag("soracom.coverage", "Coverage to export: jp (Japan) or g (Global). Repeat for both.").Default("jp"), "soracom.coverage").StringsVar(&f.coverages)
	describes(a.Flag("soracom.endpoint", "API base URL without /v1, for all coverages (URL) or one (jp=URL). Default: $SORACOM_ENDPOINT, else the coverage's production host."), "soracom.endpoint").StringsVar(&f.endpoints)
	describes(a.Flag("soracom.profile", "soracom-cli profile to read credentials from ($SORACOM_PROFILE_DIR or ~/.soracom/NAME.json)."), "soracom.profile").StringVar(&f.profile)
	describes(a.Flag("soracom.auth-key-id", "AuthKey ID (keyId-...). The secret comes from $SORACOM_AUTH_KEY or --soracom.auth-key-file, never from the command line.").Envar("SORACOM_AUTH_KEY_ID"), "soracom.auth-key-id").StringVar(&f.authKeyID)
	describes(a.Flag("soracom.auth-key-file", "File holding the AuthKey secret (for example a systemd credential)."), "soracom.auth-key-file").StringVar(&f.authKeyFile)
	describes(a.Flag("soracom.sandbox", "Use the SORACOM API sandbox hosts."), "soracom.sandbox").BoolVar(&f.sandbox)

	// Every other setting of the file is a flag of its own, generated from
	// the configuration's sections with the section's defaults.
	f.cfg = config.Template()
	for _, s := range f.cfg.Settings() {
		c := a.Flag(s.Flag, s.Help)
		if d := s.Value.Default(); d != "" {
			c.Default(d)
		}
		describes(c, s.Flag).SetValue(s.Value)
		f.byPath[s.Path] = f.described[s.Flag]
	}

	a.Flag("output.textfile", "Also write the soracom_* metrics to this file (ending in .prom) in node_exporter's textfile directory, atomically after each poll.").StringVar(&f.textfile)
	a.Flag("once", "Poll every source once, write --output.textfile, and exit; non-zero if any source failed (the previous file is then left untouched).").BoolVar(&f.once)
	a.Flag("web.disable", "Do not serve HTTP (textfile only).").BoolVar(&f.webDisable)
	a.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.telemetryPath)
	a.Flag("web.max-requests", "Maximum number of parallel scrape requests. Use 0 to disable.").Default("40").IntVar(&f.maxRequests)
	a.Flag("web.enable-lifecycle", "Enable configuration reload via HTTP request (POST /-/reload). SIGHUP reloads in any case.").BoolVar(&f.lifecycle)
	f.web = kingpinflag.AddFlags(a, defaultListenAddress)

	a.Flag("demo", "Run on a built-in fake SORACOM API with a moving fleet (no account needed).").BoolVar(&f.demo)
	a.Flag("demo.sims", "Number of SIMs of the demo fleet, across both coverages.").Default("300").IntVar(&f.demoSIMs)
	promslogflag.AddFlags(a, &f.log)
	return a
}

func runExporter(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	var f flags
	a := newFlagParser(&f)
	a.UsageWriter(stdout)
	a.ErrorWriter(stderr)
	if err := parseArgs(a, args); errors.Is(err, errHelpShown) {
		return nil
	} else if err != nil {
		return usageError{fmt.Errorf("%w (see --help)", err)}
	}
	if f.log.Level == nil {
		f.log = promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	}
	f.log.Writer = stderr
	logger := promslog.New(&f.log)

	if f.once && f.textfile == "" {
		return usageError{errors.New("--once writes the textfile: give --output.textfile=PATH too")}
	}
	if f.textfile != "" {
		if err := output.CheckTextfilePath(f.textfile); err != nil {
			return usageError{err}
		}
	}
	if f.webDisable && f.textfile == "" {
		return usageError{errors.New("--web.disable without --output.textfile would export nothing")}
	}
	if f.maxRequests < 0 {
		return usageError{fmt.Errorf("--web.max-requests=%d: use a positive number, or 0 for no limit", f.maxRequests)}
	}

	var (
		settings app.Settings
		err      error
	)
	if f.demo {
		var stopDemo func()
		settings, stopDemo, err = demoSettings(ctx, &f, lookupEnv, logger)
		if err != nil {
			return err
		}
		defer stopDemo()
	} else if settings, err = loadSettings(&f, lookupEnv, stdout); err != nil || f.configCheck {
		return err
	}

	exp, err := app.New(settings, logger)
	if err != nil {
		return usageError{err}
	}
	logger.Info("starting soracom_exporter", "version", version.Info(), "build_context", version.BuildContext(), "targets", len(settings.Targets))

	var textfile *output.Textfile
	if f.textfile != "" {
		if textfile, err = output.NewTextfile(f.textfile, exp.Exposition, logger); err != nil {
			return usageError{err}
		}
	}
	if f.once {
		if err := exp.Scheduler.RunOnce(ctx); err != nil {
			return fmt.Errorf("poll failed, %s left as it was: %w", f.textfile, err)
		}
		return textfile.Write()
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reload := reloader(&f, exp, lookupEnv, logger)
	stopHUP := reloadOnHUP(ctx, reload)
	defer stopHUP()
	go exp.Run(ctx)
	if textfile != nil {
		go textfile.Run(ctx, 15*time.Second)
	}
	if f.webDisable {
		if exp.Webhook != nil && exp.WebhookListen.Address != "" {
			return exp.ServeWebhook(ctx, nil, logger)
		}
		<-ctx.Done()
		return nil
	}
	return serveHTTP(ctx, &f, exp, reload, stdout, logger)
}

func serveHTTP(ctx context.Context, f *flags, exp *app.App, reload func(trigger string) error, stdout io.Writer, logger *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle(f.telemetryPath, exp.MetricsHandler(f.maxRequests))
	mux.Handle("/-/reload", output.ReloadHandler(f.lifecycle, func() error { return reload("HTTP") }))
	// The first listener to stop (failing, or at the end) ends serving.
	errc := make(chan error, 2)
	var landingOpts []output.LandingOption
	if exp.Webhook != nil {
		landingOpts = append(landingOpts, output.WithWebhook(exp.Webhook.LastValidCall))
		if exp.WebhookListen.Address == "" {
			mux.Handle(exp.WebhookPath, exp.Webhook)
		} else {
			go func() { errc <- exp.ServeWebhook(ctx, nil, logger) }()
		}
	}
	if f.telemetryPath != "/" {
		landing, err := output.LandingPage(web.LandingConfig{
			Name:        "soracom_exporter",
			Description: "Prometheus exporter for SORACOM IoT SIMs",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: f.telemetryPath, Text: "Metrics"}},
		}, exp.Scheduler.Statuses, exp.Store.Get, landingOpts...)
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if f.demo {
		printDemoURLs(stdout, f)
	}
	go func() {
		errc <- app.ServeUntil(ctx, srv, func() error { return web.ListenAndServe(srv, f.web, logger) })
	}()
	return <-errc
}
