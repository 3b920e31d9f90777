package soracom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/apispec"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

const jp = soracomfake.CoverageJapan

// env is a fake SORACOM API on loopback, held to the official spec, with a
// client pointed at its Japan host. Both run on one stepClock: the client's
// waits take no real time, and the fake's tokens and rate-limit windows see
// them pass.
type env struct {
	clock  *stepClock
	fake   *soracomfake.Fake
	srv    *httptest.Server
	spec   *apispec.Validator
	client *soracom.Client
	logs   *syncBuffer
	tokens *tokenRecorder
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tokenRecorder remembers every API token the client sent, so that tests can
// check that none of them reached a log line or an error.
type tokenRecorder struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (r *tokenRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if tok := req.Header.Get("X-Soracom-Token"); tok != "" {
			r.mu.Lock()
			r.tokens[tok] = true
			r.mu.Unlock()
		}
		next.ServeHTTP(w, req)
	})
}

func (r *tokenRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for t := range r.tokens {
		out = append(out, t)
	}
	return out
}

func newEnv(t *testing.T, fo soracomfake.Options, adjust func(*soracom.Options)) *env {
	t.Helper()
	if fo.Seed == 0 {
		fo.Seed = 42
	}
	clock := newStepClock()
	fo.WallClock = clock.Now
	e := &env{clock: clock, fake: soracomfake.New(fo), spec: apispec.New(), logs: &syncBuffer{}, tokens: &tokenRecorder{tokens: map[string]bool{}}}
	e.srv = httptest.NewServer(e.tokens.wrap(e.spec.Wrap(e.fake.Handler(jp))))
	t.Cleanup(e.srv.Close)
	cr := e.fake.Credentials()
	opts := soracom.Options{
		Endpoint:       e.srv.URL,
		Credentials:    soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)},
		RetryBaseDelay: 5 * time.Millisecond,
		RetryMaxDelay:  20 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:          clock,
	}
	if adjust != nil {
		adjust(&opts)
	}
	c, err := soracom.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	t.Cleanup(func() {
		apispec.Require(t, e.spec)
		e.requireNoSecrets(t, e.logs.String())
	})
	return e
}

// requireNoSecrets fails if text holds the AuthKey secret, a password or any
// token the client used.
func (e *env) requireNoSecrets(t *testing.T, text string) {
	t.Helper()
	cr := e.fake.Credentials()
	secrets := append(e.tokens.all(), cr.AuthKey, cr.Password, cr.UserPassword)
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret (%d chars) appears in logs or errors", len(s))
		}
	}
}

func (e *env) listAll(t *testing.T, ctx context.Context) ([]string, error) {
	t.Helper()
	var ids []string
	err := e.client.ListSims(ctx, func(s *soracom.Sim) error {
		ids = append(ids, s.SimID)
		return nil
	})
	return ids, err
}

func requireSameSet(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("SIM %s listed %d times", id, n)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			t.Errorf("SIM %s missing from the listing", id)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d SIMs, the fleet has %d", len(got), len(want))
	}
}

func TestListsWholeFleetThroughShortPages(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 500, Coverages: []string{jp}}, nil)
	ids, err := e.listAll(t, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp))
	pages := e.fake.Calls(jp, http.MethodGet, "/sims")
	// Uneven pages: more than ceil(500/100) pages, which proves the client
	// went on past short pages.
	if pages <= 5 {
		t.Fatalf("only %d pages: the fake's uneven pages were not exercised", pages)
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("%d auth calls, want 1", a)
	}
}

func TestTokenIsReusedAcrossCalls(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 250, Coverages: []string{jp}}, nil)
	for range 3 {
		if _, err := e.listAll(t, context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("%d auth calls for three listings, want 1", a)
	}
}

func TestTokenIsRenewedBeforeItExpires(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 10, Coverages: []string{jp}}, func(o *soracom.Options) {
		o.TokenTimeout = 3 * time.Minute // the shortest SORACOM issues: renewed after 2 minutes
	})
	if _, err := e.listAll(t, context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(119 * time.Second)
	if _, err := e.listAll(t, context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("%d auth calls before the renewal time, want 1", a)
	}
	e.clock.Advance(2 * time.Second)
	if _, err := e.listAll(t, context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 2 {
		t.Fatalf("%d auth calls, want 2 (one renewal)", a)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusUnauthorized); n != 0 {
		t.Fatalf("%d calls were refused: the token was not renewed in time", n)
	}
}

func TestTokenLifetimeIsWithinWhatSORACOMIssues(t *testing.T) {
	for _, c := range []struct{ asked, sent time.Duration }{
		{time.Second, 180 * time.Second}, {0, 86400 * time.Second}, {72 * time.Hour, 172800 * time.Second},
	} {
		var got map[string]any
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewDecoder(r.Body).Decode(&got)
			if r.Header.Get("X-Soracom-Lang") != "en" {
				t.Errorf("X-Soracom-Lang %q", r.Header.Get("X-Soracom-Lang"))
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"apiKey":"k","token":"t","operatorId":"OP1"}`)
		}))
		c2, err := soracom.New(soracom.Options{Endpoint: srv.URL, TokenTimeout: c.asked,
			Credentials: soracom.Credentials{AuthKeyID: "keyId-x", AuthKey: "secret-x"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c2.GetSim(context.Background(), "x"); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		if got["tokenTimeoutSeconds"] != c.sent.Seconds() {
			t.Errorf("asked %v: sent tokenTimeoutSeconds %v, want %v", c.asked, got["tokenTimeoutSeconds"], c.sent.Seconds())
		}
	}
}

func TestReauthenticatesWhenTokenExpiresMidListing(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 250, Coverages: []string{jp}}, nil)
	var ids []string
	expired := false
	err := e.client.ListSims(context.Background(), func(s *soracom.Sim) error {
		ids = append(ids, s.SimID)
		if len(ids) == 120 && !expired {
			expired = true
			e.fake.ExpireTokens() // the next page is asked for with a dead token
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp))
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 2 {
		t.Fatalf("%d auth calls, want 2", a)
	}
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusUnauthorized); n != 1 {
		t.Fatalf("%d refused calls, want exactly 1", n)
	}
}

func TestConcurrentCallersShareOneAuthentication(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 20, Coverages: []string{jp}}, nil)
	ids := e.fake.SimIDs(jp)
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Go(func() {
			if _, err := e.client.GetSim(context.Background(), id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("%d concurrent callers caused %d authentications, want 1", len(ids), a)
	}
}

func TestStaysUnderRateLimitAndRecoversFrom429(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 400, Coverages: []string{jp},
		RateLimitPerMinute: map[string]int{"/sims": 4}, RateLimitWindow: time.Second}, nil)
	ids, err := e.listAll(t, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp))
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusTooManyRequests); n != 0 {
		t.Fatalf("the client overran the limit %d times instead of slowing down", n)
	}

	// A 429 the client could not foresee (another tool spent the budget).
	if err := e.fake.SetFaults(soracomfake.Faults{RateLimitNext: 1}); err != nil {
		t.Fatal(err)
	}
	ids, err = e.listAll(t, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp))
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusTooManyRequests); n != 1 {
		t.Fatalf("%d answers were 429, want exactly the injected one", n)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 150, Coverages: []string{jp}}, nil)
	if _, err := e.listAll(t, context.Background()); err != nil { // authenticate first
		t.Fatal(err)
	}
	e.fake.ResetCounters()
	if err := e.fake.SetFaults(soracomfake.Faults{FailNext: 2, FailStatus: 502, Path: "/sims"}); err != nil {
		t.Fatal(err)
	}
	ids, err := e.listAll(t, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp))
	if n := e.fake.CallsWithStatus(jp, http.MethodGet, "/sims", http.StatusBadGateway); n != 2 {
		t.Fatalf("%d 502s, want 2", n)
	}
}

func TestMalformedAndDroppedAnswersAreRetried(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 250, Coverages: []string{jp}}, nil)
	e.spec.AllowMalformed(true)
	if _, err := e.listAll(t, context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.SetFaults(soracomfake.Faults{TruncateNext: 1, DropNext: 1, Path: "/sims"}); err != nil {
		t.Fatal(err)
	}
	ids, err := e.listAll(t, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	requireSameSet(t, ids, e.fake.SimIDs(jp)) // no SIM twice although a page was read twice
}

func TestAlwaysFailingServerGivesUpAfterBoundedCalls(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 10, Coverages: []string{jp}}, nil)
	if _, err := e.listAll(t, context.Background()); err != nil {
		t.Fatal(err)
	}
	e.fake.ResetCounters()
	if err := e.fake.SetFaults(soracomfake.Faults{AlwaysFail: true}); err != nil {
		t.Fatal(err)
	}
	_, err := e.listAll(t, context.Background())
	if err == nil || !soracom.IsStatus(err, http.StatusServiceUnavailable) {
		t.Fatalf("got %v, want a 503 error", err)
	}
	if n := e.fake.TotalCalls(); n != 4 {
		t.Fatalf("%d calls to a dead server, want 4 (the attempt bound)", n)
	}
	e.requireNoSecrets(t, err.Error())
}

func TestCancellationStopsAWaitingCall(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 10, Coverages: []string{jp}}, nil)
	if err := e.fake.SetFaults(soracomfake.Faults{Latency: time.Minute}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := e.listAll(t, ctx); done <- err }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the call ignored cancellation")
	}
	_ = e.fake.SetFaults(soracomfake.Faults{})
}

func TestRejectedCredentials(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 10, Coverages: []string{jp}}, nil)
	cr := e.fake.Credentials()
	bad, err := soracom.New(soracom.Options{Endpoint: e.srv.URL,
		Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey + "-wrong")},
		Logger:      slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.GetSim(context.Background(), "x")
	if !errors.Is(err, soracom.ErrAuthRejected) || !soracom.IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), cr.AuthKey) {
		t.Fatal("the secret is in the error")
	}
	if a := e.fake.Calls(jp, http.MethodPost, "/auth"); a != 1 {
		t.Fatalf("rejected credentials were tried %d times; retrying cannot help", a)
	}
}

func TestOtherCredentialKinds(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 5, Coverages: []string{jp}}, nil)
	cr := e.fake.Credentials()
	for _, c := range []soracom.Credentials{
		{Email: cr.Email, Password: soracom.Secret(cr.Password)},
		{OperatorID: cr.OperatorID, UserName: cr.UserName, Password: soracom.Secret(cr.UserPassword)},
	} {
		cl, err := soracom.New(soracom.Options{Endpoint: e.srv.URL, Credentials: c})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.GetSim(context.Background(), e.fake.SimIDs(jp)[0]); err != nil {
			t.Fatalf("%s: %v", c.Kind(), err)
		}
		if cl.OperatorID() != e.fake.OperatorID() {
			t.Fatalf("%s: operator %q", c.Kind(), cl.OperatorID())
		}
	}
}

func TestSubscribersAndGroups(t *testing.T) {
	e := newEnv(t, soracomfake.Options{SIMs: 120, Coverages: []string{jp}}, nil)
	e.fake.Advance(2 * time.Hour)
	ctx := context.Background()
	groups := 0
	if err := e.client.ListGroups(ctx, func(g *soracom.Group) error {
		groups++
		if g.GroupID == "" {
			t.Error("group without ID")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if groups == 0 {
		t.Fatal("no groups")
	}
	registered := 0
	for _, st := range e.fake.SIMs(jp) {
		sub, err := e.client.GetSubscriber(ctx, st.IMSI)
		if err != nil || sub.SimID != st.SIMID {
			t.Fatalf("GetSubscriber: %+v %v", sub, err)
		}
		if r := sub.LocationRegistrationStatus; r != nil && (r.EPS != nil || r.CS != nil) {
			registered++
		}
	}
	if registered == 0 {
		t.Fatal("no subscriber carries locationRegistrationStatus")
	}
	if _, err := e.client.GetSim(ctx, "nonexistent"); !soracom.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("unknown SIM: %v", err)
	}
}

// TestTenThousandSimsCostOneAuthPlusOneCallPerPage is the cost promise of the
// client: listing a fleet costs one authentication and one call per page.
func TestTenThousandSimsCostOneAuthPlusOneCallPerPage(t *testing.T) {
	fake := soracomfake.New(soracomfake.Options{Seed: 3, SIMs: 10_000, Coverages: []string{jp}})
	srv := httptest.NewServer(fake.Handler(jp))
	defer srv.Close()
	cr := fake.Credentials()
	c, err := soracom.New(soracom.Options{Endpoint: srv.URL, Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	if err != nil {
		t.Fatal(err)
	}
	pagesSeen := 0
	n := 0
	if err := c.ListSims(context.Background(), func(*soracom.Sim) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	pagesSeen = fake.Calls(jp, http.MethodGet, "/sims")
	if n != 10_000 {
		t.Fatalf("listed %d SIMs", n)
	}
	if total := fake.TotalCalls(); total != 1+pagesSeen {
		t.Fatalf("%d calls for %d pages: want exactly 1 auth + 1 per page", total, pagesSeen)
	}
	t.Logf("10,000 SIMs: %d calls (1 auth + %d pages)", fake.TotalCalls(), pagesSeen)
}

// BenchmarkListSims10k lists a 10,000-SIM fleet from the fake API over
// loopback HTTP, as one poll of the sessions source does, and reports the API
// calls it took.
func BenchmarkListSims10k(b *testing.B) {
	// A limit well above what the benchmark spends: this measures the
	// client and the fake, not the pacing (TestStaysUnderRateLimit covers it).
	fake := soracomfake.New(soracomfake.Options{Seed: 3, SIMs: 10_000, Coverages: []string{jp}, DefaultRateLimit: 1_000_000})
	srv := httptest.NewServer(fake.Handler(jp))
	defer srv.Close()
	cr := fake.Credentials()
	c, err := soracom.New(soracom.Options{Endpoint: srv.URL, Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.ListSims(ctx, func(*soracom.Sim) error { return nil }); err != nil { // authenticate outside the timing
		b.Fatal(err)
	}
	fake.ResetCounters()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ListSims(ctx, func(*soracom.Sim) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fake.TotalCalls())/float64(b.N), "calls/op")
}
