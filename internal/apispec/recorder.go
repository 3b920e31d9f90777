package apispec

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
)

// bufferedResponse holds a handler's response until it has been validated,
// so a violation is recorded before the client can see the response and a
// test checking Violations right after its call never misses one.
//
// A handler that calls Flush asks for streaming: from then on the response
// goes to the client as it is written, and is validated when the handler
// returns. A handler that hijacks the connection takes it over; its response
// is not validated.
type bufferedResponse struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer

	streaming bool // headers and the buffered body were sent; writes go through
	hijacked  bool
}

func newBufferedResponse(w http.ResponseWriter) *bufferedResponse {
	return &bufferedResponse{w: w, header: http.Header{}}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	// Informational responses are not the response; net/http sends them
	// straight away too.
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		copyHeader(b.w.Header(), b.header)
		b.w.WriteHeader(status)
		return
	}
	if b.status != 0 {
		return
	}
	b.status = status
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.WriteHeader(http.StatusOK)
	}
	b.body.Write(p)
	if b.streaming {
		return b.w.Write(p)
	}
	return len(p), nil
}

// Flush sends what was written so far and switches to streaming.
func (b *bufferedResponse) Flush() {
	if !b.streaming {
		b.sendBuffered()
		b.streaming = true
	}
	if f, ok := b.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (b *bufferedResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := b.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("apispec: the underlying ResponseWriter cannot be hijacked")
	}
	conn, rw, err := h.Hijack()
	if err == nil {
		b.hijacked = true
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the server's writer for the
// features this type does not implement (deadlines).
func (b *bufferedResponse) Unwrap() http.ResponseWriter { return b.w }

// finish delivers whatever the client has not received yet, once the
// handler has returned.
func (b *bufferedResponse) finish() {
	if b.hijacked || b.streaming {
		return
	}
	b.sendBuffered()
}

func (b *bufferedResponse) sendBuffered() {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	copyHeader(b.w.Header(), b.header)
	b.w.WriteHeader(b.status)
	_, _ = b.w.Write(b.body.Bytes())
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}
