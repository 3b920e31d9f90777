package soracomfake

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Handler returns the API host of one coverage ("jp" or "g"). Every handler
// of a Fake serves the same operator with the same credentials, but each
// coverage has its own SIMs, groups, tokens and rate limits, as the real
// Japan and Global hosts do. Paths under /_fake/ are the control API.
// Asking for a coverage the Fake does not serve panics.
func (f *Fake) Handler(coverage string) http.Handler {
	f.fleet(coverage) // panics on an unknown coverage
	f.handlersMu.Lock()
	defer f.handlersMu.Unlock()
	h, ok := f.handlers[coverage]
	if !ok {
		h = &apiHandler{f: f, coverage: coverage}
		f.handlers[coverage] = h
	}
	return h
}

type apiHandler struct {
	f        *Fake
	coverage string
}

// request is one API request on its way through the pipeline.
type request struct {
	f        *Fake
	coverage string
	w        http.ResponseWriter
	r        *http.Request
	template string
	params   map[string]string
}

// ServeHTTP runs the pipeline: control API; else route, injected faults,
// authentication, rate limit, operation; every API request is counted.
func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := h.f
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		f.serveControl(w, r, h.coverage)
		return
	}
	if strings.HasPrefix(r.URL.Path, filesPrefix) {
		f.serveFile(w, r)
		return
	}
	rt, params, methodOK := match(r.Method, r.URL.EscapedPath())
	template := unmatchedTemplate
	if rt != nil {
		template = rt.template
	}
	rec := &statusRecorder{ResponseWriter: w}
	rq := &request{f: f, coverage: h.coverage, w: rec, r: r, template: template, params: params}
	outcome := f.faults.before(rq)
	if outcome == faultDropped {
		f.counters.add(h.coverage, r.Method, template, statusDropped)
		return
	}
	defer func() { f.counters.add(h.coverage, r.Method, template, rec.status) }()
	if outcome == faultAnswered {
		return
	}
	switch {
	case rt == nil:
		rq.fail(http.StatusNotFound, codeNotFound, "no such API path")
	case !methodOK:
		rec.Header().Set("Allow", rt.method)
		rq.fail(http.StatusMethodNotAllowed, codeBadMethod, "method not allowed on this path")
	case rt.template == "/auth":
		if !f.limits.admit(rq, "ip:"+clientIP(r)) {
			return
		}
		rt.handle(rq)
	default:
		// A 401 carries the operator's current rate-limit state too.
		f.limits.peek(bucketKey{h.coverage, operatorSubject(f), template}).setHeaders(rec.Header())
		if !f.auth.authenticate(rq) {
			return
		}
		if !f.limits.admit(rq, operatorSubject(f)) {
			return
		}
		rt.handle(rq)
	}
}

func operatorSubject(f *Fake) string { return "operator:" + f.opts.OperatorID }

// statusDropped is the status counted for a connection closed unanswered.
const statusDropped = 0

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ok answers 200 with v as JSON. The body is marshalled here, for the one
// page served, never for the whole fleet.
func (rq *request) ok(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		rq.fail(http.StatusInternalServerError, codeServerError, "could not encode the response")
		return
	}
	body = rq.f.faults.mangle(rq, body)
	rq.write(http.StatusOK, body)
}

// fail answers with a SORACOM error body.
func (rq *request) fail(status int, code, message string) {
	body, _ := json.Marshal(errorJSON{Code: code, Message: message})
	rq.write(status, body)
}

func (rq *request) write(status int, body []byte) {
	h := rq.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(body)
}

// statusRecorder remembers the status written, for the counters.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
