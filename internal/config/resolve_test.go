package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

const testSecret = "secret-Zm9vYmFyLXRlc3Qtc2VjcmV0"

// env is a lookup function over a fixed set of variables, so that tests
// can run in parallel without touching the process environment.
func env(vars ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// account parses a one-account configuration whose credentials are the
// given YAML flow mapping.
func account(t *testing.T, extra, credentials string) Account {
	t.Helper()
	c, err := Parse([]byte(fmt.Sprintf("accounts:\n  - name: main\n%s    credentials: %s\n", extra, credentials)), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	return c.Accounts[0]
}

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantResolveError checks the exact message, and that it does not carry
// the secret.
func wantResolveError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("error contains the secret: %s", err)
	}
}

func TestResolveAuthKeyFromEnv(t *testing.T) {
	t.Parallel()
	a := account(t, "", "{auth_key_id: keyId-abc, auth_key_env: SORACOM_AUTH_KEY_PROD}")

	cr, err := a.ResolveCredentials(env("SORACOM_AUTH_KEY_PROD", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "credentials", cr, soracom.Credentials{AuthKeyID: "keyId-abc", AuthKey: soracom.Secret(testSecret)})

	_, err = a.ResolveCredentials(env())
	wantResolveError(t, err, "accounts[0] (main): environment variable SORACOM_AUTH_KEY_PROD is not set (named by auth_key_env)")
	_, err = a.ResolveCredentials(env("SORACOM_AUTH_KEY_PROD", ""))
	wantResolveError(t, err, "accounts[0] (main): environment variable SORACOM_AUTH_KEY_PROD is empty (named by auth_key_env)")
}

func TestResolveAuthKeyFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		wantErr       string // %s is the file's path
	}{
		{name: "newline", content: testSecret + "\n", mode: 0o600},
		{name: "crlf", content: testSecret + "\r\n", mode: 0o400},
		{name: "no-newline", content: testSecret, mode: 0o600},
		// A group may read it: systemd and Kubernetes give secrets to a group.
		{name: "group-readable", content: testSecret + "\n", mode: 0o640},
		{name: "world-readable", content: testSecret + "\n", mode: 0o644,
			wantErr: "accounts[0] (main): auth_key_file %[1]s can be read by every user (mode 0644): run `chmod o-rwx %[1]s`"},
		{name: "empty", content: "\n", mode: 0o600,
			wantErr: "accounts[0] (main): auth_key_file %s is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, tc.name, tc.content, tc.mode)
			a := account(t, "", "{auth_key_id: keyId-abc, auth_key_file: "+path+"}")
			cr, err := a.ResolveCredentials(env())
			if tc.wantErr != "" {
				wantResolveError(t, err, fmt.Sprintf(tc.wantErr, path))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cr.AuthKey.Reveal() != testSecret {
				t.Errorf("secret read as %d bytes, want the %d of the file without its newline", len(cr.AuthKey.Reveal()), len(testSecret))
			}
		})
	}
}

func TestResolveMissingSecretFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "absent")
	a := account(t, "", "{auth_key_id: keyId-abc, auth_key_file: "+path+"}")
	_, err := a.ResolveCredentials(env())
	wantResolveError(t, err, "accounts[0] (main): auth_key_file "+path+": no such file or directory")
}

func TestResolveUnreadableSecretFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	path := writeFile(t, t.TempDir(), "auth_key", testSecret, 0o000)
	a := account(t, "", "{auth_key_id: keyId-abc, auth_key_file: "+path+"}")
	_, err := a.ResolveCredentials(env())
	wantResolveError(t, err, "accounts[0] (main): auth_key_file "+path+": permission denied")
}

func TestResolvePasswords(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "password", testSecret+"\n", 0o600)

	root := account(t, "", "{email: ops@example.com, password_file: "+path+"}")
	cr, err := root.ResolveCredentials(env())
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "root", cr, soracom.Credentials{Email: "ops@example.com", Password: soracom.Secret(testSecret)})

	sam := account(t, "", "{operator_id: OP0012345678, user_name: exporter, password_env: PW}")
	cr, err = sam.ResolveCredentials(env("PW", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "SAM user", cr, soracom.Credentials{OperatorID: "OP0012345678", UserName: "exporter", Password: soracom.Secret(testSecret)})

	_, err = sam.ResolveCredentials(env())
	wantResolveError(t, err, "accounts[0] (main): environment variable PW is not set (named by password_env)")
}

// profileDir writes a soracom-cli profile into a new directory.
func profileDir(t *testing.T, name, json string, mode os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, name+".json", json, mode)
	return dir
}

func TestResolveProfile(t *testing.T) {
	t.Parallel()
	dir := profileDir(t, "lab", `{"coverageType":"g","authKeyId":"keyId-lab","authKey":"`+testSecret+`","endpoint":"http://127.0.0.1:9090/v1"}`, 0o600)
	lookup := env("SORACOM_PROFILE_DIR", dir)

	// No coverages in the file: the profile's coverage type and endpoint.
	r, err := account(t, "", "{profile: lab}").Resolve(lookup)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "resolved", r, ResolvedAccount{
		Name:        "main",
		Credentials: soracom.Credentials{AuthKeyID: "keyId-lab", AuthKey: soracom.Secret(testSecret)},
		Coverages:   []soracom.Coverage{soracom.CoverageGlobal},
		Endpoints:   map[soracom.Coverage]string{soracom.CoverageGlobal: "http://127.0.0.1:9090"},
	})

	// The file's settings win; the profile's endpoint stays with its coverage.
	r, err = account(t, "    coverages: [jp, g]\n    sandbox: true\n", "{profile: lab}").Resolve(lookup)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "coverages", r.Coverages, []soracom.Coverage{soracom.CoverageJapan, soracom.CoverageGlobal})
	wantEqual(t, "endpoints", r.Endpoints, map[soracom.Coverage]string{
		soracom.CoverageJapan:  "https://api-sandbox.soracom.io",
		soracom.CoverageGlobal: "http://127.0.0.1:9090",
	})

	// A sandbox profile logs in to the sandbox hosts.
	sandboxDir := profileDir(t, "sbx", `{"sandbox":true,"coverageType":"g","email":"dev@example.com","password":"`+testSecret+`"}`, 0o600)
	r, err = account(t, "", "{profile: sbx}").Resolve(env("SORACOM_PROFILE_DIR", sandboxDir))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sandbox profile", r.Endpoints, map[soracom.Coverage]string{soracom.CoverageGlobal: "https://g.api-sandbox.soracom.io"})

	r, err = account(t, "    coverages: [g]\n    endpoints: {g: 'http://10.0.0.1'}\n", "{profile: lab}").Resolve(lookup)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "overridden endpoint", r.Endpoints[soracom.CoverageGlobal], "http://10.0.0.1")
}

func TestResolveProfileWithoutCoverageType(t *testing.T) {
	t.Parallel()
	dir := profileDir(t, "plain", `{"authKeyId":"keyId-p","authKey":"`+testSecret+`"}`, 0o600)
	r, err := account(t, "", "{profile: plain}").Resolve(env("SORACOM_PROFILE_DIR", dir))
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "coverages", r.Coverages, []soracom.Coverage{soracom.CoverageJapan})
	wantEqual(t, "endpoints", r.Endpoints, map[soracom.Coverage]string{soracom.CoverageJapan: "https://api.soracom.io"})
}

func TestResolveProfileErrors(t *testing.T) {
	t.Parallel()
	open := profileDir(t, "open", `{"authKeyId":"keyId-o","authKey":"`+testSecret+`"}`, 0o644)
	path := filepath.Join(open, "open.json")
	_, err := account(t, "", "{profile: open}").ResolveCredentials(env("SORACOM_PROFILE_DIR", open))
	wantResolveError(t, err, "accounts[0] (main): soracom-cli profile "+path+" is readable by others (mode 0644): run `chmod 600 "+path+"`")

	broken := profileDir(t, "broken", `{"authKeyId":"keyId-b","authKey":"`+testSecret, 0o600)
	_, err = account(t, "", "{profile: broken}").ResolveCredentials(env("SORACOM_PROFILE_DIR", broken))
	wantResolveError(t, err, "accounts[0] (main): soracom-cli profile "+filepath.Join(broken, "broken.json")+" is not valid JSON")

	_, err = account(t, "", "{profile: absent}").ResolveCredentials(env("SORACOM_PROFILE_DIR", open))
	if err == nil || !strings.HasPrefix(err.Error(), `accounts[0] (main): soracom-cli profile "absent": `) {
		t.Errorf("got %v, want a missing-profile error naming the account", err)
	}
}

// TestResolveProfileDirFromEnvironment covers the default lookup, which
// reads the process environment; it cannot run in parallel.
func TestResolveProfileDirFromEnvironment(t *testing.T) {
	dir := profileDir(t, "lab", `{"authKeyId":"keyId-lab","authKey":"`+testSecret+`"}`, 0o600)
	t.Setenv("SORACOM_PROFILE_DIR", dir)
	cr, err := account(t, "", "{profile: lab}").ResolveCredentials(nil)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "authKeyId", cr.AuthKeyID, "keyId-lab")
}

func TestResolveAccountsReportsEveryFailure(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`
accounts:
  - name: a
    credentials: {auth_key_id: keyId-a, auth_key_env: KEY_A}
  - name: b
    credentials: {auth_key_id: keyId-b, auth_key_env: KEY_B}
  - name: c
    credentials: {auth_key_id: keyId-c, auth_key_env: KEY_C}
`), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ResolveAccounts(env("KEY_B", testSecret))
	wantResolveError(t, err, "accounts[0] (a): environment variable KEY_A is not set (named by auth_key_env)\n"+
		"accounts[2] (c): environment variable KEY_C is not set (named by auth_key_env)")

	got, err := c.ResolveAccounts(env("KEY_A", testSecret, "KEY_B", testSecret, "KEY_C", testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Name != "c" || got[2].Credentials.AuthKey.Reveal() != testSecret {
		t.Errorf("got %+v", got)
	}
	// Printing a resolved account, as a careless log line would, hides the secret.
	if s := fmt.Sprintf("%v %+v %#v", got, got, got); strings.Contains(s, testSecret) {
		t.Errorf("printing resolved accounts shows the secret: %s", s)
	}
}
