package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/source"
)

// flagsOnlyWithoutConfig are the flags that describe what the configuration
// file describes; giving both would leave one of them silently ignored.
var flagsOnlyWithoutConfig = []string{
	"soracom.coverage", "soracom.endpoint", "soracom.profile", "soracom.auth-key-id", "soracom.auth-key-file", "soracom.sandbox",
	"source.sessions.interval", "source.sessions.timeout", "source.sessions.max-age", "sims.filter.status", "sims.tag-label",
}

// loadSettings reads the configuration file, or builds the single-account
// configuration from flags, validates it the same way in both cases, and
// resolves the credentials. With --config.check it prints the result.
func loadSettings(f *flags, lookupEnv func(string) (string, bool), stdout io.Writer) (app.Settings, error) {
	var (
		cfg *config.Config
		err error
	)
	if f.configFile != "" {
		for _, name := range slices.Concat(flagsOnlyWithoutConfig, intelligenceFlagNames, trafficFlagNames) {
			if *f.set[name] {
				return app.Settings{}, usageError{fmt.Errorf("--%s cannot be combined with --config.file: set it in %s instead", name, f.configFile)}
			}
		}
		if cfg, err = config.Load(f.configFile); err != nil {
			return app.Settings{}, usageError{err}
		}
	} else if cfg, err = configFromFlags(f, lookupEnv); err != nil {
		return app.Settings{}, usageError{err}
	}

	accounts, err := cfg.ResolveAccounts(lookupEnv)
	if err != nil {
		return app.Settings{}, usageError{err}
	}
	if cfg.Webhook.Enabled {
		if _, err := cfg.Webhook.ResolveSecret(lookupEnv); err != nil {
			return app.Settings{}, usageError{err}
		}
	}
	if f.configCheck {
		fmt.Fprintf(stdout, "configuration OK: %d account(s), credentials readable\n---\n%s", len(accounts), cfg.Redacted())
		return app.Settings{}, nil
	}
	sess := cfg.Sources.Sessions
	s := app.Settings{
		Sessions: app.SourceSettings{Enabled: sess.Enabled, Interval: time.Duration(sess.Interval),
			Timeout: time.Duration(sess.Timeout), MaxAge: time.Duration(sess.MaxAge)},
		SIMs: source.SessionsOptions{
			Filter: source.Filter{Statuses: cfg.SIMs.Filters.Status, GroupIDs: cfg.SIMs.Filters.GroupIDs,
				Tags: cfg.SIMs.Filters.Tags, SIMIDs: cfg.SIMs.Filters.SIMIDs},
			TagLabels:  cfg.SIMs.TagLabels,
			SeedMetric: f.seedMetric,
		},
	}
	applyTraffic(&s, cfg)
	if err := applyIntelligence(&s, cfg, lookupEnv); err != nil {
		return app.Settings{}, usageError{err}
	}
	for _, a := range accounts {
		for _, c := range a.Coverages {
			s.Targets = append(s.Targets, app.Target{Account: a.Name, Coverage: c, Endpoint: a.Endpoints[c], Credentials: a.Credentials})
		}
	}
	return s, nil
}

// configFromFlags describes the single account of the command line as a
// configuration, so that it is validated exactly like a file.
func configFromFlags(f *flags, lookupEnv func(string) (string, bool)) (*config.Config, error) {
	cfg := config.Default()
	acct := config.Account{Name: "default", Sandbox: f.sandbox}
	for _, c := range f.coverages {
		for _, part := range strings.Split(c, ",") {
			cov, err := soracom.ParseCoverage(part)
			if err != nil {
				return nil, fmt.Errorf("--soracom.coverage: %w", err)
			}
			acct.Coverages = append(acct.Coverages, cov)
		}
	}
	endpoints := f.endpoints
	if len(endpoints) == 0 {
		if e, ok := lookupEnv("SORACOM_ENDPOINT"); ok && e != "" {
			endpoints = []string{e}
		}
	}
	if len(endpoints) > 0 {
		acct.Endpoints = map[soracom.Coverage]string{}
	}
	for _, e := range endpoints {
		cov, u, scoped := strings.Cut(e, "=")
		if !scoped || strings.Contains(cov, "/") {
			for _, c := range acct.Coverages {
				acct.Endpoints[c] = e
			}
			continue
		}
		c, err := soracom.ParseCoverage(cov)
		if err != nil {
			return nil, fmt.Errorf("--soracom.endpoint=%s: %w", e, err)
		}
		acct.Endpoints[c] = u
	}

	cr := &acct.Credentials
	switch {
	case f.profile != "":
		cr.Profile = f.profile
	case f.authKeyID != "":
		cr.AuthKeyID = f.authKeyID
		if f.authKeyFile != "" {
			cr.AuthKeyFile = f.authKeyFile
		} else {
			cr.AuthKeyEnv = "SORACOM_AUTH_KEY"
		}
	case f.authKeyFile != "":
		return nil, errors.New("--soracom.auth-key-file needs --soracom.auth-key-id (or $SORACOM_AUTH_KEY_ID) too")
	case defaultProfileExists(lookupEnv):
		// soracom-cli's own default, for users who already configured it.
		cr.Profile = "default"
	default:
		return nil, errors.New("no SORACOM credentials: set SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY (an AuthKey, ideally of a SAM user), " +
			"or --soracom.profile=NAME for a soracom-cli profile, or --config.file; or try --demo")
	}
	cfg.Accounts = []config.Account{acct}
	ss := &cfg.Sources.Sessions
	ss.Interval = config.Duration(f.sessionsInterval)
	ss.Timeout = config.Duration(f.sessionsTimeout)
	ss.MaxAge = config.Duration(f.sessionsMaxAge)
	cfg.SIMs.Filters.Status = f.filterStatus
	cfg.SIMs.TagLabels = f.tagLabels
	f.intel.applyTo(cfg)
	f.traffic.applyTo(cfg)
	if err := cfg.Complete("command line"); err != nil {
		return nil, err
	}
	return cfg, nil
}

func defaultProfileExists(lookupEnv func(string) (string, bool)) bool {
	dir, err := soracom.ProfileDir(lookupEnv)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "default.json"))
	return err == nil
}
