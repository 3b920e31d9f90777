package apispec

import (
	"net/http"
	"strings"
)

// Wrap returns next behind v: each request to the API is checked before
// next sees it and each response after next has written it. Neither is
// altered; next receives the body the client sent, and the client receives
// what next wrote, once it has been checked. Paths outside /v1/, such as the
// fake's test controls under /_fake/ and file downloads, pass straight
// through: the definition does not describe them.
//
// If next panics (http.ErrAbortHandler to cut a connection), the panic goes
// on up unchanged and nothing buffered is sent, as if next had written
// nothing yet.
func (v *Validator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPIPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		v.serve(next, w, r)
	})
}

func isAPIPath(path string) bool {
	return strings.HasPrefix(path, apiBasePath+"/")
}

func (v *Validator) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	ex := exchange{method: r.Method, target: r.URL.RequestURI()}

	body, err := readBody(r)
	if err != nil {
		v.addViolation(ex, "request", "reading body: "+err.Error())
		next.ServeHTTP(w, r)
		return
	}

	route, pathParams, err := v.spec.router.FindRoute(routingRequest(r))
	if err != nil {
		v.addViolation(ex, "request", "no operation of the definition matches: "+err.Error())
		next.ServeHTTP(w, r)
		return
	}
	ex.operationID = route.Operation.OperationID
	v.countOperation(ex.operationID)

	for _, problem := range validateRequest(r, body, route, pathParams) {
		v.addViolation(ex, "request", problem)
	}

	rec := newBufferedResponse(w)
	next.ServeHTTP(rec, r)
	if rec.hijacked {
		return
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	for _, problem := range validateResponse(r, route, pathParams, rec.status, rec.header, rec.body.Bytes(), v.malformedAllowed()) {
		v.addViolation(ex, describeStatus(rec.status), problem)
	}
	rec.finish()
}

// routingRequest is r as the router needs it: its URL reduced to path and
// query, so the definition's relative server "/v1" matches whatever host
// and port the test server listens on.
func routingRequest(r *http.Request) *http.Request {
	u := *r.URL
	u.Scheme, u.Host, u.User = "", "", nil
	routed := r.WithContext(r.Context())
	routed.URL = &u
	return routed
}
