package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
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

// famSimBillRead says how old soracom_sim_bill_amount is: the per-SIM
// part of a poll may fail (or its export still be processing) while the
// bill itself was read, and then the previous per-SIM costs are served.
var famSimBillRead = exposition.NewFamily("soracom_sim_bill_last_read_timestamp_seconds",
	"When the per-SIM costs (soracom_sim_bill_amount) were last read; older than the bill when their part of a poll failed or their export is still processing.",
	exposition.Gauge, "operator_id", "coverage")

// maxEvaluatedAhead is how far in the future lastEvaluatedTime may be
// before it is not trusted: the definition gives its format but not its
// time zone, so a value read as UTC that lies ahead was written in another
// zone (Japan's, 9 hours ahead, would be the likely one).
const maxEvaluatedAhead = 10 * time.Minute

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
	opts    BillingOptions
	dir     *simDirectory
	exports *exportTracker
	log     *slog.Logger

	mu    sync.Mutex
	costs map[accountCoverage]*simCosts
}

// simCosts is a target's last successful read of the per-SIM costs.
type simCosts struct {
	month    string
	read     time.Time
	bySIM    map[string]float64
	currency string
}

// newBillingSource builds the billing source from its validated section.
func newBillingSource(c config.BillingSettings, env Env) Source {
	return newBilling(env, BillingOptions{PerSIMExport: c.PerSIMExport, SIMListRefresh: time.Duration(c.SIMListRefresh)})
}

// NewBilling returns the billing source.
func NewBilling(opts BillingOptions) *Billing { return newBilling(Env{}, opts) }

func newBilling(env Env, opts BillingOptions) *Billing {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SIMListRefresh <= 0 {
		opts.SIMListRefresh = time.Duration(config.Template().Sources.Billing.SIMListRefresh)
	}
	if opts.ExportFirstPoll <= 0 {
		opts.ExportFirstPoll = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Billing{opts: opts, dir: newSIMDirectory(opts.SIMListRefresh), log: env.Logger,
		exports: newExportTracker(BillingName, opts.ExportFirstPoll, env), costs: map[accountCoverage]*simCosts{}}
}

// Name implements Source.
func (s *Billing) Name() string { return BillingName }

// Poll implements Source: getLatestBilling, getBillingHistory,
// getBillingSummaryOfBillItems, and getBillingSummaryOfSims or the billing
// CSV export. The per-SIM part never fails the poll: when it fails, the
// bill and its items are still served, with the previous per-SIM costs.
func (s *Billing) Poll(ctx context.Context, t Target) (*poll.Result, error) {
	now := s.opts.Now().UTC()
	month := monthStart(now)
	latest, err := t.Client.GetLatestBilling(ctx)
	if err != nil {
		return nil, err
	}
	operatorID := t.Client.OperatorID()
	cov := string(t.Coverage)
	log := s.log.With("account", t.Account, "coverage", cov)
	b := exposition.NewBuilder()
	b.Add(famBillAmount, latest.Amount, operatorID, cov, latest.Currency)
	if at, ok := latest.LastEvaluated(); !ok && latest.LastEvaluatedTime != "" {
		log.Warn("lastEvaluatedTime is not yyyyMMddHHmmss; soracom_bill_last_evaluated_timestamp_seconds left out", "value", latest.LastEvaluatedTime)
	} else if ok && at.After(now.Add(maxEvaluatedAhead)) {
		log.Warn("lastEvaluatedTime read as UTC lies in the future (its time zone is not documented); soracom_bill_last_evaluated_timestamp_seconds left out",
			"value", latest.LastEvaluatedTime, "ahead", at.Sub(now).Round(time.Minute))
	} else if ok {
		b.Add(famBillEvaluated, float64(at.Unix()), operatorID, cov)
	}

	history, err := t.Client.GetBillingHistory(ctx)
	if err != nil {
		return nil, err
	}
	previous := month.AddDate(0, -1, 0).Format("200601")
	for _, m := range history {
		if ym := yearMonth(log, "GET /v1/bills", m.YearMonth); ym == previous && m.State == soracom.BillClosed {
			b.Add(famBillPrevious, m.Amount, operatorID, cov, cmp.Or(m.Currency, latest.Currency), ym)
			b.Add(famBillPreviousInfo, 1, operatorID, cov, ym, m.State, m.PaymentStatus)
			break
		}
	}

	current := month.Format("200601")
	items, err := t.Client.GetBillingSummaryOfBillItems(ctx)
	if err != nil {
		return nil, err
	}
	for _, sum := range items {
		if yearMonth(log, "GET /v1/bills/summaries/bill_items", sum.YearMonth) != current {
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

	costs := s.perSIM(ctx, t, log, now, current)
	n := 0
	if costs != nil {
		currency := cmp.Or(costs.currency, latest.Currency)
		for _, id := range slices.Sorted(maps.Keys(costs.bySIM)) {
			b.Add(famSimBill, costs.bySIM[id], id, currency)
		}
		b.Add(famSimBillRead, float64(costs.read.Unix()), operatorID, cov)
		n = len(costs.bySIM)
	}
	return &poll.Result{OperatorID: operatorID, Items: n, Families: b.Build(), ListedAt: now}, nil
}

// perSIM reads the per-SIM costs, or returns the target's last read of
// this month when that fails (nil if there is none).
func (s *Billing) perSIM(ctx context.Context, t Target, log *slog.Logger, now time.Time, current string) *simCosts {
	bySIM, currency, err := s.simCosts(ctx, t, log, now, current)
	k := keyOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		c := &simCosts{month: current, read: now, bySIM: bySIM, currency: currency}
		s.costs[k] = c
		return c
	}
	prev := s.costs[k]
	if prev != nil && prev.month != current {
		delete(s.costs, k)
		prev = nil
	}
	var pending *ExportPendingError
	if errors.As(err, &pending) {
		log.Info("per-SIM costs not refreshed: the billing export is still processing", "exported_file_id", pending.ExportedFileID,
			"age", pending.Age.Round(time.Second))
	} else {
		log.Warn("per-SIM costs not refreshed; the bill and its items are served, with the previous per-SIM costs", "err", err)
	}
	return prev
}

// yearMonth returns a summary's or bill's month as yyyyMM. The definition
// gives that format for MonthlyBill only; the summaries' yearMonth is just
// "Year and month", so other spellings (2025-11, 2025/11) are read by their
// digits, and a value that still is not a month is logged, not dropped
// silently.
func yearMonth(log *slog.Logger, operation, v string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	if len(d) == 5 { // 2025-1
		d = d[:4] + "0" + d[4:]
	}
	if len(d) == 6 && d[4:] >= "01" && d[4:] <= "12" {
		return d
	}
	log.Warn("yearMonth is not a month; that entry is left out", "operation", operation, "value", v)
	return ""
}

// simCosts returns the current month's cost per SIM ID.
func (s *Billing) simCosts(ctx context.Context, t Target, log *slog.Logger, now time.Time, current string) (map[string]float64, string, error) {
	out := map[string]float64{}
	if !s.opts.PerSIMExport {
		sums, err := t.Client.GetBillingSummaryOfSims(ctx)
		if err != nil {
			return nil, "", err
		}
		for _, sum := range sums {
			if yearMonth(log, "GET /v1/bills/summaries/sims", sum.YearMonth) != current {
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
	body, err := s.exports.fetch(ctx, t, current, t.Client.ExportLatestBilling)
	if err != nil {
		return nil, "", err
	}
	defer body.Close()
	byIMSI, err := ReadBillingCSVBySIM(body)
	if err != nil {
		return nil, "", fmt.Errorf("billing file: %w", err)
	}
	unknown := 0
	for imsi, amount := range byIMSI {
		// IMSIs of SIMs not listed (yet) cannot be named by SIM ID.
		if ref, ok := idx.byIMSI[imsi]; ok {
			out[ref.simID] += amount
		} else {
			unknown++
		}
	}
	if unknown > 0 {
		log.Debug("billing file rows of IMSIs not in the SIM listing left out until the next listing", "imsis", unknown)
	}
	return out, "", nil
}
