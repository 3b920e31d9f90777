package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSecretHeader is the header that carries the shared secret.
const DefaultSecretHeader = "X-Soracom-Exporter-Secret"

// Options configure the webhook.
type Options struct {
	// Secret is the shared secret the caller must send; required.
	Secret string
	// SecretHeader names the header carrying it (DefaultSecretHeader).
	SecretHeader string
	// Rate is the accepted calls per second on average (default 5) and
	// Burst how many may come at once (default 20); calls beyond get 429.
	Rate  float64
	Burst int
	// Queue is how many SIMs may wait for a refresh (default 100); when
	// full, calls get 429.
	Queue int
	// RefreshTimeout bounds one refresh (default 30s).
	RefreshTimeout time.Duration
	// Refresh re-reads the SIMs and updates their metrics. Calls that
	// queue up while a refresh runs are handed over together (at most
	// MaxBatch), so that a burst costs one re-render, not one per call.
	Refresh func(ctx context.Context, batch []Notification) error
	Logger  *slog.Logger
	// Registerer receives the webhook's self-metrics; may be nil.
	Registerer prometheus.Registerer
}

// Handler is the webhook endpoint. Run must be running for accepted calls
// to be acted on.
type Handler struct {
	opts    Options
	log     *slog.Logger
	bucket  *tokenBucket
	queue   chan job
	mu      sync.Mutex
	pending map[string]bool
	// unknownLogged are the unknown body fields already logged, so that
	// each is logged once.
	unknownLogged map[string]bool
	lastValid     time.Time

	requests  *prometheus.CounterVec
	refreshes *prometheus.CounterVec
	latency   prometheus.Histogram
	lastCall  prometheus.Gauge
}

// New checks the options and returns the handler.
func New(opts Options) (*Handler, error) {
	if opts.Secret == "" {
		return nil, errors.New("webhook: a shared secret is required")
	}
	if opts.Refresh == nil {
		return nil, errors.New("webhook: no refresh function")
	}
	if opts.SecretHeader == "" {
		opts.SecretHeader = DefaultSecretHeader
	}
	if opts.Rate <= 0 {
		opts.Rate = 5
	}
	if opts.Burst <= 0 {
		opts.Burst = 20
	}
	if opts.Queue <= 0 {
		opts.Queue = 100
	}
	if opts.RefreshTimeout <= 0 {
		opts.RefreshTimeout = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		opts:    opts,
		log:     log,
		bucket:  newTokenBucket(opts.Rate, opts.Burst, time.Now),
		queue:   make(chan job, opts.Queue),
		pending: map[string]bool{},

		unknownLogged: map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_webhook_requests_total",
			Help: "Webhook calls by answer: accepted, merged (SIM already queued), unauthorized, bad_request, rate_limited, method_not_allowed.",
		}, []string{"result"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "soracom_exporter_webhook_refreshes_total",
			Help: "SIM refreshes the webhook triggered, by result (success, error; a failed batch counts each of its SIMs).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "soracom_exporter_webhook_refresh_duration_seconds",
			Help:    "Time from a webhook call being accepted to the SIM's metrics being updated.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		lastCall: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "soracom_exporter_webhook_last_valid_call_timestamp_seconds",
			Help: "When the webhook last received a call with the right secret and a valid body; 0 while none came since start (an Event Handler that never fires: see the README's prerequisites).",
		}),
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{h.requests, h.refreshes, h.latency, h.lastCall} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// maxLoggedUnknown bounds the distinct unknown field names logged.
const maxLoggedUnknown = 32

// LastValidCall returns when the webhook last received a call with the
// right secret and a valid body; the zero time if none came since start.
func (h *Handler) LastValidCall() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastValid
}

// job is a queued refresh and when its call was accepted.
type job struct {
	n  Notification
	at time.Time
}

// ServeHTTP checks the call and queues the refresh.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	got := r.Header.Get(h.opts.SecretHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.opts.Secret)) != 1 {
		h.answer(w, http.StatusUnauthorized, "unauthorized", "missing or wrong "+h.opts.SecretHeader+" header")
		return
	}
	n, unknown, err := decodeNotification(http.MaxBytesReader(w, r.Body, MaxBodyBytes+1))
	if err != nil {
		h.answer(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	now := time.Now()
	h.lastCall.Set(float64(now.UnixNano()) / 1e9)
	h.mu.Lock()
	h.lastValid = now
	for _, f := range unknown {
		if !h.unknownLogged[f] && len(h.unknownLogged) < maxLoggedUnknown {
			h.unknownLogged[f] = true
			h.log.Info("webhook body field ignored: only imsi, simId and event are read", "field", f)
		}
	}
	if h.pending[n.key()] {
		h.mu.Unlock()
		h.answer(w, http.StatusAccepted, "merged", "a refresh of this SIM is already queued")
		return
	}
	if !h.bucket.allow() {
		h.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		h.answer(w, http.StatusTooManyRequests, "rate_limited", "too many calls; try again later")
		return
	}
	select {
	case h.queue <- job{n, time.Now()}:
		h.pending[n.key()] = true
		h.mu.Unlock()
		h.answer(w, http.StatusAccepted, "accepted", "refresh queued")
	default:
		h.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		h.answer(w, http.StatusTooManyRequests, "rate_limited", "the refresh queue is full; try again later")
	}
}

func (h *Handler) answer(w http.ResponseWriter, status int, result, message string) {
	h.requests.WithLabelValues(result).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Result  string `json:"result"`
		Message string `json:"message"`
	}{result, message})
}

// MaxBatch is the most SIMs handed to one Refresh call.
const MaxBatch = 50

// Run refreshes queued SIMs until ctx ends: one batch at a time, made of
// everything queued when the previous batch ended.
func (h *Handler) Run(ctx context.Context) {
	for {
		var batch []job
		select {
		case <-ctx.Done():
			return
		case j := <-h.queue:
			batch = append(batch, j)
		}
	drain:
		for len(batch) < MaxBatch {
			select {
			case j := <-h.queue:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		h.mu.Lock()
		for _, j := range batch {
			delete(h.pending, j.n.key())
		}
		h.mu.Unlock()
		h.refresh(ctx, batch)
	}
}

func (h *Handler) refresh(ctx context.Context, batch []job) {
	ns := make([]Notification, len(batch))
	for i, j := range batch {
		ns[i] = j.n
	}
	rctx, cancel := context.WithTimeout(ctx, h.opts.RefreshTimeout)
	defer cancel()
	if err := h.opts.Refresh(rctx, ns); err != nil {
		h.refreshes.WithLabelValues("error").Add(float64(len(batch)))
		h.log.Warn("webhook refresh failed; the next poll will catch up", "sims", len(batch), "err", err)
		return
	}
	h.refreshes.WithLabelValues("success").Add(float64(len(batch)))
	for _, j := range batch {
		h.latency.Observe(time.Since(j.at).Seconds())
	}
	h.log.Debug("webhook refresh done", "sims", len(batch))
}
