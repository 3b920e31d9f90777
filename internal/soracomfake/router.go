package soracomfake

import (
	"net/http"
	"slices"
	"strings"
)

// apiPrefix is the version prefix of every API path; endpoints handed to
// clients are base URLs without it.
const apiPrefix = "/v1"

// route is one operation of the definition the fake serves. template is the
// path as written in the definition (without /v1); it names the operation
// in counters, rate limits and faults. operationID is the definition's name
// for it, which SAM permissions use ("Sim:getSim").
type route struct {
	method      string
	template    string
	operationID string
	handle      func(*request)
}

// unmatchedTemplate names requests that matched no route.
const unmatchedTemplate = "(unmatched)"

// routes lists the operations: what the exporter calls, nothing more.
var routes = []route{
	{"POST", "/auth", "auth", handleAuth},
	{"GET", "/sims", "listSims", handleListSims},
	{"GET", "/sims/{sim_id}", "getSim", handleGetSim},
	{"GET", "/sims/{sim_id}/events/sessions", "listSimSessionEvents", handleListSessionEvents},
	{"GET", "/subscribers/{imsi}", "getSubscriber", handleGetSubscriber},
	{"GET", "/groups", "listGroups", handleListGroups},
	{"GET", "/cell_locations", "getCellLocation", handleGetCellLocation},
	{"POST", "/stats/air/operators/{operator_id}/export", "exportAirStats", handleExportAirStats},
	{"GET", "/stats/air/sims/{sim_id}", "getAirStatsOfSim", handleGetAirStatsOfSim},
	{"GET", "/files/exported/{exported_file_id}", "getExportedFile", handleGetExportedFile},
	{"GET", "/bills", "getBillingHistory", handleGetBillingHistory},
	{"GET", "/bills/latest", "getLatestBilling", handleGetLatestBilling},
	{"POST", "/bills/latest/export", "exportLatestBilling", handleExportLatestBilling},
	{"GET", "/bills/summaries/bill_items", "getBillingSummaryOfBillItems", handleGetBillItemsSummary},
	{"GET", "/bills/summaries/sims", "getBillingSummaryOfSims", handleGetSimsSummary},
}

// OperationIDs lists the operationIds the fake serves, in the order of its
// route table.
func OperationIDs() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.operationID
	}
	return out
}

// PathTemplates lists the path templates the fake serves, without /v1
// ("/sims/{sim_id}"), in the order of its route table: the names its
// counters and rate limits use.
func PathTemplates() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.template
	}
	return out
}

func knownOperation(id string) bool {
	return slices.ContainsFunc(routes, func(rt route) bool { return rt.operationID == id })
}

// newMux routes one coverage's host: the control API under /_fake/,
// exported files under /_files/, and the API operations under /v1/. A path
// the definition knows asked with another method gets 405, any other path
// 404; both are counted, as the real API gateway answers them too.
func (f *Fake) newMux(coverage string) *http.ServeMux {
	mux := http.NewServeMux()
	f.registerControl(mux, coverage)
	mux.HandleFunc(filesPrefix, f.serveFile)
	methods := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+apiPrefix+rt.template, f.pipeline(coverage, rt))
		methods[rt.template] = append(methods[rt.template], rt.method)
	}
	for tmpl, allowed := range methods {
		mux.Handle(apiPrefix+tmpl, f.pipeline(coverage, route{template: tmpl, handle: func(rq *request) {
			rq.w.Header().Set("Allow", strings.Join(allowed, ", "))
			rq.fail(http.StatusMethodNotAllowed, codeBadMethod, "method not allowed on this path")
		}}))
	}
	mux.Handle("/", f.pipeline(coverage, route{template: unmatchedTemplate, handle: func(rq *request) {
		rq.fail(http.StatusNotFound, codeNotFound, "no such API path")
	}}))
	return mux
}
