package soracomfake

// Error codes of the fake, in the format of SORACOM error bodies
// ({"code":"AUM0001","message":"..."}). The two authentication codes are
// SORACOM's own, with the messages its API is known to send; every other
// code is the fake's invention and starts with "FAKE", so that nobody takes
// it for one SORACOM documents. Messages never echo credentials or tokens.
const (
	// codeUnauthorized: missing, unknown or expired API key/token (401).
	codeUnauthorized = "AUM0001"
	// codeAuthFailed: POST /auth with wrong credentials (401).
	codeAuthFailed = "AUM0002"

	codeBadRequest   = "FAKE0400" // invalid parameter or body
	codeForbidden    = "FAKE0403" // the credentials lack a permission (SAM policy)
	codeNotFound     = "FAKE0404" // unknown path or resource
	codeBadMethod    = "FAKE0405" // known path, unsupported method
	codeRateLimited  = "FAKE0429" // over the rate limit
	codeServerError  = "FAKE0500" // injected server-side failure
	codeControlError = "FAKE0000" // the control API under /_fake/
)

// Messages SORACOM is known to send with its codes.
const (
	msgTokenRequired = "Token is required in the request header"
	msgInvalidLogin  = "Invalid username/password supplied."
)

// errorJSON is the body of every error response.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
