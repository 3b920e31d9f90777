package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// ResolvedAccount is an account ready to connect: its secrets read, its
// coverages and endpoints final.
type ResolvedAccount struct {
	Name        string
	Credentials soracom.Credentials
	Coverages   []soracom.Coverage
	// Endpoints holds the API base URL (without /v1) of each coverage.
	Endpoints map[soracom.Coverage]string
}

// Endpoint returns the API base URL (without /v1) the account uses for
// coverage c according to the file: its override, or the production or
// sandbox host. Resolve also takes a profile's endpoint into account.
func (a Account) Endpoint(c soracom.Coverage) string {
	if u, ok := a.Endpoints[c]; ok {
		return u
	}
	return soracom.DefaultEndpoint(c, a.Sandbox)
}

// ResolveCredentials reads the account's secret from the environment
// variable, file or soracom-cli profile its configuration names. A nil
// lookupEnv means os.LookupEnv. Errors name the account and where the secret
// was looked for, never the secret.
func (a Account) ResolveCredentials(lookupEnv func(string) (string, bool)) (soracom.Credentials, error) {
	r, err := a.Resolve(lookupEnv)
	return r.Credentials, err
}

// Resolve reads the account's credentials like ResolveCredentials and
// settles its coverages and endpoints: a profile's coverageType and endpoint
// apply where the account sets none.
func (a Account) Resolve(lookupEnv func(string) (string, bool)) (ResolvedAccount, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	r := ResolvedAccount{Name: a.Name, Coverages: a.Coverages, Endpoints: map[soracom.Coverage]string{}}
	var profile soracom.Profile
	var err error
	if a.Credentials.Profile != "" {
		profile, err = a.loadProfile(lookupEnv)
		r.Credentials = profile.Credentials
	} else {
		r.Credentials, err = a.readCredentials(lookupEnv)
	}
	if err != nil {
		return ResolvedAccount{}, err
	}
	if err := r.Credentials.Validate(); err != nil {
		return ResolvedAccount{}, fmt.Errorf("%s: %w", a.label(), err)
	}
	if len(r.Coverages) == 0 {
		r.Coverages = []soracom.Coverage{soracom.CoverageJapan}
		if profile.CoverageType != "" {
			r.Coverages = []soracom.Coverage{profile.CoverageType}
		}
	}
	for _, c := range r.Coverages {
		r.Endpoints[c] = a.Endpoint(c)
		_, overridden := a.Endpoints[c]
		if !overridden && profile.Sandbox {
			r.Endpoints[c] = soracom.DefaultEndpoint(c, true)
		}
		// soracom-cli uses a profile's endpoint for the profile's coverage.
		if !overridden && profile.Endpoint != "" && (profile.CoverageType == "" || profile.CoverageType == c) {
			r.Endpoints[c] = profile.Endpoint
		}
	}
	return r, nil
}

// ResolveAccounts resolves every account and reports every failure at once.
// --config.check calls it to prove that each secret can be read.
func (c *Config) ResolveAccounts(lookupEnv func(string) (string, bool)) ([]ResolvedAccount, error) {
	out := make([]ResolvedAccount, 0, len(c.Accounts))
	var errs []error
	for _, a := range c.Accounts {
		r, err := a.Resolve(lookupEnv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func (a Account) readCredentials(lookupEnv func(string) (string, bool)) (soracom.Credentials, error) {
	cr := a.Credentials
	out := soracom.Credentials{
		AuthKeyID:  cr.AuthKeyID,
		Email:      cr.Email,
		OperatorID: cr.OperatorID,
		UserName:   cr.UserName,
	}
	var err error
	switch {
	case cr.AuthKeyEnv != "":
		out.AuthKey, err = a.secretFromEnv("auth_key_env", cr.AuthKeyEnv, lookupEnv)
	case cr.AuthKeyFile != "":
		out.AuthKey, err = a.secretFromFile("auth_key_file", cr.AuthKeyFile)
	case cr.PasswordEnv != "":
		out.Password, err = a.secretFromEnv("password_env", cr.PasswordEnv, lookupEnv)
	case cr.PasswordFile != "":
		out.Password, err = a.secretFromFile("password_file", cr.PasswordFile)
	}
	return out, err
}

func (a Account) secretFromEnv(key, name string, lookupEnv func(string) (string, bool)) (soracom.Secret, error) {
	v, ok := lookupEnv(name)
	switch {
	case !ok:
		return "", fmt.Errorf("%s: environment variable %s is not set (named by %s)", a.label(), name, key)
	case v == "":
		return "", fmt.Errorf("%s: environment variable %s is empty (named by %s)", a.label(), name, key)
	}
	return soracom.Secret(v), nil
}

// secretFromFile reads a secret file, such as a systemd credential. Like
// soracom-cli with its profiles, it refuses a file that every user of the
// machine may read; a group may read it (systemd credentials, Kubernetes
// secrets mounted with a group).
func (a Account) secretFromFile(key, path string) (soracom.Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %s %s: %w", a.label(), key, path, pathErrReason(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%s: %s %s: %w", a.label(), key, path, pathErrReason(err))
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		return "", fmt.Errorf("%s: %s %s can be read by every user (mode %04o): run `chmod o-rwx %s`",
			a.label(), key, path, perm, path)
	}
	// Read from the file that was checked, not from the path again.
	raw, err := io.ReadAll(f)
	if err != nil {
		return "", fmt.Errorf("%s: %s %s: %w", a.label(), key, path, pathErrReason(err))
	}
	s := strings.TrimRight(string(raw), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s: %s %s is empty", a.label(), key, path)
	}
	return soracom.Secret(s), nil
}

// pathErrReason drops the path an *fs.PathError repeats, since the message
// already names it.
func pathErrReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (a Account) loadProfile(lookupEnv func(string) (string, bool)) (soracom.Profile, error) {
	dir, err := soracom.ProfileDir(lookupEnv)
	if err != nil {
		return soracom.Profile{}, fmt.Errorf("%s: %w", a.label(), err)
	}
	p, err := soracom.LoadProfile(dir, a.Credentials.Profile)
	if err != nil {
		return soracom.Profile{}, fmt.Errorf("%s: %w", a.label(), err)
	}
	return p, nil
}

// label names the account in messages: "accounts[0] (production)".
func (a Account) label() string {
	switch {
	case a.path != "" && a.Name != "":
		return a.path + " (" + a.Name + ")"
	case a.Name != "":
		return "account " + a.Name
	case a.path != "":
		return a.path
	}
	return "account"
}
