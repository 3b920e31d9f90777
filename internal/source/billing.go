package source

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// BillingName is the name of the billing source.
const BillingName = "billing"

var (
	famBillAmount = exposition.NewFamily("soracom_bill_amount",
		"Preliminary amount of the current UTC month's bill of the coverage (GET /v1/bills/latest), in its currency.",
		exposition.Gauge, "operator_id", "coverage", "currency")
	famBillEvaluated = exposition.NewFamily("soracom_bill_last_evaluated_timestamp_seconds",
		"When SORACOM last computed the current month's amount (lastEvaluatedTime).",
		exposition.Gauge, "operator_id", "coverage")
	famBillPrevious = exposition.NewFamily("soracom_bill_previous_month_amount",
		"Final amount of the previous UTC month's bill, present once SORACOM has closed it (usually within three business days).",
		exposition.Gauge, "operator_id", "coverage", "currency", "year_month")
	famBillPreviousInfo = exposition.NewFamily("soracom_bill_previous_month_info",
		"State and payment status of the previous UTC month's bill once it is closed; always 1.",
		exposition.Gauge, "operator_id", "coverage", "year_month", "state", "payment_status")
	famBillItem = exposition.NewFamily("soracom_bill_item_amount",
		"Cost of the current UTC month by bill item, without tax (GET /v1/bills/summaries/bill_items).",
		exposition.Gauge, "operator_id", "coverage", "category", "item", "currency")
	famSimBill = exposition.NewFamily("soracom_sim_bill_amount",
		"Cost of the SIM in the current UTC month, without tax. By default only the 100 most expensive SIMs of the coverage (GET /v1/bills/summaries/sims); every SIM when the billing CSV export is enabled.",
		exposition.Gauge, "sim_id", "currency")
)

// BillingOptions configure the billing source. Zero values take the
// configuration's defaults.
type BillingOptions struct {
	// PerSIMExport reads every SIM's cost from the detailed billing CSV
	// (exportLatestBilling) instead of the top-100 summary.
	PerSIMExport bool
	// SIMListRefresh: see AirOptions (default 1h).
	SIMListRefresh time.Duration
	// ExportFirstPoll: see AirOptions (default 1s).
	ExportFirstPoll time.Duration
	// Now is the clock that picks the current month (default time.Now).
	Now func() time.Time
}

// Billing reports the bill of the current and the previous month.
type Billing struct {
	opts BillingOptions
	dir  *simDirectory
}

// newBillingSource builds the billing source from its validated section.
func newBillingSource(c config.BillingSettings, _ Env) Source {
	return NewBilling(BillingOptions{PerSIMExport: c.PerSIMExport, SIMListRefresh: time.Duration(c.SIMListRefresh)})
}

// NewBilling returns the billing source.
func NewBilling(opts BillingOptions) *Billing {
	if opts.SIMListRefresh <= 0 {
		opts.SIMListRefresh = time.Duration(config.Template().Sources.Billing.SIMListRefresh)
	}
	if opts.ExportFirstPoll <= 0 {
		opts.ExportFirstPoll = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Billing{opts: opts, dir: newSIMDirectory(opts.SIMListRefresh)}
}

// Name implements Source.
func (s *Billing) Name() string { return BillingName }

// Poll implements Source: getLatestBilling, getBillingHistory,
// getBillingSummaryOfBillItems, and getBillingSummaryOfSims or the billing
// CSV export.
func (s *Billing) Poll(ctx context.Context, t Target) (*poll.Result, error) {
	now := s.opts.Now().UTC()
	month := monthStart(now)
	latest, err := t.Client.GetLatestBilling(ctx)
	if err != nil {
		return nil, err
	}
	operatorID := t.Client.OperatorID()
	cov := string(t.Coverage)
	b := exposition.NewBuilder()
	b.Add(famBillAmount, latest.Amount, operatorID, cov, latest.Currency)
	if at, ok := latest.LastEvaluated(); ok {
		b.Add(famBillEvaluated, float64(at.Unix()), operatorID, cov)
	}

	history, err := t.Client.GetBillingHistory(ctx)
	if err != nil {
		return nil, err
	}
	previous := month.AddDate(0, -1, 0).Format("200601")
	for _, m := range history {
		if m.YearMonth == previous && m.State == soracom.BillClosed {
			b.Add(famBillPrevious, m.Amount, operatorID, cov, cmp.Or(m.Currency, latest.Currency), m.YearMonth)
			b.Add(famBillPreviousInfo, 1, operatorID, cov, m.YearMonth, m.State, m.PaymentStatus)
			break
		}
	}

	current := month.Format("200601")
	items, err := t.Client.GetBillingSummaryOfBillItems(ctx)
	if err != nil {
		return nil, err
	}
	for _, sum := range items {
		if sum.YearMonth != current {
			continue
		}
		// One series per item: the same name listed twice is added up.
		type itemKey struct{ category, name string }
		amounts := map[itemKey]float64{}
		for _, it := range sum.CostBreakdownList {
			amounts[itemKey{it.Category, it.Name}] += it.Amount
		}
		for _, k := range slices.SortedFunc(maps.Keys(amounts), func(a, b itemKey) int {
			return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.name, b.name))
		}) {
			b.Add(famBillItem, amounts[k], operatorID, cov, k.category, k.name, cmp.Or(sum.Currency, latest.Currency))
		}
		break
	}

	perSIM, currency, err := s.simCosts(ctx, t, now, current)
	if err != nil {
		return nil, err
	}
	currency = cmp.Or(currency, latest.Currency)
	for _, id := range slices.Sorted(maps.Keys(perSIM)) {
		b.Add(famSimBill, perSIM[id], id, currency)
	}
	return &poll.Result{OperatorID: operatorID, Items: len(perSIM), Families: b.Build(), ListedAt: now}, nil
}

// simCosts returns the current month's cost per SIM ID.
func (s *Billing) simCosts(ctx context.Context, t Target, now time.Time, current string) (map[string]float64, string, error) {
	out := map[string]float64{}
	if !s.opts.PerSIMExport {
		sums, err := t.Client.GetBillingSummaryOfSims(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, sum := range sums {
			if sum.YearMonth != current {
				continue
			}
			for _, c := range sum.CostBreakdownList {
				out[c.SimID] += c.Amount
			}
			return out, sum.Currency, nil
		}
		return out, "", nil
	}
	idx, err := s.dir.get(ctx, t, now, nil)
	if err != nil {
		return nil, "", err
	}
	exp, err := t.Client.ExportLatestBilling(ctx)
	if err != nil {
		return nil, "", err
	}
	url, err := t.Client.WaitExportedFile(ctx, exp, s.opts.ExportFirstPoll)
	if err != nil {
		return nil, "", err
	}
	body, err := t.Client.DownloadExportedFile(ctx, url)
	if err != nil {
		return nil, "", err
	}
	defer body.Close()
	byIMSI, err := ReadBillingCSVBySIM(body)
	if err != nil {
		return nil, "", fmt.Errorf("billing file: %w", err)
	}
	for imsi, amount := range byIMSI {
		// IMSIs of SIMs not listed (yet) cannot be named by SIM ID.
		if ref, ok := idx.byIMSI[imsi]; ok {
			out[ref.simID] += amount
		}
	}
	return out, "", nil
}
