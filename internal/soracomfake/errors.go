package soracomfake

// Error codes of the fake, in the format of SORACOM error bodies
// ({"code":"AUM0001","message":"..."}). Messages never echo credentials or
// tokens.
const (
	codeAuthFailed   = "AUM0001" // POST /auth with wrong credentials
	codeUnauthorized = "AUM0002" // missing, unknown or expired API key/token
	codeBadRequest   = "COM0001" // invalid parameter or body
	codeNotFound     = "COM0002" // unknown path or resource
	codeBadMethod    = "COM0003" // known path, unsupported method
	codeRateLimited  = "COM0004" // over the rate limit
	codeServerError  = "COM0005" // injected server-side failure
)

// errorJSON is the body of every error response.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
