package soracomfake

import (
	"net/url"
	"strings"
)

// apiPrefix is the version prefix of every API path; endpoints handed to
// clients are base URLs without it.
const apiPrefix = "/v1"

// route is one operation of the definition the fake serves. template is the
// path as written in the definition (without /v1); it names the operation
// in counters, rate limits and faults.
type route struct {
	method   string
	template string
	segments []string
	handle   func(*request)
}

// unmatchedTemplate names requests that matched no route.
const unmatchedTemplate = "(unmatched)"

func newRoute(method, template string, handle func(*request)) route {
	return route{method: method, template: template, segments: strings.Split(strings.Trim(template, "/"), "/"), handle: handle}
}

// routes lists the operations, with their operationId.
var routes = []route{
	newRoute("POST", "/auth", handleAuth),                                               // auth
	newRoute("GET", "/sims", handleListSims),                                            // listSims
	newRoute("GET", "/sims/{sim_id}", handleGetSim),                                     // getSim
	newRoute("GET", "/sims/{sim_id}/events/sessions", handleListSessionEvents),          // listSimSessionEvents
	newRoute("GET", "/subscribers", handleListSubscribers),                              // listSubscribers
	newRoute("GET", "/subscribers/{imsi}", handleGetSubscriber),                         // getSubscriber
	newRoute("GET", "/groups", handleListGroups),                                        // listGroups
	newRoute("GET", "/query/sims", handleSearchSims),                                    // searchSims
	newRoute("GET", "/cell_locations", handleGetCellLocation),                           // getCellLocation
	newRoute("POST", "/stats/air/operators/{operator_id}/export", handleExportAirStats), // exportAirStats
	newRoute("GET", "/stats/air/sims/{sim_id}", handleGetAirStatsOfSim),                 // getAirStatsOfSim
	newRoute("GET", "/files/exported/{exported_file_id}", handleGetExportedFile),        // getExportedFile
	newRoute("GET", "/bills", handleGetBillingHistory),                                  // getBillingHistory
	newRoute("GET", "/bills/latest", handleGetLatestBilling),                            // getLatestBilling
	newRoute("POST", "/bills/latest/export", handleExportLatestBilling),                 // exportLatestBilling
	newRoute("GET", "/bills/summaries/bill_items", handleGetBillItemsSummary),           // getBillingSummaryOfBillItems
	newRoute("GET", "/bills/summaries/sims", handleGetSimsSummary),                      // getBillingSummaryOfSims
}

// match finds the route of a request. It returns the route whose path
// matches even when the method does not (methodOK false), so that counters
// can still name the operation.
func match(method, escapedPath string) (rt *route, params map[string]string, methodOK bool) {
	rest, ok := strings.CutPrefix(escapedPath, apiPrefix+"/")
	if !ok {
		return nil, nil, false
	}
	segs := strings.Split(rest, "/")
	for i := range routes {
		p, ok := matchSegments(routes[i].segments, segs)
		if !ok {
			continue
		}
		if routes[i].method == method {
			return &routes[i], p, true
		}
		rt, params = &routes[i], p
	}
	return rt, params, false
}

func matchSegments(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(t, "{}")] = v
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return params, true
}
