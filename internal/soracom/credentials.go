package soracom

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Secret holds a password or AuthKey secret. Every way of printing it (fmt
// verbs, slog, JSON, YAML) shows a placeholder, so a secret cannot leak
// through a log line, an error string or a printed configuration by accident.
// Reveal is the one way to read it, and only the auth request uses it.
type Secret string

const redacted = "<secret>"

func (s Secret) Reveal() string                { return string(s) }
func (s Secret) String() string                { return s.placeholder() }
func (s Secret) GoString() string              { return s.placeholder() }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(s.placeholder()) }
func (s Secret) MarshalJSON() ([]byte, error)  { return json.Marshal(s.placeholder()) }
func (s Secret) MarshalYAML() (any, error)     { return s.placeholder(), nil }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(s.placeholder()), nil }
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(s.placeholder())) }

func (s Secret) placeholder() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Credentials are what POST /v1/auth (operationId: auth) accepts: an AuthKey
// (recommended, ideally a SAM user's), a root account's email and password, or
// a SAM user's operator ID, user name and password.
type Credentials struct {
	AuthKeyID  string `json:"authKeyId,omitempty"`
	AuthKey    Secret `json:"authKey,omitempty"`
	Email      string `json:"email,omitempty"`
	Password   Secret `json:"password,omitempty"`
	OperatorID string `json:"operatorId,omitempty"`
	UserName   string `json:"userName,omitempty"`
}

// Kind names the authentication method, for logs and the auth metric.
func (c Credentials) Kind() string {
	switch {
	case c.AuthKeyID != "" || c.AuthKey != "":
		return "authkey"
	case c.Email != "":
		return "root"
	case c.OperatorID != "" || c.UserName != "":
		return "sam_user"
	}
	return "none"
}

// Validate reports incomplete or ambiguous credentials with a message that
// says what to set. It never includes a secret.
func (c Credentials) Validate() error {
	kinds := 0
	if c.AuthKeyID != "" || c.AuthKey != "" {
		kinds++
		if c.AuthKeyID == "" || c.AuthKey == "" {
			return errors.New("an AuthKey needs both its ID (keyId-...) and its secret")
		}
	}
	if c.Email != "" {
		kinds++
		if c.Password == "" {
			return errors.New("root account credentials need a password next to the email")
		}
	}
	if c.OperatorID != "" || c.UserName != "" {
		kinds++
		if c.OperatorID == "" || c.UserName == "" || c.Password == "" {
			return errors.New("SAM user credentials need operator ID, user name and password")
		}
	}
	switch kinds {
	case 0:
		return errors.New("no credentials: give an AuthKey ID and secret (recommended), a soracom-cli profile, or a SAM user")
	case 1:
		return nil
	}
	return errors.New("credentials of several kinds were given: use exactly one of AuthKey, root email/password or SAM user")
}

// Profile is a soracom-cli profile file (~/.soracom/<name>.json).
type Profile struct {
	Name         string
	CoverageType Coverage
	Endpoint     string
	// Sandbox is set by `soracom configure-sandbox`: the profile logs in to
	// the API sandbox (api-sandbox.soracom.io) unless Endpoint says
	// otherwise.
	Sandbox     bool
	Credentials Credentials
}

// profileFile mirrors soracom-cli's JSON field names.
type profileFile struct {
	CoverageType   string `json:"coverageType"`
	AuthKeyID      string `json:"authKeyId"`
	AuthKey        string `json:"authKey"`
	Email          string `json:"email"`
	Password       string `json:"password"`
	OperatorID     string `json:"operatorId"`
	Username       string `json:"username"`
	Endpoint       string `json:"endpoint"`
	Sandbox        bool   `json:"sandbox"`
	ProfileCommand string `json:"profileCommand"`
	SourceProfile  string `json:"sourceProfile"`
}

// ProfileDir returns the soracom-cli profile directory: $SORACOM_PROFILE_DIR
// when set (looked up with lookupEnv, os.LookupEnv when nil), else ~/.soracom.
func ProfileDir(lookupEnv func(string) (string, bool)) (string, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if d, ok := lookupEnv("SORACOM_PROFILE_DIR"); ok && d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory for soracom-cli profiles (set SORACOM_PROFILE_DIR): %w", err)
	}
	return filepath.Join(home, ".soracom"), nil
}

// LoadProfile reads a soracom-cli profile. Like soracom-cli, it refuses a
// profile file that group or others may read, since it holds a secret.
func LoadProfile(dir, name string) (Profile, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return Profile{}, fmt.Errorf("invalid soracom-cli profile name %q", name)
	}
	path := filepath.Join(dir, name+".json")
	fi, err := os.Stat(path)
	if err != nil {
		return Profile{}, fmt.Errorf("soracom-cli profile %q: %w (create it with `soracom configure --profile %s`)", name, err, name)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Profile{}, fmt.Errorf("soracom-cli profile %s is readable by others (mode %04o): run `chmod 600 %s`", path, perm, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("soracom-cli profile %q: %w", name, err)
	}
	var pf profileFile
	if err := json.Unmarshal(raw, &pf); err != nil {
		// The JSON error could quote part of the file, which holds a secret.
		return Profile{}, fmt.Errorf("soracom-cli profile %s is not valid JSON", path)
	}
	// Two kinds of profile get their credentials in ways the exporter does
	// not follow: say which, rather than a generic "no credentials".
	switch {
	case pf.ProfileCommand != "":
		return Profile{}, fmt.Errorf("soracom-cli profile %s uses profileCommand, which soracom_exporter does not run: "+
			"give the credentials in the profile itself or in the configuration file", path)
	case pf.SourceProfile != "":
		return Profile{}, fmt.Errorf("soracom-cli profile %s is a switch-user profile (sourceProfile), which soracom_exporter does not support: "+
			"use an AuthKey of a SAM user of the target operator", path)
	}
	if pf.Sandbox && pf.Email != "" {
		// `soracom configure-sandbox` keeps the production AuthKey it
		// created the sandbox account with next to that account's email and
		// password; the sandbox is logged in to with the latter.
		pf.AuthKeyID, pf.AuthKey = "", ""
	}
	p := Profile{
		Name:     name,
		Endpoint: pf.Endpoint,
		Sandbox:  pf.Sandbox,
		Credentials: Credentials{
			AuthKeyID:  pf.AuthKeyID,
			AuthKey:    Secret(pf.AuthKey),
			Email:      pf.Email,
			Password:   Secret(pf.Password),
			OperatorID: pf.OperatorID,
			UserName:   pf.Username,
		},
	}
	if pf.CoverageType != "" {
		if p.CoverageType, err = ParseCoverage(pf.CoverageType); err != nil {
			return Profile{}, fmt.Errorf("soracom-cli profile %s: coverageType: %w", path, err)
		}
	}
	if p.Endpoint != "" {
		if p.Endpoint, err = NormalizeEndpoint(p.Endpoint); err != nil {
			return Profile{}, fmt.Errorf("soracom-cli profile %s: %w", path, err)
		}
	}
	if err := p.Credentials.Validate(); err != nil {
		return Profile{}, fmt.Errorf("soracom-cli profile %s: %w", path, err)
	}
	return p, nil
}
