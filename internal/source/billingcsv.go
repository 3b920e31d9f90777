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
// count as such.
func ReadBillingCSVBySIM(in io.Reader) (map[string]float64, error) {
	t, err := openCSV(in)
	if err != nil {
		return nil, err
	}
	if err := t.require("imsi", "amount"); err != nil {
		return nil, err
	}
	out := map[string]float64{}
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
