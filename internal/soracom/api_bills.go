package soracom

import (
	"context"
	"net/http"
)

// GetLatestBilling returns the preliminary amount of the current month
// (GET /v1/bills/latest, operationId getLatestBilling).
func (c *Client) GetLatestBilling(ctx context.Context) (*LatestBill, error) {
	var out LatestBill
	if err := c.getJSON(ctx, "/bills/latest", "/bills/latest", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetBillingHistory returns the finalized past months (GET /v1/bills,
// operationId getBillingHistory).
func (c *Client) GetBillingHistory(ctx context.Context) ([]MonthlyBill, error) {
	var out billingHistory
	if err := c.getJSON(ctx, "/bills", "/bills", nil, &out); err != nil {
		return nil, err
	}
	return out.BillList, nil
}

// GetBillingSummaryOfBillItems returns the cost by bill item of the last
// four months, newest first (GET /v1/bills/summaries/bill_items,
// operationId getBillingSummaryOfBillItems).
func (c *Client) GetBillingSummaryOfBillItems(ctx context.Context) ([]BillItemsSummary, error) {
	var out []BillItemsSummary
	if err := c.getJSON(ctx, "/bills/summaries/bill_items", "/bills/summaries/bill_items", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetBillingSummaryOfSims returns the cost of the 100 most expensive SIMs
// of the last four months, newest first (GET /v1/bills/summaries/sims,
// operationId getBillingSummaryOfSims).
func (c *Client) GetBillingSummaryOfSims(ctx context.Context) ([]SimsSummary, error) {
	var out []SimsSummary
	if err := c.getJSON(ctx, "/bills/summaries/sims", "/bills/summaries/sims", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExportLatestBilling asks for the current month's detailed billing CSV
// (POST /v1/bills/latest/export with export_mode=async, operationId
// exportLatestBilling); follow it with WaitExportedFile.
func (c *Client) ExportLatestBilling(ctx context.Context) (*FileExport, error) {
	var out FileExport
	err := c.sendJSON(ctx, request{method: http.MethodPost, op: "/bills/latest/export", path: "/bills/latest/export",
		query: asyncExport(), idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
