package soracom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Observer receives one event per HTTP attempt, per authentication and per
// item of an answer that could not be decoded, so the exporter can count
// them without the client knowing about Prometheus. Implementations must be
// safe for concurrent use and fast.
type Observer interface {
	ObserveRequest(RequestEvent)
	ObserveAuth(result string)
	// ObserveDecodeError is called once per item skipped because it did
	// not decode (one SIM of a page), and once per answer of a single
	// object that did not; operation is the route template.
	ObserveDecodeError(operation string)
}

// RequestEvent describes one HTTP attempt.
type RequestEvent struct {
	// Operation is the route template ("/sims/{sim_id}"), never the raw
	// path, so it stays a bounded label.
	Operation string
	Method    string
	// StatusCode is 0 when no answer came (timeout, dropped connection).
	StatusCode int
	Duration   time.Duration
	// Retry is true for every attempt after the first of one call.
	Retry     bool
	RateLimit RateLimit
}

// Auth results passed to Observer.ObserveAuth.
const (
	AuthSuccess = "success"
	// AuthRejected means the API refused the credentials (401/403): retrying
	// will not help until someone fixes them.
	AuthRejected = "rejected"
	AuthError    = "error"
)

type nopObserver struct{}

func (nopObserver) ObserveRequest(RequestEvent) {}
func (nopObserver) ObserveAuth(string)          {}
func (nopObserver) ObserveDecodeError(string)   {}

// Options configure a Client. Zero values take the documented defaults.
type Options struct {
	// Endpoint is the API base URL without /v1, e.g. https://api.soracom.io.
	Endpoint    string
	Credentials Credentials
	// HTTPClient is used for every request; its Timeout should be zero, as
	// the client applies RequestTimeout per attempt.
	HTTPClient *http.Client
	// RequestTimeout bounds one HTTP attempt, body included (default 30s).
	RequestTimeout time.Duration
	// MaxAttempts bounds the attempts of one call after 5xx and transport
	// errors (default 4).
	MaxAttempts int
	// MaxRetryTime bounds the time spent retrying one call (default 2m).
	MaxRetryTime time.Duration
	// RetryBaseDelay and RetryMaxDelay shape the jittered exponential
	// backoff (defaults 500ms and 10s).
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// Max429Waits bounds how often one call waits out a 429 (default 3).
	Max429Waits int
	// TokenTimeout is the token lifetime asked for (tokenTimeoutSeconds,
	// default 24h; SORACOM issues tokens of 180 s to 48 h, and values
	// outside are brought within).
	TokenTimeout time.Duration
	Observer     Observer
	Logger       *slog.Logger
	UserAgent    string
	// Clock is the time the client waits and renews tokens by (default:
	// the real clock).
	Clock Clock
}

// Token lifetimes SORACOM issues (tokenTimeoutSeconds).
const (
	MinTokenTimeout = 180 * time.Second
	MaxTokenTimeout = 48 * time.Hour
)

// noHintWait is how long a call waits after a 429 that tells nothing about
// when to try again, when no earlier answer told when the window refreshes:
// SORACOM says to wait "up to one minute".
const noHintWait = time.Minute

// Client talks to one SORACOM API host (one coverage) as one operator. It is
// safe for concurrent use; concurrent calls share one token.
type Client struct {
	base     string
	creds    Credentials
	http     *http.Client
	opts     Options
	obs      Observer
	log      *slog.Logger
	clock    Clock
	auth     authState
	limiters sync.Map // operation -> *opLimiter
	budgets  *limiterPool
	// denied remembers the operations whose 403 was logged at warning
	// level, so a missing permission is named once, not on every poll.
	denied sync.Map
	// undecodable remembers the items already logged as undecodable.
	undecodable logOnce
}

// New returns a Client. It does not contact the API: the first call
// authenticates.
func New(opts Options) (*Client, error) {
	base, err := NormalizeEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := opts.Credentials.Validate(); err != nil {
		return nil, err
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: defaultTransport()}
	}
	setDefault(&opts.RequestTimeout, 30*time.Second)
	setDefault(&opts.MaxAttempts, 4)
	setDefault(&opts.MaxRetryTime, 2*time.Minute)
	setDefault(&opts.RetryBaseDelay, 500*time.Millisecond)
	setDefault(&opts.RetryMaxDelay, 10*time.Second)
	setDefault(&opts.Max429Waits, 3)
	setDefault(&opts.TokenTimeout, 24*time.Hour)
	opts.TokenTimeout = min(max(opts.TokenTimeout, MinTokenTimeout), MaxTokenTimeout)
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "soracom_exporter"
	}
	c := &Client{
		base:    base + "/v1",
		creds:   opts.Credentials,
		http:    opts.HTTPClient,
		opts:    opts,
		obs:     opts.Observer,
		log:     opts.Logger,
		clock:   opts.Clock,
		budgets: newLimiterPool(),
	}
	c.auth.sem = make(chan struct{}, 1)
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 8
	t.ResponseHeaderTimeout = 30 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// Endpoint returns the API base URL this client talks to (with /v1).
func (c *Client) Endpoint() string { return c.base }

// Now is the time on the client's clock (Options.Clock), the one its
// waits run on.
func (c *Client) Now() time.Time { return c.clock.Now() }

// OperatorID returns the operator ID learned from the last authentication
// ("" before the first).
func (c *Client) OperatorID() string {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	return c.auth.operatorID
}

// request is one logical API call; do turns it into one or more attempts.
type request struct {
	method string
	// op is the route template after /v1, used for metrics, limits and
	// errors; path is the same with its parameters filled in and escaped.
	op, path string
	query    url.Values
	body     []byte
	// idempotent calls are retried after 5xx and transport errors.
	idempotent bool
	// noAuth skips the API key and token headers (only POST /auth).
	noAuth bool
}

// do sends req and returns the 2xx response, whose body the caller must
// close. It authenticates, paces by the rate limit, renews the token once on
// 401, waits out 429s and retries 5xx and transport errors of idempotent
// calls, each within its bounds. A 403 is final: the credentials lack a
// permission, and a new token would not have it either.
func (c *Client) do(ctx context.Context, req request) (*http.Response, error) {
	start := c.clock.Now()
	lim := c.limiter(req.op)
	attempts, waits429 := 0, 0
	reauthed := false
	var last429 error
	for try := 0; ; try++ {
		var tok token
		if !req.noAuth {
			var err error
			if tok, err = c.token(ctx); err != nil {
				return nil, err
			}
		}
		if err := c.paceWork(ctx, req); err != nil {
			return nil, err
		}
		if err := c.pace(ctx, req, lim, last429); err != nil {
			return nil, err
		}
		attempts++
		resp, err := c.send(ctx, req, tok, try > 0, lim)
		var retryIn time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !req.idempotent {
				return nil, err
			}
			retryIn = c.backoff(attempts)
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			c.denied.Delete(req.op)
			return resp, nil
		default:
			apiErr := readAPIError(req, resp)
			switch code := resp.StatusCode; {
			case code == http.StatusUnauthorized && !req.noAuth && !reauthed:
				// The token expired or was revoked early: one fresh
				// authentication, then the same call again. A second
				// refusal is final.
				reauthed = true
				c.invalidate(tok)
				c.log.Debug("token refused, authenticating again", "operation", req.op, "status", code)
				continue
			case code == http.StatusForbidden && !req.noAuth:
				c.logDenied(req, apiErr)
				return nil, apiErr
			case code == http.StatusTooManyRequests:
				if waits429 >= c.opts.Max429Waits {
					return nil, apiErr
				}
				waits429++
				now := c.clock.Now()
				wait := c.wait429(resp.Header, lim, now)
				lim.exhausted(wait, now)
				last429 = apiErr
				c.log.Info("API rate limit reached, waiting for the refresh", "operation", req.op, "wait", wait)
				continue // the limiter now holds the call until the refresh
			case code >= 500 && req.idempotent:
				retryIn = c.backoff(attempts)
				err = apiErr
			default:
				return nil, apiErr
			}
		}
		if attempts >= c.opts.MaxAttempts || c.clock.Now().Sub(start)+retryIn > c.opts.MaxRetryTime {
			return nil, fmt.Errorf("giving up after %d attempts: %w", attempts, err)
		}
		c.log.Debug("retrying API call", "operation", req.op, "attempt", attempts, "in", retryIn, "err", err)
		if err := c.clock.Sleep(ctx, retryIn); err != nil {
			return nil, err
		}
	}
}

// pace waits as long as the limiter asks. A wait that would end after the
// call's deadline is not started: the call fails at once, with the 429 that
// caused the wait when there was one.
func (c *Client) pace(ctx context.Context, req request, lim *opLimiter, last429 error) error {
	d := lim.delay(c.clock.Now())
	if d <= 0 {
		return ctx.Err()
	}
	if beyondDeadline(ctx, d) {
		if last429 != nil {
			return fmt.Errorf("%w; the rate-limit window refreshes in %v, after this call's deadline", last429, d.Round(time.Second))
		}
		return fmt.Errorf("soracom: %s %s: the rate-limit budget is spent for %v, longer than this call may wait: %w",
			req.method, req.op, d.Round(time.Second), context.DeadlineExceeded)
	}
	return c.clock.Sleep(ctx, d)
}

// wait429 decides how long to wait after a 429: what the answer says
// (Retry-After, else the rate-limit headers), else until the refresh an
// earlier answer announced, else a minute. SORACOM does not promise the
// headers on a 429.
func (c *Client) wait429(h http.Header, lim *opLimiter, now time.Time) time.Duration {
	wait, ok := retryAfter(h, now)
	if !ok {
		if rl := parseRateLimit(h); rl.Present {
			wait, ok = rl.Refresh, true
		}
	}
	if !ok {
		if wait, ok = lim.refreshIn(now); !ok {
			wait = noHintWait
		}
	}
	return min(max(wait, time.Second), noHintWait+5*time.Second)
}

// logDenied names a permission the credentials lack: at warning level the
// first time for an operation (and again after it once succeeded), at debug
// level after that, so that a poll every minute does not flood the log.
// soracom_exporter_api_requests_total{code="403"} counts every one.
func (c *Client) logDenied(req request, err *APIError) {
	level := slog.LevelDebug
	if _, seen := c.denied.LoadOrStore(req.op, true); !seen {
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "permission denied: the credentials' SAM policy does not allow this call; "+
		"it will not be retried with a new token", "operation", req.method+" "+req.op, "code", err.Code, "message", err.Message)
}

// send makes one HTTP attempt. The attempt's timeout covers reading the body,
// so it is released when the body is closed.
func (c *Client) send(ctx context.Context, req request, tok token, retry bool, lim *opLimiter) (*http.Response, error) {
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, u, body)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("soracom: %s %s: %w", req.method, req.op, err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.opts.UserAgent)
	// Error messages in English whatever the account's language, so logs
	// read the same everywhere.
	hreq.Header.Set("X-Soracom-Lang", "en")
	if req.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if !req.noAuth {
		hreq.Header.Set("X-Soracom-API-Key", tok.apiKey)
		hreq.Header.Set("X-Soracom-Token", tok.token.Reveal())
	}
	began := time.Now()
	resp, err := c.http.Do(hreq)
	ev := RequestEvent{Operation: req.op, Method: req.method, Duration: time.Since(began), Retry: retry}
	if err != nil {
		cancel()
		c.obs.ObserveRequest(ev)
		return nil, &transportError{method: req.method, op: req.op, err: err}
	}
	ev.StatusCode = resp.StatusCode
	ev.RateLimit = parseRateLimit(resp.Header)
	lim.observe(ev.RateLimit, c.clock.Now())
	c.obs.ObserveRequest(ev)
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// transportError hides the request URL that net/http puts into its errors:
// the URL holds nothing secret today, but a query parameter may one day.
type transportError struct {
	method, op string
	err        error
}

func (e *transportError) Error() string {
	msg := e.err.Error()
	var ue *url.Error
	if errors.As(e.err, &ue) {
		msg = ue.Err.Error()
	}
	return fmt.Sprintf("soracom: %s %s: %s", e.method, e.op, msg)
}

func (e *transportError) Unwrap() error { return e.err }

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func readAPIError(req request, resp *http.Response) *APIError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return parseAPIError(req.method, req.op, resp.StatusCode, body)
}

// backoff returns a full-jitter exponential delay for the given attempt.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.RetryBaseDelay << min(attempt-1, 16)
	d = min(d, c.opts.RetryMaxDelay)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (c *Client) limiter(op string) *opLimiter {
	if l, ok := c.limiters.Load(op); ok {
		return l.(*opLimiter)
	}
	mine := c.budgets.newOp()
	l, loaded := c.limiters.LoadOrStore(op, mine)
	if loaded { // another caller created it first
		c.budgets.drop(mine)
	}
	return l.(*opLimiter)
}

// getJSON performs an idempotent GET and decodes the JSON answer into out.
func (c *Client) getJSON(ctx context.Context, op, path string, query url.Values, out any) error {
	for attempt := 1; ; attempt++ {
		resp, err := c.do(ctx, request{method: http.MethodGet, op: op, path: path, query: query, idempotent: true})
		if err != nil {
			return err
		}
		err = json.NewDecoder(resp.Body).Decode(out)
		_ = resp.Body.Close()
		if err == nil {
			return nil
		}
		// A cut or garbled body is usually a transient fault of the path
		// between here and the API: ask again, within the attempt budget.
		// JSON of the wrong shape would come back the same: count it and
		// give up at once.
		if !isSyntaxError(err) {
			c.obs.ObserveDecodeError(op)
			return &MalformedResponseError{Method: http.MethodGet, Operation: op, Err: err}
		}
		if ctx.Err() != nil || attempt >= c.opts.MaxAttempts {
			return &MalformedResponseError{Method: http.MethodGet, Operation: op, Err: err}
		}
		if err := c.clock.Sleep(ctx, c.backoff(attempt)); err != nil {
			return err
		}
	}
}

// pathEscape fills a route parameter.
func pathEscape(s string) string { return url.PathEscape(strings.TrimSpace(s)) }
