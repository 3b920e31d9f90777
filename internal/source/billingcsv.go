package source

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ReadBillingCSVBySIM sums the amount column of a detailed billing CSV
// (exportLatestBilling) per IMSI. Rows without an IMSI (VPG, free tier,
// account-wide items) are left out; discounts are negative amounts and
// count as such. SORACOM leaves out the ID columns of services not used,
// so a file without an imsi column, or with nothing but a byte order mark
// (a month without charges yet), has no per-SIM rows: an empty map, not an
// error.
func ReadBillingCSVBySIM(in io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	t, err := openCSV(in)
	if errors.Is(err, errNoHeader) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if _, ok := t.column["imsi"]; !ok {
		return out, nil
	}
	if err := t.require("amount"); err != nil {
		return nil, err
	}
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		imsi := r.get("imsi")
		if imsi == "" {
			continue
		}
		s := r.get("amount")
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("CSV line %d: amount is not a number: %q", r.line, s)
		}
		out[imsi] += v
	}
}
