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

	sessionsInterval time.Duration
	sessionsTimeout  time.Duration
	sessionsMaxAge   time.Duration

	filterStatus []string
	tagLabels    []string
	seedMetric   bool
	intel        intelligenceFlags
	traffic      trafficFlags

	textfile      string
	once          bool
	webDisable    bool
	telemetryPath string
	web           *web.FlagConfig

	demo     bool
	demoSIMs int

	log promslog.Config

	// set records which flags the user gave, to refuse mixing account flags
	// with a configuration file.
	set map[string]*bool
}

func newFlagParser(f *flags) *kingpin.Application {
	a := kingpin.New("soracom_exporter", "Prometheus exporter for SORACOM IoT SIMs: session status, inventory, traffic and cost.\n\n"+
		"Polls the SORACOM API in the background and serves the results over HTTP and/or as a node_exporter textfile.\n"+
		"Run `soracom_exporter --demo` to try it on a built-in fake fleet, and `soracom_exporter fake-api --help` for the fake API alone.")
	a.Version(version.Print("soracom_exporter"))
	a.HelpFlag.Short('h')
	f.set = map[string]*bool{}
	track := func(c *kingpin.FlagClause, name string) *kingpin.FlagClause {
		b := new(bool)
		f.set[name] = b
		return c.IsSetByUser(b)
	}

	a.Flag("config.file", "YAML configuration file, for several accounts, filters and per-source settings (see examples/).").StringVar(&f.configFile)
	a.Flag("config.check", "Validate the configuration (and that every credential can be read), print it with secrets hidden, and exit.").BoolVar(&f.configCheck)

	track(a.Flag("soracom.coverage", "Coverage to export: jp (Japan) or g (Global). Repeat for both.").Default("jp"), "soracom.coverage").StringsVar(&f.coverages)
	track(a.Flag("soracom.endpoint", "API base URL without /v1, for all coverages (URL) or one (jp=URL). Default: $SORACOM_ENDPOINT, else the coverage's production host."), "soracom.endpoint").StringsVar(&f.endpoints)
	track(a.Flag("soracom.profile", "soracom-cli profile to read credentials from ($SORACOM_PROFILE_DIR or ~/.soracom/NAME.json)."), "soracom.profile").StringVar(&f.profile)
	track(a.Flag("soracom.auth-key-id", "AuthKey ID (keyId-...). The secret comes from $SORACOM_AUTH_KEY or --soracom.auth-key-file, never from the command line.").Envar("SORACOM_AUTH_KEY_ID"), "soracom.auth-key-id").StringVar(&f.authKeyID)
	track(a.Flag("soracom.auth-key-file", "File holding the AuthKey secret (for example a systemd credential)."), "soracom.auth-key-file").StringVar(&f.authKeyFile)
	track(a.Flag("soracom.sandbox", "Use the SORACOM API sandbox hosts."), "soracom.sandbox").BoolVar(&f.sandbox)

	track(a.Flag("source.sessions.interval", "How often to list every SIM for session status and inventory.").Default("60s"), "source.sessions.interval").DurationVar(&f.sessionsInterval)
	track(a.Flag("source.sessions.timeout", "Time limit of one listing (default: the interval, at most 60s)."), "source.sessions.timeout").DurationVar(&f.sessionsTimeout)
	track(a.Flag("source.sessions.max-age", "Age after which session data is withdrawn from the output (default: 3 × interval)."), "source.sessions.max-age").DurationVar(&f.sessionsMaxAge)
	track(a.Flag("sims.filter.status", "Export only SIMs with this status (ready, active, inactive, standby, suspended, terminated). Repeatable."), "sims.filter.status").StringsVar(&f.filterStatus)
	track(a.Flag("sims.tag-label", "SIM tag to copy onto soracom_sim_info as label tag_<name>. Repeatable."), "sims.tag-label").StringsVar(&f.tagLabels)
	addIntelligenceFlags(a, &f.intel, track)
	addTrafficFlags(a, &f.traffic, track)
	a.Flag("compat.seed-metric", "Also emit soracom_session_status{imsi,name} (1 online, 0 offline) as the original script did, while alerts migrate.").BoolVar(&f.seedMetric)

	a.Flag("output.textfile", "Also write the soracom_* metrics to this file (ending in .prom) in node_exporter's textfile directory, atomically after each poll.").StringVar(&f.textfile)
	a.Flag("once", "Poll every source once, write --output.textfile, and exit; non-zero if any source failed (the previous file is then left untouched).").BoolVar(&f.once)
	a.Flag("web.disable", "Do not serve HTTP (textfile only).").BoolVar(&f.webDisable)
	a.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.telemetryPath)
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

	var (
		settings app.Settings
		err      error
	)
	if f.demo {
		var stopDemo func()
		settings, stopDemo, err = demoSettings(ctx, &f, stdout, logger)
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
	go exp.Run(ctx)
	if textfile != nil {
		go textfile.Run(ctx, 15*time.Second)
	}
	if f.webDisable {
		<-ctx.Done()
		return nil
	}
	return serveHTTP(ctx, &f, exp, logger)
}

func serveHTTP(ctx context.Context, f *flags, exp *app.App, logger *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle(f.telemetryPath, exp.Exposition.MetricsHandler())
	if exp.Webhook != nil {
		mux.Handle(exp.WebhookPath, exp.Webhook)
	}
	if f.telemetryPath != "/" {
		landing, err := output.LandingPage(web.LandingConfig{
			Name:        "soracom_exporter",
			Description: "Prometheus exporter for SORACOM IoT SIMs",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: f.telemetryPath, Text: "Metrics"}},
		}, exp.Scheduler.Statuses, exp.Store.Get)
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, f.web, logger) }()
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
