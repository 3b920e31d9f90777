package soracomfake

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

type rateHeaders struct{ limit, remaining, refresh int }

func readRateHeaders(t *testing.T, r response) rateHeaders {
	t.Helper()
	var out rateHeaders
	for name, dst := range map[string]*int{
		"X-Soracom-Ratelimit-Limit":                  &out.limit,
		"X-Soracom-Ratelimit-Remaining":              &out.remaining,
		"X-Soracom-Ratelimit-Seconds-Before-Refresh": &out.refresh,
	} {
		v, err := strconv.Atoi(r.header.Get(name))
		if err != nil {
			t.Fatalf("%s: %q is not an integer", name, r.header.Get(name))
		}
		*dst = v
	}
	return out
}

func TestRateLimitPerPathPerCoverage(t *testing.T) {
	// A window long enough that three local requests never straddle it.
	const window = 2 * time.Second
	clock := newWallClock()
	f := newFake(t, Options{Seed: 1, SIMs: 20, RateLimitPerMinute: map[string]int{"/sims": 3}, RateLimitWindow: window, WallClock: clock.Now})
	jp := serveChecked(t, f, "jp").login(f.Credentials())

	for want := 2; want >= 0; want-- {
		r := jp.get("/v1/sims")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: HTTP %d", 3-want, r.status)
		}
		h := readRateHeaders(t, r)
		if h.limit != 3 || h.remaining != want || h.refresh != 2 {
			t.Fatalf("headers %+v, want limit 3, remaining %d, refresh 2", h, want)
		}
	}
	over := jp.get("/v1/sims")
	wantError(t, over, http.StatusTooManyRequests, codeRateLimited)
	if h := readRateHeaders(t, over); h.limit != 3 || h.remaining != 0 || h.refresh < 1 {
		t.Fatalf("429 headers %+v", h)
	}
	if n := f.CallsWithStatus("jp", "GET", "/sims", http.StatusTooManyRequests); n != 1 {
		t.Fatalf("counted %d 429s", n)
	}

	// Other paths and the other coverage have buckets of their own.
	var groups []map[string]any
	if h := readRateHeaders(t, jp.getOK("/v1/groups", &groups)); h.limit != defaultRateLimit || h.remaining != defaultRateLimit-1 {
		t.Fatalf("/groups headers %+v", h)
	}
	g := serveChecked(t, f, "g").login(f.Credentials())
	var sims []map[string]any
	g.getOK("/v1/sims", &sims)

	// After the window, the bucket is full again.
	clock.Add(window)
	if h := readRateHeaders(t, jp.getOK("/v1/sims", &sims)); h.remaining != 2 {
		t.Fatalf("after refresh: headers %+v", h)
	}
}

func TestAuthIsRateLimitedPerClientIP(t *testing.T) {
	f := newFake(t, Options{Seed: 1, RateLimitPerMinute: map[string]int{"/v1/auth": 2}, RateLimitWindow: time.Minute})
	h := serveChecked(t, f, "jp")
	c := f.Credentials()
	req := map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey}
	for i := range 2 {
		r := h.authenticate(req)
		if r.status != http.StatusOK {
			t.Fatalf("auth %d: HTTP %d", i, r.status)
		}
		if rh := readRateHeaders(t, r); rh.limit != 2 || rh.remaining != 1-i || rh.refresh < 59 || rh.refresh > 60 {
			t.Fatalf("auth %d headers %+v", i, rh)
		}
	}
	wantError(t, h.authenticate(req), http.StatusTooManyRequests, codeRateLimited)
	// A failed login counts too: the limit guards against guessing.
	wantError(t, h.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": "guess"}), http.StatusTooManyRequests, codeRateLimited)
}

func TestRefreshSecondsRoundUp(t *testing.T) {
	o := Options{RateLimitWindow: 1500 * time.Millisecond}
	o = o.withDefaults()
	l := newRateLimiter(&o)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	k := bucketKey{"jp", "operator:x", "/sims"}
	if st, _ := l.take(k); st.refresh != 2 {
		t.Fatalf("1.5 s left: refresh %d, want 2", st.refresh)
	}
	now = now.Add(1499 * time.Millisecond)
	if st := l.peek(k); st.refresh != 1 {
		t.Fatalf("1 ms left: refresh %d, want 1", st.refresh)
	}
	now = now.Add(time.Millisecond)
	if st := l.peek(k); st.remaining != o.DefaultRateLimit || st.refresh != 2 {
		t.Fatalf("new window: %+v", st)
	}
}
