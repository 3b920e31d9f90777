package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracom-exporter/soracom_exporter/internal/app"
)

// TestReloadRefusesWithTheStartMessages: a file that a reload refuses gets
// the message it gets at start, in the answer and in the log; without
// --config.file there is nothing to reload.
func TestReloadRefusesWithTheStartMessages(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yml")
	const good = "accounts: [{name: a, endpoints: {jp: http://127.0.0.1:1}, credentials: {auth_key_id: keyId-x, auth_key_env: SORACOM_AUTH_KEY}}]\n"
	const bad = good + "sources:\n  sessions:\n    interval: 1s\n  air: {mode: bogus}\n"
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lookup := func(k string) (string, bool) { return "secret-x", k == "SORACOM_AUTH_KEY" }

	write(bad)
	_, atStart := loadSettings(parseFlags(t, "--config.file="+cfg), lookup, nil)
	if atStart == nil {
		t.Fatal("the bad file loads")
	}

	write(good)
	f := parseFlags(t, "--config.file="+cfg)
	s, err := loadSettings(f, lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	exp, err := app.New(s, logger)
	if err != nil {
		t.Fatal(err)
	}
	reload := reloader(f, exp, lookup, logger)
	if err := reload("test"); err != nil {
		t.Fatalf("reload of the unchanged file: %v", err)
	}

	write(bad)
	err = reload("test")
	if err == nil || err.Error() != atStart.Error() {
		t.Fatalf("reload of the bad file: %v\nwant the message at start:\n%v", err, atStart)
	}
	for _, want := range []string{"sources.sessions.interval: 1s is below the minimum", `unknown mode \"bogus\"`, "the running configuration stays"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}

	flagsOnly := parseFlags(t, "--soracom.auth-key-id=keyId-x", "--soracom.endpoint=http://127.0.0.1:1")
	s, err = loadSettings(flagsOnly, lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if exp, err = app.New(s, logger); err != nil {
		t.Fatal(err)
	}
	if err := reloader(flagsOnly, exp, lookup, logger)("test"); !errors.Is(err, errNothingToReload) {
		t.Fatalf("reload without --config.file: %v", err)
	}
}
