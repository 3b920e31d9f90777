package soracom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// token is an API key and token pair from POST /v1/auth. gen tells tokens
// apart, so that a caller whose token was refused only throws away that one,
// not a newer one another caller already obtained.
type token struct {
	apiKey string
	token  Secret
	gen    uint64
}

type authState struct {
	// sem lets one caller authenticate while the others wait for its result
	// (or give up when their context ends, which a mutex would not allow).
	sem chan struct{}

	mu         sync.Mutex
	current    token
	valid      bool
	renewAt    time.Time
	operatorID string
	gen        uint64
}

// token returns a valid token, authenticating when there is none or the
// current one is close to its end.
func (c *Client) token(ctx context.Context) (token, error) {
	if t, ok := c.cachedToken(); ok {
		return t, nil
	}
	select {
	case c.auth.sem <- struct{}{}:
	case <-ctx.Done():
		return token{}, ctx.Err()
	}
	defer func() { <-c.auth.sem }()
	// Another caller may have authenticated while this one waited.
	if t, ok := c.cachedToken(); ok {
		return t, nil
	}
	return c.authenticate(ctx)
}

func (c *Client) cachedToken() (token, bool) {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	if c.auth.valid && c.clock.Now().Before(c.auth.renewAt) {
		return c.auth.current, true
	}
	return token{}, false
}

// invalidate drops t if it is still the current token.
func (c *Client) invalidate(t token) {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	if c.auth.valid && c.auth.current.gen == t.gen {
		c.auth.valid = false
	}
}

type authRequest struct {
	AuthKeyID           string `json:"authKeyId,omitempty"`
	AuthKey             string `json:"authKey,omitempty"`
	Email               string `json:"email,omitempty"`
	OperatorID          string `json:"operatorId,omitempty"`
	UserName            string `json:"userName,omitempty"`
	Password            string `json:"password,omitempty"`
	TokenTimeoutSeconds int64  `json:"tokenTimeoutSeconds"`
}

type authResponse struct {
	APIKey     string `json:"apiKey"`
	OperatorID string `json:"operatorId"`
	Token      string `json:"token"`
}

// ErrAuthRejected wraps the API's refusal of the credentials.
var ErrAuthRejected = errors.New("soracom: the API rejected the credentials")

// authenticate performs POST /v1/auth (operationId: auth).
func (c *Client) authenticate(ctx context.Context) (token, error) {
	cr := c.creds
	body, err := json.Marshal(authRequest{
		AuthKeyID:           cr.AuthKeyID,
		AuthKey:             cr.AuthKey.Reveal(),
		Email:               cr.Email,
		OperatorID:          cr.OperatorID,
		UserName:            cr.UserName,
		Password:            cr.Password.Reveal(),
		TokenTimeoutSeconds: int64(c.opts.TokenTimeout / time.Second),
	})
	if err != nil {
		return token{}, err
	}
	requested := c.clock.Now()
	// Retrying POST /auth after a 5xx is harmless: it creates nothing that
	// outlives an unused token.
	resp, err := c.do(ctx, request{method: http.MethodPost, op: "/auth", path: "/auth", body: body, idempotent: true, noAuth: true})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden) {
			c.obs.ObserveAuth(AuthRejected)
			return token{}, fmt.Errorf("%w (%s credentials): %w", ErrAuthRejected, cr.Kind(), err)
		}
		c.obs.ObserveAuth(AuthError)
		return token{}, fmt.Errorf("soracom: authentication failed: %w", err)
	}
	defer resp.Body.Close()
	var ar authResponse
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil || ar.APIKey == "" || ar.Token == "" {
		c.obs.ObserveAuth(AuthError)
		if err == nil {
			err = errors.New("apiKey or token missing")
		}
		return token{}, &MalformedResponseError{Method: http.MethodPost, Operation: "/auth", Err: err}
	}
	c.obs.ObserveAuth(AuthSuccess)

	// Renew well before the end, so a token never expires in the middle of
	// a poll: after 80% of its life, and at least a minute early.
	life := c.opts.TokenTimeout
	renewIn := min(life*8/10, life-time.Minute)
	if renewIn <= 0 {
		renewIn = life / 2
	}
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	c.auth.gen++
	c.auth.current = token{apiKey: ar.APIKey, token: Secret(ar.Token), gen: c.auth.gen}
	c.auth.valid = true
	c.auth.renewAt = requested.Add(renewIn)
	c.auth.operatorID = ar.OperatorID
	c.log.Debug("authenticated", "operator_id", ar.OperatorID, "method", cr.Kind(), "renew_in", renewIn.Round(time.Second))
	return c.auth.current, nil
}
