package soracomfake

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
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
		h = f.newMux(coverage)
		f.handlers[coverage] = h
	}
	return h
}

// request is one API request on its way through the pipeline.
type request struct {
	f        *Fake
	coverage string
	w        http.ResponseWriter
	r        *http.Request
	template string
}

// param returns a path parameter of the route, unescaped.
func (rq *request) param(name string) string { return rq.r.PathValue(name) }

// pipeline wraps one route: injected faults, then (for operations)
// authentication, permission and rate limit, then the operation; every
// request is counted under the route's template.
func (f *Fake) pipeline(coverage string, rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		rq := &request{f: f, coverage: coverage, w: rec, r: r, template: rt.template}
		outcome := f.faults.before(rq)
		if outcome == faultDropped {
			return // counted by before
		}
		defer func() { f.counters.add(coverage, r.Method, rt.template, rec.status) }()
		switch {
		case outcome == faultAnswered:
			return
		case rt.method == "": // 404 and 405 need no credentials
		case rt.template == "/auth":
			if !f.limits.admit(rq, "ip:"+clientIP(r)) {
				return
			}
		default:
			// A 401 carries the operator's current rate-limit state too.
			f.limits.peek(f.limits.key(coverage, operatorSubject(f), rt.template)).setHeaders(rec.Header())
			if !f.auth.authenticate(rq) || !f.permits(rq, rt.operationID) || !f.limits.admit(rq, operatorSubject(f)) {
				return
			}
		}
		rt.handle(rq)
	})
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
