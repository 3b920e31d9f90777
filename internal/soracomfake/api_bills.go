package soracomfake

import (
	"bytes"
	"encoding/csv"
	"math"
	"sort"
	"strconv"
	"time"
)

// Bills follow the generated traffic: every active SIM pays a daily basic
// fee for each day of the month begun so far, and a price per byte for its
// recorded traffic. Each SIM's item amounts are rounded to cents, and every
// total is the sum of those rounded amounts, so that the latest bill, the
// bill items, the per-SIM summary and the CSV agree exactly.

type tariff struct {
	currency string
	dailyFee float64
	perByte  float64
}

var tariffs = map[string]tariff{
	CoverageJapan:  {currency: "JPY", dailyFee: 10, perByte: 0.2 / 1e6},
	CoverageGlobal: {currency: "USD", dailyFee: 0.06, perByte: 2.0 / 1e9},
}

const (
	billCategory    = "Air"
	basicFeeItem    = "Basic fee"
	dataFeeItem     = "Data usage fee"
	billClosesAfter = 2 * 24 * time.Hour
	// summaryMonths is what the summaries cover: this month and 3 before.
	summaryMonths = 4
	topSIMs       = 100
)

func cents(v float64) float64 { return math.Round(v*100) / 100 }

// simBill is one SIM's charges in one month, as of the fake clock.
type simBill struct {
	s           *sim
	basic, data float64
	bytes       int64
}

func (b simBill) total() float64 { return cents(b.basic + b.data) }

// monthBills returns every SIM's charges for the month starting at start.
func (f *Fake) monthBills(coverage string, start time.Time) []simBill {
	t := tariffs[coverage]
	m0, m1 := monthBounds(start)
	days := int64(0)
	if f.now > m0 {
		days = ceilDiv(min(f.now, m1)-m0, int64(24*time.Hour/time.Millisecond))
	}
	var out []simBill
	for _, s := range f.fleet(coverage).sims {
		if s.status != "active" {
			continue
		}
		u := f.traffic.recorded(f.traffic.profile(s), m0, m1, f.now)
		b := u.UploadBytes + u.DownloadBytes
		out = append(out, simBill{s: s, basic: cents(float64(days) * t.dailyFee), data: cents(float64(b) * t.perByte), bytes: b})
	}
	return out
}

func sumBills(bills []simBill) (basic, data float64) {
	for _, b := range bills {
		basic += b.basic
		data += b.data
	}
	return cents(basic), cents(data)
}

// summaryMonthStarts returns this month and the three before, newest first.
func (f *Fake) summaryMonthStarts() []time.Time {
	t := time.UnixMilli(f.now).UTC()
	cur := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, summaryMonths)
	for i := range out {
		out[i] = cur.AddDate(0, -i, 0)
	}
	return out
}

// latestBillJSON is GetLatestBill.
type latestBillJSON struct {
	Amount            float64 `json:"amount"`
	Currency          string  `json:"currency"`
	LastEvaluatedTime string  `json:"lastEvaluatedTime"`
}

// handleGetLatestBilling is GET /bills/latest (operationId getLatestBilling).
func handleGetLatestBilling(rq *request) {
	f := rq.f
	f.mu.RLock()
	defer f.mu.RUnlock()
	basic, data := sumBills(f.monthBills(rq.coverage, time.UnixMilli(f.now)))
	rq.ok(latestBillJSON{Amount: cents(basic + data), Currency: tariffs[rq.coverage].currency,
		LastEvaluatedTime: time.UnixMilli(f.now).UTC().Format("20060102150405")})
}

// monthlyBillJSON is MonthlyBill.
type monthlyBillJSON struct {
	Amount        float64 `json:"amount"`
	Currency      string  `json:"currency"`
	PaymentStatus string  `json:"paymentStatus"`
	State         string  `json:"state"`
	YearMonth     string  `json:"yearMonth"`
}

// handleGetBillingHistory is GET /bills (operationId getBillingHistory): the
// finalized months among the three before the current one, newest first. A
// month closes two days after it ends.
func handleGetBillingHistory(rq *request) {
	f := rq.f
	f.mu.RLock()
	defer f.mu.RUnlock()
	list := []monthlyBillJSON{}
	for i, start := range f.summaryMonthStarts()[1:] {
		_, end := monthBounds(start)
		if f.now < end+int64(billClosesAfter/time.Millisecond) {
			continue
		}
		basic, data := sumBills(f.monthBills(rq.coverage, start))
		status := "paid"
		if i == 0 {
			status = "paying"
		}
		list = append(list, monthlyBillJSON{Amount: cents(basic + data), Currency: tariffs[rq.coverage].currency,
			PaymentStatus: status, State: "closed", YearMonth: start.Format("200601")})
	}
	rq.ok(struct {
		BillList []monthlyBillJSON `json:"billList"`
	}{list})
}

type billItemJSON struct {
	Amount           float64 `json:"amount"`
	BillItemCategory string  `json:"billItemCategory"`
	BillItemName     string  `json:"billItemName"`
}

type billItemsSummaryJSON struct {
	CostBreakdownList []billItemJSON `json:"costBreakdownList"`
	Currency          string         `json:"currency"`
	UpdatedTime       int64          `json:"updatedTime"`
	YearMonth         string         `json:"yearMonth"`
}

// handleGetBillItemsSummary is GET /bills/summaries/bill_items (operationId
// getBillingSummaryOfBillItems).
func handleGetBillItemsSummary(rq *request) {
	f := rq.f
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := []billItemsSummaryJSON{}
	for _, start := range f.summaryMonthStarts() {
		basic, data := sumBills(f.monthBills(rq.coverage, start))
		items := []billItemJSON{{basic, billCategory, basicFeeItem}, {data, billCategory, dataFeeItem}}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Amount > items[j].Amount })
		out = append(out, billItemsSummaryJSON{CostBreakdownList: items, Currency: tariffs[rq.coverage].currency,
			UpdatedTime: f.now / 1000, YearMonth: start.Format("200601")})
	}
	rq.ok(out)
}

type simCostJSON struct {
	Amount float64 `json:"amount"`
	SimID  string  `json:"simId"`
}

type simsSummaryJSON struct {
	CostBreakdownList []simCostJSON `json:"costBreakdownList"`
	Currency          string        `json:"currency"`
	UpdatedTime       int64         `json:"updatedTime"`
	YearMonth         string        `json:"yearMonth"`
}

// handleGetSimsSummary is GET /bills/summaries/sims (operationId
// getBillingSummaryOfSims): the 100 most expensive SIMs of each month.
func handleGetSimsSummary(rq *request) {
	f := rq.f
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := []simsSummaryJSON{}
	for _, start := range f.summaryMonthStarts() {
		bills := f.monthBills(rq.coverage, start)
		sort.SliceStable(bills, func(i, j int) bool {
			if a, b := bills[i].total(), bills[j].total(); a != b {
				return a > b
			}
			return bills[i].s.id < bills[j].s.id
		})
		list := []simCostJSON{}
		for _, b := range bills {
			if len(list) == topSIMs || b.total() == 0 {
				break
			}
			list = append(list, simCostJSON{Amount: b.total(), SimID: b.s.id})
		}
		out = append(out, simsSummaryJSON{CostBreakdownList: list, Currency: tariffs[rq.coverage].currency,
			UpdatedTime: f.now / 1000, YearMonth: start.Format("200601")})
	}
	rq.ok(out)
}

// handleExportLatestBilling is POST /bills/latest/export (operationId
// exportLatestBilling): the current month's detailed billing CSV, one row
// per SIM and item, with the tag and group columns.
func handleExportLatestBilling(rq *request) {
	f := rq.f
	f.mu.RLock()
	fl := f.fleet(rq.coverage)
	tagNames := fleetTagNames(fl)
	now := time.UnixMilli(f.now).UTC()
	t := tariffs[rq.coverage]
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	header := append([]string{"imsi", "date", "billItemName", "unitPrice", "quantity", "amount"}, tagNames...)
	_ = w.Write(append(header, "group"))
	date := now.Format("200601")
	fmtAmount := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, b := range f.monthBills(rq.coverage, now) {
		tags := append(tagValues(b.s, tagNames), groupName(fl, b.s))
		imsi := b.s.primary().imsi
		_ = w.Write(append([]string{imsi, date, basicFeeItem, fmtAmount(t.dailyFee), "", fmtAmount(b.basic)}, tags...))
		if b.data > 0 {
			_ = w.Write(append([]string{imsi, date, dataFeeItem, fmtAmount(t.perByte), itoa(b.bytes), fmtAmount(b.data)}, tags...))
		}
	}
	w.Flush()
	f.mu.RUnlock()
	rq.answerExport(buf.Bytes())
}

// Bill is the fake's truth about a coverage's current month.
type Bill struct {
	Currency string             `json:"currency"`
	Amount   float64            `json:"amount"`
	Items    map[string]float64 `json:"items"`
	SIMs     map[string]float64 `json:"sims"`
}

// LatestBill returns the current month's charges of a coverage, per item and
// per SIM, as the billing calls report them.
func (f *Fake) LatestBill(coverage string) Bill {
	f.mu.RLock()
	defer f.mu.RUnlock()
	bills := f.monthBills(coverage, time.UnixMilli(f.now))
	basic, data := sumBills(bills)
	out := Bill{Currency: tariffs[coverage].currency, Amount: cents(basic + data),
		Items: map[string]float64{basicFeeItem: basic, dataFeeItem: data}, SIMs: map[string]float64{}}
	for _, b := range bills {
		out.SIMs[b.s.id] = b.total()
	}
	return out
}
