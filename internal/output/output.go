// Package output serves the exporter's metrics: over HTTP for Prometheus,
// and as a file for node_exporter's textfile collector. Both write the
// store's pre-rendered per-SIM metrics followed by the small self-metrics.
package output

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/soracom-exporter/soracom_exporter/internal/store"
)

// Exposition assembles what a scrape or the textfile contains.
type Exposition struct {
	Store *store.Store
	// Self gathers the self-metrics (soracom_up, soracom_exporter_*).
	Self prometheus.Gatherer
	// Runtime gathers go_* and process_* metrics, served over HTTP only.
	Runtime prometheus.Gatherer
	Now     func() time.Time
}

func (e *Exposition) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// selfText renders the gathered families in the text format. With
// soracomOnly, families not named soracom_* are left out (the textfile must
// not carry the exporter's go_* metrics into node_exporter's output).
func selfText(gatherers []prometheus.Gatherer, soracomOnly bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, g := range gatherers {
		if g == nil {
			continue
		}
		mfs, err := g.Gather()
		if err != nil {
			return nil, err
		}
		for _, mf := range mfs {
			if soracomOnly && !strings.HasPrefix(mf.GetName(), "soracom_") {
				continue
			}
			if err := enc.Encode(mf); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), nil
}

// WriteText writes the whole exposition as plain text.
func (e *Exposition) WriteText(w io.Writer, soracomOnly bool) error {
	gs := []prometheus.Gatherer{e.Self}
	if !soracomOnly {
		gs = append(gs, e.Runtime)
	}
	self, err := selfText(gs, soracomOnly)
	if err != nil {
		return err
	}
	if _, err := e.Store.View(e.now()).WriteTo(w); err != nil {
		return err
	}
	_, err = w.Write(self)
	return err
}
