package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIntelligenceSettingsLoad(t *testing.T) {
	c := mustLoad(t, "testdata/valid/intelligence.yml")
	s, w := c.SIMs, c.Webhook
	if s.Metrics != MetricsAggregate || s.MaxSeries != 500000 || s.SessionEvents.Budget != 300 ||
		!s.CellLocations.Enabled || s.CellLocations.Budget != 50 {
		t.Fatalf("sims: %+v", s)
	}
	if !w.Enabled || w.Path != "/hooks/soracom" || w.SecretEnv != "SORACOM_EXPORTER_WEBHOOK_SECRET" || w.Rate != 2 || w.Burst != 10 {
		t.Fatalf("webhook: %+v", w)
	}
	if strings.Contains(c.Redacted(), "secret_env: SORACOM") == false {
		t.Fatalf("the printed configuration lost where the secret comes from:\n%s", c.Redacted())
	}
}

func TestWebhookResolveSecret(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	w := Webhook{Enabled: true, SecretEnv: "HOOK"}
	if got, err := w.ResolveSecret(env(map[string]string{"HOOK": " s3cret\n"})); err != nil || got != "s3cret" {
		t.Fatalf("env: %q %v", got, err)
	}
	_, err := w.ResolveSecret(env(nil))
	if err == nil || !strings.Contains(err.Error(), "$HOOK") {
		t.Fatalf("unset env: %v", err)
	}
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w = Webhook{Enabled: true, SecretFile: f}
	if got, err := w.ResolveSecret(env(nil)); err != nil || got != "from-file" {
		t.Fatalf("file: %q %v", got, err)
	}
	if err := os.WriteFile(f, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ResolveSecret(env(nil)); err == nil {
		t.Fatal("an empty secret was accepted")
	}
}
