package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const secret = "s3cret-value"

type recorder struct {
	mu   sync.Mutex
	got  []Notification
	done chan Notification
}

func (r *recorder) refresh(_ context.Context, batch []Notification) error {
	r.mu.Lock()
	r.got = append(r.got, batch...)
	r.mu.Unlock()
	for _, n := range batch {
		r.done <- n
	}
	return nil
}

func newServer(t *testing.T, opts Options) (*httptest.Server, *Handler, *recorder) {
	t.Helper()
	rec := &recorder{done: make(chan Notification, 1000)}
	opts.Secret = secret
	opts.Refresh = rec.refresh
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, rec
}

func post(t *testing.T, url, secretValue, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secretValue != "" {
		req.Header.Set(DefaultSecretHeader, secretValue)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestNewRequiresSecret(t *testing.T) {
	if _, err := New(Options{Refresh: func(context.Context, []Notification) error { return nil }}); err == nil {
		t.Fatal("a webhook without a secret was accepted")
	}
}

func TestAuth(t *testing.T) {
	srv, _, _ := newServer(t, Options{})
	body := `{"imsi":"440103000000001","event":"Deleted"}`
	for _, s := range []string{"", "wrong", secret + "x", strings.ToUpper(secret)} {
		code, out := post(t, srv.URL, s, body)
		if code != http.StatusUnauthorized {
			t.Errorf("secret %q: HTTP %d", s, code)
		}
		if strings.Contains(out["message"], secret) {
			t.Error("the answer leaks the secret")
		}
	}
	if code, _ := post(t, srv.URL, secret, body); code != http.StatusAccepted {
		t.Fatalf("right secret: HTTP %d", code)
	}
	// A template with ${simId}, on a rule whose target leaves it as is.
	if code, out := post(t, srv.URL, secret, `{"imsi":"440103000000002","simId":"${simId}","event":"Created"}`); code != http.StatusAccepted {
		t.Fatalf("template with an unexpanded variable: HTTP %d %v", code, out)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: HTTP %d", resp.StatusCode)
	}
}

func TestHostileBodies(t *testing.T) {
	srv, _, _ := newServer(t, Options{})
	cases := map[string]string{
		"empty":           ``,
		"not json":        `imsi=440103000000001`,
		"array":           `[{"imsi":"440103000000001"}]`,
		"no SIM":          `{"event":"Created"}`,
		"wrong type":      `{"imsi":440103000000001}`,
		"bad sim id only": `{"simId":"null","event":"Created"}`,
		"bad imsi":        `{"imsi":"44010300000000A"}`,
		"long imsi":       `{"imsi":"4401030000000011234"}`,
		"bad sim id":      `{"simId":"../../etc/passwd"}`,
		"bad event":       `{"imsi":"440103000000001","event":"Exploded"}`,
		"trailing data":   `{"imsi":"440103000000001"} {"imsi":"440103000000002"}`,
		"unexpanded var":  `{"imsi":"${imsi}","event":"Created"}`,
		"too large":       `{"imsi":"440103000000001","event":"` + strings.Repeat("x", MaxBodyBytes) + `"}`,
		"deeply nested":   strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
		"null":            `null`,
		"control in json": "{\"imsi\":\"4401\x00\"}",
	}
	for name, body := range cases {
		code, out := post(t, srv.URL, secret, body)
		if code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", name, code)
			continue
		}
		if out["message"] == "" || out["result"] != "bad_request" {
			t.Errorf("%s: no reason given: %v", name, out)
		}
		if len(out["message"]) > 200 {
			t.Errorf("%s: the reason echoes the body: %d bytes", name, len(out["message"]))
		}
	}
}

// TestRateLimitAndMerge: a flood beyond the burst is refused with 429;
// calls for a SIM already queued are merged, not queued twice.
func TestRateLimitAndMerge(t *testing.T) {
	srv, h, rec := newServer(t, Options{Rate: 0.001, Burst: 3})
	// Not running the worker: everything accepted stays queued.
	accepted, limited, merged := 0, 0, 0
	for i := range 10 {
		body := `{"imsi":"44010300000000` + string(rune('0'+i)) + `"}`
		switch code, out := post(t, srv.URL, secret, body); {
		case code == http.StatusAccepted && out["result"] == "accepted":
			accepted++
		case code == http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("HTTP %d %v", code, out)
		}
	}
	for range 3 {
		if code, out := post(t, srv.URL, secret, `{"imsi":"440103000000000"}`); code == http.StatusAccepted && out["result"] == "merged" {
			merged++
		}
	}
	if accepted != 3 || limited != 7 || merged != 3 {
		t.Fatalf("accepted %d, limited %d, merged %d; want 3, 7, 3", accepted, limited, merged)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	seen := map[string]bool{}
	for range 3 {
		n := <-rec.done
		seen[n.IMSI] = true
	}
	if len(seen) != 3 {
		t.Fatalf("refreshed %v", seen)
	}
}

// TestQueueFull: when the queue is full, calls get 429 rather than
// piling up.
func TestQueueFull(t *testing.T) {
	srv, _, _ := newServer(t, Options{Rate: 1000, Burst: 1000, Queue: 2})
	codes := map[int]int{}
	for i := range 5 {
		code, _ := post(t, srv.URL, secret, `{"simId":"898110000000000000`+string(rune('0'+i))+`"}`)
		codes[code]++
	}
	if codes[http.StatusAccepted] != 2 || codes[http.StatusTooManyRequests] != 3 {
		t.Fatalf("answers %v", codes)
	}
}

// TestTolerantBody: with a valid IMSI, a simId the Event Handler filled
// with something else is ignored, and so are unknown fields (logged once
// each); the valid call shows in the last-call metric.
func TestTolerantBody(t *testing.T) {
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	srv, h, _ := newServer(t, Options{Rate: 1000, Burst: 1000, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Registerer: reg})
	if !h.LastValidCall().IsZero() || gaugeValue(t, reg, "soracom_exporter_webhook_last_valid_call_timestamp_seconds") != 0 {
		t.Fatal("a valid call is reported before any came")
	}
	before := time.Now()
	for i, body := range []string{
		`{"imsi":"440103000000001","simId":"null","event":"Created"}`,
		`{"imsi":"440103000000002","simId":"undefined"}`,
		`{"imsi":"440103000000003","simId":"$simId","operatorId":"OP0012345678","extra":{"a":1}}`,
		`{"imsi":"440103000000004","operatorId":"OP0012345678"}`,
	} {
		if code, out := post(t, srv.URL, secret, body); code != http.StatusAccepted {
			t.Fatalf("body %d: HTTP %d %v", i, code, out)
		}
	}
	if n := strings.Count(logs.String(), `field=operatorId`); n != 1 {
		t.Errorf("operatorId logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "field=extra") {
		t.Errorf("the extra field is not logged:\n%s", logs.String())
	}
	last := gaugeValue(t, reg, "soracom_exporter_webhook_last_valid_call_timestamp_seconds")
	if last < float64(before.Unix()) || h.LastValidCall().Before(before) {
		t.Fatalf("last valid call %v (%v), the calls came after %v", last, h.LastValidCall(), before)
	}
	// A refused call does not count as valid.
	got := h.LastValidCall()
	post(t, srv.URL, "wrong", `{"imsi":"440103000000005"}`)
	post(t, srv.URL, secret, `{"imsi":"bad"}`)
	if !h.LastValidCall().Equal(got) {
		t.Fatal("a refused call counted as valid")
	}
}

func gaugeValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReadmeTemplateIsTheOnePosted: the README's Event Handler recipe
// carries BodyTemplate, which the fake's Event Handler posts in the tests.
func TestReadmeTemplateIsTheOnePosted(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section, ok := strings.CutPrefix(string(readme[strings.Index(string(readme), "### Event Handler webhook"):]), "### Event Handler webhook")
	if !ok {
		t.Fatal("no Event Handler section in the README")
	}
	_, recipe, ok := strings.Cut(section, "```json\n")
	recipe, _, _ = strings.Cut(recipe, "```")
	if !ok {
		t.Fatal("no JSON recipe in the Event Handler section")
	}
	var handler struct {
		RuleConfig struct {
			Type       string            `json:"type"`
			Properties map[string]string `json:"properties"`
		} `json:"ruleConfig"`
		ActionConfigList []struct {
			Properties map[string]string `json:"properties"`
		} `json:"actionConfigList"`
	}
	if err := json.Unmarshal([]byte(recipe), &handler); err != nil {
		t.Fatalf("the README's recipe is not JSON: %v", err)
	}
	status := handler.RuleConfig.Properties["sessionStatus"]
	if handler.RuleConfig.Type != "SubscriberSessionStatusRule" || len(handler.ActionConfigList) != 1 {
		t.Fatalf("recipe %+v", handler)
	}
	if got, want := handler.ActionConfigList[0].Properties["body"], BodyTemplate(status); got != want {
		t.Fatalf("the README's body is %s, the tests post %s", got, want)
	}
	if !strings.Contains(handler.ActionConfigList[0].Properties["headers"], DefaultSecretHeader) {
		t.Fatal("the README's headers do not carry the secret header")
	}
	if i, j := strings.Index(section, "sessionEventEnabled"), strings.Index(section, "```json"); i < 0 || i > j {
		t.Fatal("the prerequisites (sessionEventEnabled) do not come before the recipe")
	}
}
