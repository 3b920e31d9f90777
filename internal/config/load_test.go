package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return c
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestLoadMinimalAppliesDefaults(t *testing.T) {
	c := mustLoad(t, "testdata/valid/minimal.yml")
	if len(c.Accounts) != 1 {
		t.Fatalf("got %d accounts, want 1", len(c.Accounts))
	}
	a := c.Accounts[0]
	wantEqual(t, "name", a.Name, "main")
	wantEqual(t, "coverages", a.Coverages, []soracom.Coverage{soracom.CoverageJapan})
	wantEqual(t, "sandbox", a.Sandbox, false)
	wantEqual(t, "method", a.Credentials.Method(), "authkey")
	wantEqual(t, "jp endpoint", a.Endpoint(soracom.CoverageJapan), "https://api.soracom.io")

	s := c.Sources.Sessions
	wantEqual(t, "sessions", s, SourceConfig{
		Enabled:  true,
		Interval: Duration(60 * time.Second),
		Timeout:  Duration(60 * time.Second),
		MaxAge:   Duration(3 * time.Minute),
	})
	wantEqual(t, "sims", c.SIMs, SIMs{Metrics: MetricsPerSIM, SessionEvents: SessionEvents{Enabled: true, Budget: 200},
		CellLocations: CellLocations{Budget: 20}})
	wantEqual(t, "webhook", c.Webhook, Webhook{Path: "/webhook/session", SecretHeader: "X-Soracom-Exporter-Secret", Rate: 5, Burst: 20})
}

func TestLoadFull(t *testing.T) {
	c := mustLoad(t, "testdata/valid/full.yml")
	if len(c.Accounts) != 3 {
		t.Fatalf("got %d accounts, want 3", len(c.Accounts))
	}
	prod := c.Accounts[0]
	wantEqual(t, "coverages", prod.Coverages, []soracom.Coverage{soracom.CoverageGlobal, soracom.CoverageJapan})
	// Overrides lose their trailing /v1 and slash; the sandbox flag does not
	// change an override.
	wantEqual(t, "jp endpoint", prod.Endpoint(soracom.CoverageJapan), "http://127.0.0.1:8080")
	wantEqual(t, "g endpoint", prod.Endpoint(soracom.CoverageGlobal), "https://fake.example.test:8443")
	secretFile, err := filepath.Abs(filepath.Join("testdata", "valid", "secrets", "auth_key"))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "auth_key_file", prod.Credentials.AuthKeyFile, secretFile)

	wantEqual(t, "root method", c.Accounts[1].Credentials.Method(), "root")
	wantEqual(t, "SAM method", c.Accounts[2].Credentials.Method(), "sam_user")

	wantEqual(t, "sessions", c.Sources.Sessions, SourceConfig{
		Enabled:  false,
		Interval: Duration(90 * time.Second),
		Timeout:  Duration(45 * time.Second),
		MaxAge:   Duration(time.Hour),
	})
	wantEqual(t, "sims", c.SIMs, SIMs{
		Filters: Filters{
			Status:   []string{"active", "inactive"},
			GroupIDs: []string{"group-1"},
			Tags:     map[string]string{"site": "tokyo", "site.floor": "3"},
			SIMIDs:   []string{"8942310000000000001"},
		},
		TagLabels:     []string{"site", "customer", "site.floor"},
		Metrics:       MetricsPerSIM,
		SessionEvents: SessionEvents{Enabled: true, Budget: 200},
		CellLocations: CellLocations{Budget: 20},
	})
}

func TestSandboxEndpoints(t *testing.T) {
	c, err := Parse([]byte(`
accounts:
  - name: sandbox
    coverages: [jp, g]
    sandbox: true
    credentials: {profile: sandbox}
`), "sandbox.yml")
	if err != nil {
		t.Fatal(err)
	}
	a := c.Accounts[0]
	wantEqual(t, "jp", a.Endpoint(soracom.CoverageJapan), "https://api-sandbox.soracom.io")
	wantEqual(t, "g", a.Endpoint(soracom.CoverageGlobal), "https://g.api-sandbox.soracom.io")
}

func TestDerivedSourceDefaultsFollowTheInterval(t *testing.T) {
	for _, tc := range []struct {
		file            string
		timeout, maxAge time.Duration
	}{
		// The timeout is capped at 60s even when the interval is longer.
		{"testdata/valid/slow_interval.yml", 60 * time.Second, 15 * time.Minute},
		// An empty "enabled:" keeps the default.
		{"testdata/valid/fast_interval.yml", 30 * time.Second, 90 * time.Second},
	} {
		s := mustLoad(t, tc.file).Sources.Sessions
		if !s.Enabled || time.Duration(s.Timeout) != tc.timeout || time.Duration(s.MaxAge) != tc.maxAge {
			t.Errorf("%s: got %+v, want enabled, timeout %s, max_age %s", tc.file, s, tc.timeout, tc.maxAge)
		}
	}
}

func TestProfileAccountLeavesCoveragesToTheProfile(t *testing.T) {
	a := mustLoad(t, "testdata/valid/profile.yml").Accounts[0]
	if a.Coverages != nil {
		t.Errorf("coverages = %v, want none until the profile is read", a.Coverages)
	}
	wantEqual(t, "method", a.Credentials.Method(), "profile")
}

func TestDefault(t *testing.T) {
	c := Default()
	wantEqual(t, "sessions", c.Sources.Sessions, SourceConfig{
		Enabled:  true,
		Interval: Duration(time.Minute),
		Timeout:  Duration(time.Minute),
		MaxAge:   Duration(3 * time.Minute),
	})
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "no accounts") {
		t.Errorf("Default().Validate() = %v, want a no-accounts error", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestLoadNamesThePathInErrors(t *testing.T) {
	_, err := Load("testdata/invalid/no_accounts.yml")
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/invalid/no_accounts.yml: line 1: accounts: ") {
		t.Errorf("got %v, want the message to start with the path", err)
	}
}

// TestValidateAfterChangesInCode checks a Config changed after loading: the
// problem is still found, and placed at the nearest key the file has (the
// added account is not in the file; "accounts:" is, on line 1).
func TestValidateAfterChangesInCode(t *testing.T) {
	c := mustLoad(t, "testdata/valid/minimal.yml")
	c.Accounts = append(c.Accounts, c.Accounts[0])
	err := c.Validate()
	want := `testdata/valid/minimal.yml: line 1: accounts[1].name: "main" is already the name of accounts[0]: account names must be unique`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestValidateConfigBuiltInCode(t *testing.T) {
	c := Default()
	c.Accounts = []Account{{Name: "a b", Credentials: CredentialSource{Profile: "p"}}}
	err := c.Validate()
	want := `configuration: accounts[0].name: "a b" may contain only letters, digits, _, . and -`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestCompleteConfigBuiltInCode follows what the command line does: start
// from Default, set what the flags give, leave the rest at zero.
func TestCompleteConfigBuiltInCode(t *testing.T) {
	c := Default()
	c.Accounts = []Account{{
		Name:        "default",
		Endpoints:   map[soracom.Coverage]string{soracom.CoverageJapan: "http://127.0.0.1:8080/v1"},
		Credentials: CredentialSource{AuthKeyID: "keyId-abc", AuthKeyEnv: "SORACOM_AUTH_KEY"},
	}}
	c.Sources.Sessions.Interval = Duration(20 * time.Second)
	c.Sources.Sessions.Timeout = 0
	c.Sources.Sessions.MaxAge = 0
	if err := c.Complete("command line"); err != nil {
		t.Fatal(err)
	}
	a := c.Accounts[0]
	wantEqual(t, "coverages", a.Coverages, []soracom.Coverage{soracom.CoverageJapan})
	wantEqual(t, "endpoint", a.Endpoint(soracom.CoverageJapan), "http://127.0.0.1:8080")
	wantEqual(t, "timeout", c.Sources.Sessions.Timeout, Duration(20*time.Second))
	wantEqual(t, "max_age", c.Sources.Sessions.MaxAge, Duration(time.Minute))
	_, err := a.ResolveCredentials(env())
	wantResolveError(t, err, "accounts[0] (default): environment variable SORACOM_AUTH_KEY is not set (named by auth_key_env)")

	c.Sources.Sessions.Timeout = Duration(time.Minute)
	err = c.Complete("command line")
	want := "command line: sources.sessions.timeout: 1m is longer than the interval (20s): a poll must end before the next one starts; lower timeout or raise interval"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
