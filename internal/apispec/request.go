package apispec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// filterOptions are shared by request and response validation.
func filterOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc: requireCredentialHeader,
		// The definition's defaults describe what the server assumes; the
		// copy being validated should stay what the client sent.
		SkipSettingDefaults:               true,
		RejectWhenRequestBodyNotSpecified: true,
		MultiError:                        true,
		// Schema errors otherwise quote the offending value, and request
		// bodies such as POST /v1/auth carry credentials.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
}

// requireCredentialHeader accepts a security scheme when its header is
// present. Whether the key and token are valid is the fake API's business;
// the definition only says that they must be sent.
func requireCredentialHeader(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "apiKey" || scheme.In != openapi3.ParameterInHeader {
		return in.NewError(fmt.Errorf("security scheme %q is not a header API key", in.SecuritySchemeName))
	}
	if in.RequestValidationInput.Request.Header.Get(scheme.Name) == "" {
		return in.NewError(fmt.Errorf("header %s is missing", scheme.Name))
	}
	return nil
}

// readBody takes r's body so it can be validated, and gives r an identical
// unread body so the wrapped handler sees the request as the client sent it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// validateRequest checks r (whose body has already been read into body)
// against route and returns what is wrong with it.
func validateRequest(r *http.Request, body []byte, route *routers.Route, pathParams map[string]string) []string {
	var problems []string
	problems = append(problems, undeclaredQueryParameters(r, route)...)

	// openapi3filter may consume and replace the body, so it gets its own
	// copy of the request.
	clone := r.Clone(r.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: pathParams,
		Route:      route,
		Options:    filterOptions(),
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		problems = append(problems, errorLines(err)...)
	}
	return problems
}

// undeclaredQueryParameters reports query parameters the operation does not
// declare. openapi3filter ignores them, yet a misspelled name (limits=,
// last_key=) is silently dropped by the real API and breaks paging.
func undeclaredQueryParameters(r *http.Request, route *routers.Route) []string {
	declared := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	var problems []string
	for _, name := range sortedKeys(r.URL.Query()) {
		if !declared[name] {
			problems = append(problems, fmt.Sprintf("query parameter %q is not declared by the operation (declared: %s)",
				name, declaredList(declared)))
		}
	}
	return problems
}

func declaredList(declared map[string]bool) string {
	if len(declared) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(declared), ", ")
}

// errorLines splits the top-level MultiError of openapi3filter so each
// failing parameter or body is its own violation. Nested errors stay inside
// their parent, which names what they are about.
func errorLines(err error) []string {
	if multi, ok := err.(openapi3.MultiError); ok {
		var lines []string
		for _, e := range multi {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	return []string{err.Error()}
}
