package soracomfake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// authority issues and checks API keys and tokens. Tokens are per coverage
// (a token of the Japan host is unknown to the Global host) and expire on
// the wall clock (Options.WallClock).
type authority struct {
	opts *Options
	now  func() time.Time

	mu     sync.Mutex
	tokens map[string]map[string]issuedToken // coverage → API key → token
}

type issuedToken struct {
	token   string
	expires time.Time
}

func newAuthority(o *Options) *authority {
	return &authority{opts: o, now: o.WallClock, tokens: map[string]map[string]issuedToken{}}
}

// authRequestJSON is the AuthRequest schema. Pointers tell absent from empty.
type authRequestJSON struct {
	AuthKey             *string `json:"authKey"`
	AuthKeyID           *string `json:"authKeyId"`
	Email               *string `json:"email"`
	MFAOTPCode          *string `json:"mfaOTPCode"`
	OperatorID          *string `json:"operatorId"`
	Password            *string `json:"password"`
	TokenTimeoutSeconds *int64  `json:"tokenTimeoutSeconds"`
	UserName            *string `json:"userName"`
}

// authResponseJSON is the AuthResponse schema.
type authResponseJSON struct {
	APIKey     string `json:"apiKey"`
	OperatorID string `json:"operatorId"`
	Token      string `json:"token"`
	UserName   string `json:"userName,omitempty"`
}

const (
	defaultTokenTimeout = 86400  // seconds, AuthRequest.tokenTimeoutSeconds default
	minTokenTimeout     = 180    // seconds, the shortest lifetime SORACOM issues
	maxTokenTimeout     = 172800 // seconds, AuthRequest.tokenTimeoutSeconds maximum
	maxAuthBody         = 64 << 10
)

// handleAuth is POST /auth (operationId auth): root account (email,
// password), AuthKey (authKeyId, authKey) or SAM user (operatorId,
// userName, password).
func handleAuth(rq *request) {
	a := rq.f.auth
	var req authRequestJSON
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, maxAuthBody))
	if err != nil || json.Unmarshal(body, &req) != nil {
		rq.fail(http.StatusBadRequest, codeBadRequest, "request body is not a valid AuthRequest")
		return
	}
	timeout := int64(defaultTokenTimeout)
	if req.TokenTimeoutSeconds != nil {
		timeout = *req.TokenTimeoutSeconds
		if timeout < minTokenTimeout || timeout > maxTokenTimeout {
			rq.fail(http.StatusBadRequest, codeBadRequest, "tokenTimeoutSeconds must be between 180 and 172800")
			return
		}
	}
	o := a.opts
	var accepted bool
	var userName string
	switch {
	case req.AuthKeyID != nil || req.AuthKey != nil:
		accepted = same(req.AuthKeyID, o.AuthKeyID) && same(req.AuthKey, o.AuthKey)
	case req.UserName != nil || req.OperatorID != nil:
		accepted = same(req.OperatorID, o.OperatorID) && same(req.UserName, o.SAMUserName) && same(req.Password, o.SAMPassword)
		userName = o.SAMUserName
	case req.Email != nil:
		accepted = same(req.Email, o.Email) && same(req.Password, o.Password)
	default:
		rq.fail(http.StatusBadRequest, codeBadRequest, "specify authKeyId and authKey, email and password, or operatorId, userName and password")
		return
	}
	if !accepted {
		rq.fail(http.StatusUnauthorized, codeAuthFailed, msgInvalidLogin)
		return
	}
	ttl := time.Duration(timeout) * time.Second
	if o.TokenTTL > 0 {
		ttl = o.TokenTTL
	}
	apiKey, token := a.issue(rq.coverage, ttl)
	rq.ok(authResponseJSON{APIKey: apiKey, OperatorID: o.OperatorID, Token: token, UserName: userName})
}

// same compares a submitted credential in constant time.
func same(got *string, want string) bool {
	return got != nil && subtle.ConstantTimeCompare([]byte(*got), []byte(want)) == 1
}

func (a *authority) issue(coverage string, ttl time.Duration) (apiKey, token string) {
	apiKey = "api-" + randomUUID()
	token = randomHex(64)
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.tokens[coverage]
	if m == nil {
		m = map[string]issuedToken{}
		a.tokens[coverage] = m
	}
	if len(m) >= 1024 { // long runs re-authenticate: forget expired tokens
		for k, t := range m {
			if !now.Before(t.expires) {
				delete(m, k)
			}
		}
	}
	m[apiKey] = issuedToken{token: token, expires: now.Add(ttl)}
	return apiKey, token
}

// authenticate checks the X-Soracom-API-Key and X-Soracom-Token headers and
// answers 401 itself when they are missing, unknown or expired.
func (a *authority) authenticate(rq *request) bool {
	key := rq.r.Header.Get("X-Soracom-API-Key")
	token := rq.r.Header.Get("X-Soracom-Token")
	if key == "" || token == "" {
		rq.fail(http.StatusUnauthorized, codeUnauthorized, msgTokenRequired)
		return false
	}
	a.mu.Lock()
	t, ok := a.tokens[rq.coverage][key]
	a.mu.Unlock()
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(t.token), []byte(token)) != 1:
		rq.fail(http.StatusUnauthorized, codeUnauthorized, "invalid API key or token")
		return false
	case !a.now().Before(t.expires):
		rq.fail(http.StatusUnauthorized, codeUnauthorized, "the API token has expired")
		return false
	}
	return true
}

// ExpireTokens invalidates every API key and token issued so far, on every
// coverage: the next authenticated call gets 401 and the client has to
// authenticate again.
func (f *Fake) ExpireTokens() {
	a := f.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens = map[string]map[string]issuedToken{}
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func randomUUID() string {
	h := randomHex(32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
