package soracom

import "time"

// LatestBill is GetLatestBill: the preliminary amount of the current month.
type LatestBill struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
	// LastEvaluatedTime is when SORACOM computed the amount, as
	// yyyyMMddHHmmss (UTC).
	LastEvaluatedTime string `json:"lastEvaluatedTime"`
}

// LastEvaluated parses LastEvaluatedTime; ok is false when it is absent or
// not in the documented form.
func (b *LatestBill) LastEvaluated() (t time.Time, ok bool) {
	t, err := time.ParseInLocation("20060102150405", b.LastEvaluatedTime, time.UTC)
	return t, err == nil
}

// Bill states of MonthlyBill.state.
const (
	BillTemporary = "temporary"
	BillClosed    = "closed"
)

// MonthlyBill is one month of GET /v1/bills (MonthlyBill).
type MonthlyBill struct {
	Amount        float64 `json:"amount"`
	Currency      string  `json:"currency"`
	PaymentStatus string  `json:"paymentStatus"`
	State         string  `json:"state"`
	// YearMonth is yyyyMM.
	YearMonth string `json:"yearMonth"`
}

// billingHistory is GetBillingHistoryResponse.
type billingHistory struct {
	BillList []MonthlyBill `json:"billList"`
}

// BillItemCost is BillItemCostBreakdown.
type BillItemCost struct {
	Amount   float64 `json:"amount"`
	Category string  `json:"billItemCategory"`
	Name     string  `json:"billItemName"`
}

// BillItemsSummary is BillingSummaryResponseOfBillItems: one month's cost
// by bill item.
type BillItemsSummary struct {
	CostBreakdownList []BillItemCost `json:"costBreakdownList"`
	Currency          string         `json:"currency"`
	// UpdatedTime is UNIX seconds.
	UpdatedTime int64  `json:"updatedTime"`
	YearMonth   string `json:"yearMonth"`
}

// SimCost is SimCostBreakdown.
type SimCost struct {
	Amount float64 `json:"amount"`
	SimID  string  `json:"simId"`
}

// SimsSummary is BillingSummaryResponseOfSims: one month's cost of the (at
// most 100) most expensive SIMs.
type SimsSummary struct {
	CostBreakdownList []SimCost `json:"costBreakdownList"`
	Currency          string    `json:"currency"`
	UpdatedTime       int64     `json:"updatedTime"`
	YearMonth         string    `json:"yearMonth"`
}
