package e2e

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// TestDashboardsDecodeStrictlyWithGrafanasSchema decodes every shipped
// dashboard with the Grafana Foundation SDK's strict decoder, panel options
// and queries included: a field Grafana's schema does not know, a wrong type
// or a missing required field fails.
func TestDashboardsDecodeStrictlyWithGrafanasSchema(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	files, err := filepath.Glob(contribPath(t, "grafana", "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("want the fleet and SIM dashboards in contrib/grafana, found %v (%v)", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1019 the shipped dashboards are the classic JSON model that Grafana imports, not the v2 schema
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict(b); failed(err) {
			t.Errorf("%s does not decode strictly with Grafana's schema:\n%v", filepath.Base(f), err)
		}
	}
}

// TestStrictDecodingCatchesUnknownFields shows the check above can fail:
// the fleet dashboard with one misspelt panel option does not decode.
func TestStrictDecodingCatchesUnknownFields(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	b, err := os.ReadFile(contribPath(t, "grafana", "soracom-fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(b, []byte(`"showHeader": true`), []byte(`"showHeaders": true`), 1)
	if bytes.Equal(bad, b) {
		t.Fatal("the fleet dashboard has no table to misspell an option of")
	}
	//lint:ignore SA1019 as above: the classic dashboard model
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(bad); !failed(err) || !strings.Contains(err.Error(), "showHeaders") {
		t.Errorf("a misspelt option decodes: %v", err)
	}
}

// failed tells a decoding error from the empty list of errors the SDK's
// decoder returns on success.
func failed(err error) bool {
	var list cog.BuildErrors
	if errors.As(err, &list) {
		return len(list) > 0
	}
	return err != nil
}
