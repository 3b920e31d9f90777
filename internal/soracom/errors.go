package soracom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APIError is a non-2xx answer of the SORACOM API. Code and Message come from
// the body ({"code":"AUM0001","message":"..."}) when it has one; the body may
// also be empty or not JSON at all (proxies, load balancers), and then only
// the status is known.
type APIError struct {
	Method     string
	Operation  string
	StatusCode int
	Code       string
	Message    string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soracom: %s %s: HTTP %d", e.Method, e.Operation, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.StatusCode == http.StatusForbidden {
		b.WriteString(" (the permissions of these credentials, their SAM policy, do not allow this call)")
	}
	return b.String()
}

// Temporary reports whether retrying later may succeed.
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// IsStatus reports whether err is an APIError with the given HTTP status.
func IsStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}

// maxErrorBody bounds how much of an error body is read: a misbehaving proxy
// can answer with megabytes of HTML.
const maxErrorBody = 16 << 10

// parseAPIError builds an APIError from an error response body. It accepts
// the body SORACOM sends ({"code","message"}), the spec's APICallError shape
// ({"errorMessage":{"code","message"},"httpStatus"}), and anything else.
func parseAPIError(method, op string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Operation: op, StatusCode: status}
	var flat struct {
		Code         string `json:"code"`
		Message      string `json:"message"`
		ErrorMessage *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errorMessage"`
	}
	if json.Unmarshal(body, &flat) == nil {
		e.Code, e.Message = flat.Code, flat.Message
		if e.Code == "" && flat.ErrorMessage != nil {
			e.Code, e.Message = flat.ErrorMessage.Code, flat.ErrorMessage.Message
		}
	}
	e.Code = clip(e.Code, 32)
	e.Message = clip(e.Message, 300)
	return e
}

// clip shortens s to at most n bytes on a rune boundary and flattens line
// breaks, so a hostile message cannot forge extra log lines.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// MalformedResponseError is a 2xx answer whose body could not be decoded.
type MalformedResponseError struct {
	Method    string
	Operation string
	Err       error
}

func (e *MalformedResponseError) Error() string {
	return fmt.Sprintf("soracom: %s %s: malformed response: %v", e.Method, e.Operation, e.Err)
}

func (e *MalformedResponseError) Unwrap() error { return e.Err }
