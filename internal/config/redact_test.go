package config

import (
	"strings"
	"testing"
)

func TestRedactedShowsTheEffectiveConfiguration(t *testing.T) {
	c, err := Parse([]byte(`
accounts:
  - name: production
    coverages: [jp]
    endpoints: {jp: "http://127.0.0.1:8080/v1"}
    credentials:
      auth_key_id: keyId-abc
      auth_key_env: SORACOM_AUTH_KEY
sims:
  tag_labels: [site]
`), "/etc/soracom_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	want := `accounts:
  - name: production
    coverages:
      - jp
    sandbox: false
    endpoints:
      jp: http://127.0.0.1:8080
    credentials:
      auth_key_id: keyId-abc
      auth_key_env: SORACOM_AUTH_KEY
sources:
  sessions:
    enabled: true
    interval: 1m
    timeout: 1m
    max_age: 3m
  air:
    enabled: false
    interval: 5m
    timeout: 4m
    max_age: 15m
    mode: export
    per_sim_max_calls: 100
    sim_list_refresh: 1h
    export_wait: 1s
  billing:
    enabled: false
    interval: 1h
    timeout: 5m
    max_age: 3h
    per_sim_export: false
    sim_list_refresh: 1h
sims:
  filters: {}
  tag_labels:
    - site
  metrics: per-sim
  session_events:
    enabled: true
    budget: 200
  cell_locations:
    budget: 20
webhook:
  path: /webhook/session
  secret_header: X-Soracom-Exporter-Secret
  rate: 5
  burst: 20
api:
  budget_share: 0.5
`
	if got := c.Redacted(); got != want {
		t.Errorf("Redacted():\n%s\nwant:\n%s", got, want)
	}
	if c.String() != want {
		t.Errorf("String() differs from Redacted()")
	}
}

// TestRedactedRoundTrips checks that the printed configuration is itself a
// valid file meaning the same, so it can be pasted back.
func TestRedactedRoundTrips(t *testing.T) {
	for _, f := range []string{"testdata/valid/full.yml", "../../examples/soracom_exporter.yml"} {
		c := mustLoad(t, f)
		again, err := Parse([]byte(c.Redacted()), f)
		if err != nil {
			t.Fatalf("%s: printed configuration does not parse: %v\n%s", f, err, c.Redacted())
		}
		if again.Redacted() != c.Redacted() {
			t.Errorf("%s: round trip changed the configuration:\n%s\nthen:\n%s", f, c.Redacted(), again.Redacted())
		}
		if strings.Contains(c.Redacted(), "<configuration could not be printed") {
			t.Errorf("%s: printing failed", f)
		}
	}
}
