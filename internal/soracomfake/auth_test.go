package soracomfake

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthAcceptsEachCredentialKind(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	c := f.Credentials()
	for _, cov := range []string{"jp", "g"} {
		h := serveChecked(t, f, cov)
		kinds := map[string]map[string]any{
			"authkey": {"authKeyId": c.AuthKeyID, "authKey": c.AuthKey},
			"root":    {"email": c.Email, "password": c.Password, "tokenTimeoutSeconds": 600},
			"sam":     {"operatorId": c.OperatorID, "userName": c.UserName, "password": c.UserPassword},
		}
		for kind, req := range kinds {
			r := h.authenticate(req)
			if r.status != http.StatusOK {
				t.Fatalf("%s/%s: HTTP %d %s", cov, kind, r.status, r.body)
			}
			var a struct{ APIKey, Token, OperatorID, UserName string }
			mustJSON(t, r.body, &a)
			if a.APIKey == "" || a.Token == "" || a.OperatorID != "OP0012345678" {
				t.Fatalf("%s/%s: response %s", cov, kind, r.body)
			}
			if (a.UserName != "") != (kind == "sam") {
				t.Fatalf("%s/%s: userName %q: only SAM users get one", cov, kind, a.UserName)
			}
			s := &apiClient{host: h, apiKey: a.APIKey, token: a.Token}
			var sims []map[string]any
			s.getOK("/v1/sims?limit=10", &sims)
		}
	}
}

func TestAuthRejectsBadCredentials(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 2})
	c := f.Credentials()
	h := serveChecked(t, f, "jp")
	bad := []map[string]any{
		{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey + "x"},
		{"authKeyId": "keyId-unknown", "authKey": c.AuthKey},
		{"email": c.Email, "password": "wrong"},
		{"operatorId": "OP0000000000", "userName": c.UserName, "password": c.UserPassword},
		{"operatorId": c.OperatorID, "userName": c.UserName, "password": c.Password},
	}
	for _, req := range bad {
		r := h.authenticate(req)
		wantError(t, r, http.StatusUnauthorized, codeAuthFailed)
		if strings.Contains(string(r.body), c.AuthKey) || strings.Contains(string(r.body), "wrong") {
			t.Fatalf("error body echoes a credential: %s", r.body)
		}
	}
	// Out of the documented range: the request itself breaks the definition.
	raw := serveRaw(t, f, "jp")
	wantError(t, raw.authenticate(map[string]any{"authKeyId": c.AuthKeyID, "authKey": c.AuthKey, "tokenTimeoutSeconds": 172801}),
		http.StatusBadRequest, codeBadRequest)
	wantError(t, raw.authenticate(map[string]any{"password": c.Password}), http.StatusBadRequest, codeBadRequest)
}

func TestTokenIsRejectedOnTheOtherCoverage(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	jp := serveChecked(t, f, "jp").login(f.Credentials())
	g := serveChecked(t, f, "g")
	cross := &apiClient{host: g, apiKey: jp.apiKey, token: jp.token}
	wantError(t, cross.get("/v1/sims"), http.StatusUnauthorized, codeUnauthorized)
	var sims []map[string]any
	jp.getOK("/v1/sims", &sims)
}

func TestMissingUnknownAndExpiredTokensGet401(t *testing.T) {
	f := newFake(t, Options{Seed: 1, SIMs: 4})
	raw := serveRaw(t, f, "jp")
	wantError(t, raw.do("GET", "/v1/sims", nil, nil), http.StatusUnauthorized, codeUnauthorized)

	h := serveChecked(t, f, "jp")
	s := h.login(f.Credentials())
	forged := &apiClient{host: h, apiKey: s.apiKey, token: s.token + "0"}
	wantError(t, forged.get("/v1/sims"), http.StatusUnauthorized, codeUnauthorized)

	f.ExpireTokens()
	r := s.get("/v1/sims")
	wantError(t, r, http.StatusUnauthorized, codeUnauthorized)
	if r.header.Get("X-Soracom-Ratelimit-Limit") == "" {
		t.Fatal("401 of an authenticated operation lacks rate-limit headers")
	}
	var sims []map[string]any
	h.login(f.Credentials()).getOK("/v1/sims", &sims)
}

func TestTokensExpireAfterTheirLifetime(t *testing.T) {
	cases := []struct {
		name    string
		ttl     time.Duration
		request map[string]any
		life    time.Duration
	}{
		{"default tokenTimeoutSeconds", 0, nil, 86400 * time.Second},
		{"requested tokenTimeoutSeconds", 0, map[string]any{"tokenTimeoutSeconds": 300}, 300 * time.Second},
		{"Options.TokenTTL overrides", 2 * time.Second, map[string]any{"tokenTimeoutSeconds": 300}, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, Options{Seed: 1, SIMs: 2, TokenTTL: c.ttl})
			now := time.Unix(1_700_000_000, 0)
			f.auth.now = func() time.Time { return now } // set before any request
			h := serveChecked(t, f, "jp")
			cr := f.Credentials()
			req := map[string]any{"authKeyId": cr.AuthKeyID, "authKey": cr.AuthKey}
			for k, v := range c.request {
				req[k] = v
			}
			r := h.authenticate(req)
			var a struct{ APIKey, Token string }
			mustJSON(t, r.body, &a)
			s := &apiClient{host: h, apiKey: a.APIKey, token: a.Token}

			now = now.Add(c.life - time.Millisecond)
			var sims []map[string]any
			s.getOK("/v1/sims", &sims)
			now = now.Add(time.Millisecond)
			wantError(t, s.get("/v1/sims"), http.StatusUnauthorized, codeUnauthorized)
		})
	}
}
