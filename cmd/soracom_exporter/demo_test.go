package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoValidatesLikeTheCommandLine: the demo is a configuration like any
// other, so a bad flag is refused with the same message with or without
// --demo.
func TestDemoValidatesLikeTheCommandLine(t *testing.T) {
	env := map[string]string{"SORACOM_AUTH_KEY_ID": "keyId-x", "SORACOM_AUTH_KEY": "secret-x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	textfile := filepath.Join(t.TempDir(), "soracom.prom")
	bad := []string{"--once", "--output.textfile", textfile, "--source.air.mode=bogus", "--source.sessions.interval=1s"}

	code, _, without := runArgs(t, append([]string{"--soracom.auth-key-id=keyId-x"}, bad...), lookup)
	if code != exitUsage || !strings.Contains(without, `sources.air.mode: unknown mode "bogus"`) ||
		!strings.Contains(without, "sources.sessions.interval: 1s is below the minimum") {
		t.Fatalf("without --demo: exit %d, stderr %q", code, without)
	}
	code, stdout, with := runArgs(t, append([]string{"--demo"}, bad...), lookup)
	if code != exitUsage || with != without {
		t.Fatalf("with --demo: exit %d, stderr\n%s\nwant the message without --demo:\n%s", code, with, without)
	}
	if stdout != "" {
		t.Fatalf("a refused demo printed %q", stdout)
	}
	if _, err := os.Stat(textfile); !os.IsNotExist(err) {
		t.Fatalf("a refused demo wrote the textfile: %v", err)
	}
}

// TestDemoOnceWritesWithoutURLs: --demo --once polls every source of the
// demo once and writes the textfile; no server starts, so no URL is
// printed.
func TestDemoOnceWritesWithoutURLs(t *testing.T) {
	textfile := filepath.Join(t.TempDir(), "soracom.prom")
	none := func(string) (string, bool) { return "", false }
	code, stdout, stderr := runArgs(t, []string{"--demo", "--demo.sims=20", "--once", "--output.textfile", textfile, "--log.level=error"}, none)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "http://") || strings.Contains(stdout, "Open") {
		t.Fatalf("--demo --once printed a URL although no server runs: %q", stdout)
	}
	b, err := os.ReadFile(textfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range []string{"soracom_sim_session_online", "soracom_air_bytes_total", "soracom_bill_amount"} {
		if !strings.Contains(string(b), "\n"+family+"{") {
			t.Errorf("the demo's textfile lacks %s", family)
		}
	}
}

// TestGeneratedFlagsConflictWithConfigFile: every flag generated from the
// configuration's sections describes what the file describes, so none can
// be combined with --config.file, including keys that had no flag before
// the flags were generated.
func TestGeneratedFlagsConflictWithConfigFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(cfg, []byte("accounts: [{name: a, credentials: {auth_key_id: keyId-x, auth_key_env: SORACOM_AUTH_KEY}}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) { return "secret-x", k == "SORACOM_AUTH_KEY" }
	var f flags
	newFlagParser(&f)
	if len(f.byPath) < 20 {
		t.Fatalf("only %d generated flags", len(f.byPath))
	}
	for _, arg := range []string{"--source.air.sim-list-refresh=2h", "--source.billing.max-age=5h", "--sims.filter.group-id=g1",
		"--webhook.burst=3", "--no-sims.session-events", "--compat.seed-metric"} {
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "--"), "no-"), "=")
		_, err := loadSettings(parseFlags(t, "--config.file="+cfg, arg), lookup, nil)
		if err == nil || !strings.Contains(err.Error(), "--"+name+" cannot be combined with --config.file") {
			t.Errorf("%s with a configuration file: %v", arg, err)
		}
	}
	// And each sets its key.
	s, err := loadSettings(parseFlags(t, "--soracom.auth-key-id=keyId-x", "--source.air.sim-list-refresh=2h", "--sims.filter.group-id=g1",
		"--sims.filter.group-id=g2"), lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Config.Sources.Air.SIMListRefresh.String(); got != "2h" {
		t.Errorf("sources.air.sim_list_refresh = %s", got)
	}
	if got := s.Config.SIMs.Filters.GroupIDs; len(got) != 2 || got[1] != "g2" {
		t.Errorf("sims.filters.group_ids = %v", got)
	}
}
