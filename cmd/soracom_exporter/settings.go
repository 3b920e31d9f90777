package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// webhookSecretEnv is where the webhook's secret is read from without a
// configuration file, unless --webhook.secret-file is given.
const webhookSecretEnv = "SORACOM_EXPORTER_WEBHOOK_SECRET"

// loadSettings reads the configuration file, or builds the single-account
// configuration from flags, validates it the same way in both cases, and
// resolves the credentials. With --config.check it prints the result.
func loadSettings(f *flags, lookupEnv func(string) (string, bool), stdout io.Writer) (app.Settings, error) {
	var (
		cfg *config.Config
		err error
	)
	if f.configFile != "" {
		for _, name := range slices.Sorted(maps.Keys(f.described)) {
			if *f.described[name] {
				return app.Settings{}, usageError{fmt.Errorf("--%s cannot be combined with --config.file: set it in %s instead", name, f.configFile)}
			}
		}
		if cfg, err = config.Load(f.configFile); err != nil {
			return app.Settings{}, usageError{err}
		}
	} else if cfg, err = configFromFlags(f, lookupEnv); err != nil {
		return app.Settings{}, usageError{err}
	}
	s, accounts, err := resolve(cfg, lookupEnv)
	if err != nil {
		return app.Settings{}, usageError{err}
	}
	if f.configCheck {
		fmt.Fprintf(stdout, "configuration OK: %d account(s), credentials readable\n---\n%s", accounts, cfg.Redacted())
		return app.Settings{}, nil
	}
	return s, nil
}

// resolve reads the secrets a validated configuration names and turns it
// into the exporter's settings; it also returns the number of accounts.
func resolve(cfg *config.Config, lookupEnv func(string) (string, bool)) (app.Settings, int, error) {
	accounts, err := cfg.ResolveAccounts(lookupEnv)
	if err != nil {
		return app.Settings{}, 0, err
	}
	s := app.Settings{Config: cfg}
	if cfg.Webhook.Enabled {
		if s.WebhookSecret, err = cfg.Webhook.ResolveSecret(lookupEnv); err != nil {
			return app.Settings{}, 0, err
		}
	}
	for _, a := range accounts {
		for _, c := range a.Coverages {
			s.Targets = append(s.Targets, app.Target{Account: a.Name, Coverage: c, Endpoint: a.Endpoints[c], Credentials: a.Credentials})
		}
	}
	return s, len(accounts), nil
}

// configFromFlags describes the single account of the command line as a
// configuration, so that it is validated exactly like a file.
func configFromFlags(f *flags, lookupEnv func(string) (string, bool)) (*config.Config, error) {
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
	return completeFlagConfig(f, acct)
}

// completeFlagConfig finishes the configuration the flags describe, with
// its one account, and validates it as a file would be.
func completeFlagConfig(f *flags, acct config.Account) (*config.Config, error) {
	cfg := f.cfg
	cfg.Accounts = []config.Account{acct}
	if cfg.Webhook.Enabled && cfg.Webhook.SecretFile == "" {
		cfg.Webhook.SecretEnv = webhookSecretEnv
	}
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
