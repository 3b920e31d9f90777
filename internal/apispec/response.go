package apispec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// validateResponse checks a recorded response to a request of route and
// returns what is wrong with it. Only bodies the definition documents as
// JSON for that status are checked: the definition describes no error
// bodies (429, 5xx) and no file downloads, so there is nothing to hold those
// to.
func validateResponse(r *http.Request, route *routers.Route, pathParams map[string]string,
	status int, header http.Header, body []byte, allowMalformed bool) []string {
	if !documentsJSONBody(route.Operation, status) {
		return nil
	}
	options := filterOptions()
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: pathParams,
			Route:      route,
			Options:    options,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: options,
	}
	err := openapi3filter.ValidateResponse(r.Context(), input)
	if err == nil {
		return nil
	}
	// Checked only on failure: most pages are valid, and scanning every
	// page twice would slow listing a large fleet noticeably.
	if !json.Valid(body) {
		if allowMalformed || status == http.StatusTooManyRequests || status >= 500 {
			return nil
		}
		return []string{"body is not valid JSON although the definition documents a JSON body"}
	}
	return errorLines(err)
}

// documentsJSONBody tells whether op documents a JSON body with a schema for
// status (or for its default response).
func documentsJSONBody(op *openapi3.Operation, status int) bool {
	if op.Responses == nil {
		return false
	}
	resp := op.Responses.Status(status)
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return false
	}
	for mediaType, content := range resp.Value.Content {
		if isJSON(mediaType) && content != nil && content.Schema != nil {
			return true
		}
	}
	return false
}

// isJSON tells whether a Content-Type names JSON (application/json,
// application/problem+json, with or without parameters).
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// describeStatus names the part of an exchange a response violation is
// about.
func describeStatus(status int) string {
	return fmt.Sprintf("response %d", status)
}
