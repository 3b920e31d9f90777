package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
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
	// The README's template, on a rule whose target leaves ${simId} as is.
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
		"unknown field":   `{"imsi":"440103000000001","extra":1}`,
		"wrong type":      `{"imsi":440103000000001}`,
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
