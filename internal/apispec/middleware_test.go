package apispec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTrafficPassesThroughUnchanged(t *testing.T) {
	const requestBody = `{"authKeyId":"keyId-1","authKey":"secret-1"}`
	const responseBody = `{"apiKey":"api-1","operatorId":"OP0012345678","token":"tok-1"}`
	var handlerSaw string
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("handler reading body: %v", err)
		}
		handlerSaw = string(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Soracom-Ratelimit-Limit", "60")
		w.Header().Set("X-Soracom-Ratelimit-Remaining", "59")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, responseBody[:10])
		_, _ = io.WriteString(w, responseBody[10:])
	}))

	resp, body := call(t, srv, http.MethodPost, "/v1/auth", nil, requestBody)

	Require(t, v)
	// The handler gets the client's bytes: not consumed by validation, and
	// without the definition's default "tokenTimeoutSeconds": 86400.
	if handlerSaw != requestBody {
		t.Errorf("handler saw body %q, want %q", handlerSaw, requestBody)
	}
	if resp.StatusCode != http.StatusOK || body != responseBody {
		t.Errorf("client got %d %q, want 200 %q", resp.StatusCode, body, responseBody)
	}
	if got := resp.Header.Get("X-Soracom-Ratelimit-Remaining"); got != "59" {
		t.Errorf("X-Soracom-Ratelimit-Remaining = %q, want 59", got)
	}
}

func TestStatusAndHeadersOfErrorsPassThrough(t *testing.T) {
	const errorBody = `{"code":"COM0001","message":"Rate limit exceeded."}`
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Soracom-Ratelimit-Seconds-Before-Refresh", "17")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, errorBody)
	}))

	resp, body := call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	Require(t, v)
	if resp.StatusCode != http.StatusTooManyRequests || body != errorBody {
		t.Errorf("client got %d %q, want 429 %q", resp.StatusCode, body, errorBody)
	}
	if got := resp.Header.Get("X-Soracom-Ratelimit-Seconds-Before-Refresh"); got != "17" {
		t.Errorf("X-Soracom-Ratelimit-Seconds-Before-Refresh = %q, want 17", got)
	}
}

func TestHandlerWritingNothingAnswersOK(t *testing.T) {
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	resp, body := call(t, srv, http.MethodPost, "/v1/auth/logout", credentials, "")

	Require(t, v)
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Errorf("client got %d %q, want 200 and no body", resp.StatusCode, body)
	}
}

func TestPathsOutsideTheAPIAreNotChecked(t *testing.T) {
	for _, target := range []string{"/_fake/anything?whatever=1", "/download/x.csv", "/"} {
		t.Run(target, func(t *testing.T) {
			v := New()
			srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"not":"in the definition"`)
			}))

			resp, body := call(t, srv, http.MethodPost, target, nil, `{"anything":1}`)

			Require(t, v)
			if resp.StatusCode != http.StatusOK || body != `{"not":"in the definition"` {
				t.Errorf("client got %d %q", resp.StatusCode, body)
			}
			if ops := v.Operations(); len(ops) != 0 {
				t.Errorf("Operations() = %v, want none", ops)
			}
		})
	}
}

func TestFlushedResponseIsStreamedAndStillChecked(t *testing.T) {
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"simId":"1",`)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		_, _ = io.WriteString(w, `"simID":"1"}]`)
	}))

	resp, body := call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	if resp.StatusCode != http.StatusOK || body != `[{"simId":"1","simID":"1"}]` {
		t.Errorf("client got %d %q", resp.StatusCode, body)
	}
	requireViolation(t, v, "listSims", "response 200", "simID")
}

func TestHijackedConnectionIsNotChecked(t *testing.T) {
	v := New()
	srv := serve(t, v, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\nnotjson")
		_ = rw.Flush()
	}))

	resp, body := call(t, srv, http.MethodGet, "/v1/sims", credentials, "")

	if resp.StatusCode != http.StatusOK || body != "notjson" {
		t.Errorf("client got %d %q", resp.StatusCode, body)
	}
	Require(t, v)
	if got := v.Operations()["listSims"]; got != 1 {
		t.Errorf("Operations()[listSims] = %d, want 1", got)
	}
}

// firstWriteSpy is the server side of a connection that notes what the
// validator had recorded when the response first reached it.
type firstWriteSpy struct {
	http.ResponseWriter
	v          *Validator
	seen       bool
	violations []string
}

func (s *firstWriteSpy) note() {
	if !s.seen {
		s.seen = true
		s.violations = s.v.Violations()
	}
}

func (s *firstWriteSpy) WriteHeader(status int) {
	s.note()
	s.ResponseWriter.WriteHeader(status)
}

func (s *firstWriteSpy) Write(p []byte) (int, error) {
	s.note()
	return s.ResponseWriter.Write(p)
}

// TestResponseReachesClientOnlyAfterValidation checks that a violation is
// already recorded when the first byte of the response leaves, so tests may
// read Violations right after their call returns.
func TestResponseReachesClientOnlyAfterValidation(t *testing.T) {
	v := New()
	handler := v.Wrap(respondJSON(http.StatusOK, `[{"foo":1}]`))
	spy := &firstWriteSpy{ResponseWriter: httptest.NewRecorder(), v: v}
	req := httptest.NewRequest(http.MethodGet, "/v1/sims", nil)
	for k, val := range credentials {
		req.Header.Set(k, val)
	}

	handler.ServeHTTP(spy, req)

	if !spy.seen {
		t.Fatal("no response was written")
	}
	if len(spy.violations) != 1 || !strings.Contains(spy.violations[0], `"foo"`) {
		t.Errorf("violations when the response left: %q, want one about \"foo\"", spy.violations)
	}
}
