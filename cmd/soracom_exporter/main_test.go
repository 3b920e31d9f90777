package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// fakeEnv serves a fake API on the Japan coverage and returns the flags and
// environment that point the exporter at it.
func fakeEnv(t *testing.T) (*soracomfake.Fake, []string, func(string) (string, bool)) {
	t.Helper()
	fake := soracomfake.New(soracomfake.Options{Seed: 2, SIMs: 30, Coverages: []string{"jp"}})
	srv := httptest.NewServer(fake.Handler("jp"))
	t.Cleanup(srv.Close)
	cr := fake.Credentials()
	env := map[string]string{"SORACOM_AUTH_KEY_ID": cr.AuthKeyID, "SORACOM_AUTH_KEY": cr.AuthKey}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return fake, []string{"--soracom.auth-key-id", cr.AuthKeyID, "--soracom.endpoint", srv.URL, "--log.level", "error"}, lookup
}

func runArgs(t *testing.T, args []string, lookup func(string) (string, bool)) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, lookup)
	return code, stdout.String(), stderr.String()
}

func TestOnceWritesTheTextfile(t *testing.T) {
	fake, args, lookup := fakeEnv(t)
	path := filepath.Join(t.TempDir(), "soracom.prom")
	code, _, stderr := runArgs(t, append(args, "--once", "--output.textfile", path), lookup)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\nsoracom_sim_session_online{"); n != fake.SimCount("jp") {
		t.Fatalf("textfile has %d SIMs, fleet %d", n, fake.SimCount("jp"))
	}
}

func TestFailedOnceLeavesThePreviousFile(t *testing.T) {
	fake, args, lookup := fakeEnv(t)
	path := filepath.Join(t.TempDir(), "soracom.prom")
	previous := []byte("# previous good file\nsoracom_up 1\n")
	if err := os.WriteFile(path, previous, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fake.SetFaults(soracomfake.Faults{AlwaysFail: true}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs(t, append(args, "--once", "--output.textfile", path), lookup)
	if code != exitFailure || !strings.Contains(stderr, "poll failed") || !strings.Contains(stderr, "503") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, previous) {
		t.Fatalf("the previous file was changed:\n%s", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("left files behind: %v", entries)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yml")
	if err := os.WriteFile(cfg, []byte("accounts:\n  - name: a\n    credentials: {profile: p}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	none := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--once"}, "--once writes the textfile: give --output.textfile=PATH too"},
		{[]string{"--no-such-flag"}, "unknown long flag '--no-such-flag'"},
		{[]string{"--soracom.coverage", "eu"}, `unknown coverage "eu": use "jp" (Japan) or "g" (Global)`},
		{[]string{"--config.file", cfg, "--soracom.coverage", "g"}, "--soracom.coverage cannot be combined with --config.file: set it in " + cfg + " instead"},
		{[]string{"--config.file", filepath.Join(dir, "missing.yml")}, "missing.yml"},
		{[]string{}, "no SORACOM credentials: set SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY"},
		{[]string{"--soracom.auth-key-id", "keyId-x"}, "SORACOM_AUTH_KEY is not set"},
		{[]string{"--soracom.auth-key-id", "keyId-x", "--source.sessions.interval", "1s"}, "sources.sessions.interval"},
		{[]string{"--soracom.auth-key-id", "keyId-x", "--output.textfile", filepath.Join(dir, "x.txt")}, ".prom"},
		{[]string{"--demo", "--demo.sims", "0"}, "--demo.sims=0: use 1 to 200000"},
		{[]string{"--demo", "--web.max-requests=-1"}, "--web.max-requests=-1: use a positive number, or 0 for no limit"},
	} {
		t.Setenv("SORACOM_PROFILE_DIR", dir) // no default profile to fall back on
		code, _, stderr := runArgs(t, tc.args, none)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}

func TestConfigCheckPrintsWithoutSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "key")
	if err := os.WriteFile(secret, []byte("secret-value-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.yml")
	if err := os.WriteFile(cfg, []byte("accounts:\n  - name: prod\n    coverages: [jp, g]\n    credentials:\n      auth_key_id: keyId-abc\n      auth_key_file: "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runArgs(t, []string{"--config.file", cfg, "--config.check"}, func(string) (string, bool) { return "", false })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "configuration OK: 1 account(s)") || !strings.Contains(stdout, "keyId-abc") || strings.Contains(stdout+stderr, "secret-value-123") {
		t.Fatalf("config check output:\n%s", stdout)
	}
}

func TestHelpAndVersionExitZero(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	for _, args := range [][]string{{"--help"}, {"--version"}} {
		code, stdout, stderr := runArgs(t, args, none)
		if code != 0 || stdout+stderr == "" || strings.Contains(stderr, "credentials") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestBrowseURL(t *testing.T) {
	for in, want := range map[string]string{":9881": "http://localhost:9881/", "127.0.0.1:1": "http://127.0.0.1:1/", "[::1]:2": "http://[::1]:2/"} {
		if got := browseURL(in, "/"); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}
