package soracom

import (
	"fmt"
	"net/url"
	"strings"
)

// Coverage is a SORACOM coverage type. Japan and Global coverage are served by
// different API hosts, and each authenticates on its own.
type Coverage string

const (
	CoverageJapan  Coverage = "jp"
	CoverageGlobal Coverage = "g"
)

// Coverages lists the coverages in the order the exporter reports them.
var Coverages = []Coverage{CoverageJapan, CoverageGlobal}

// ParseCoverage accepts the names soracom-cli accepts ("jp", "g").
func ParseCoverage(s string) (Coverage, error) {
	switch Coverage(strings.ToLower(strings.TrimSpace(s))) {
	case CoverageJapan:
		return CoverageJapan, nil
	case CoverageGlobal:
		return CoverageGlobal, nil
	}
	return "", fmt.Errorf("unknown coverage %q: use \"jp\" (Japan) or \"g\" (Global)", s)
}

// DefaultEndpoint returns the production API host of a coverage (without /v1).
// With sandbox set it returns the API sandbox host instead.
func DefaultEndpoint(c Coverage, sandbox bool) string {
	switch {
	case c == CoverageGlobal && sandbox:
		return "https://g.api-sandbox.soracom.io"
	case c == CoverageGlobal:
		return "https://g.api.soracom.io"
	case sandbox:
		return "https://api-sandbox.soracom.io"
	default:
		return "https://api.soracom.io"
	}
}

// NormalizeEndpoint checks an endpoint override and returns it without a
// trailing slash or /v1 suffix, the form soracom-cli's SORACOM_ENDPOINT uses.
func NormalizeEndpoint(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("endpoint %q is not an http(s) URL such as https://api.soracom.io", RedactURL(raw))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("endpoint %q must be a plain URL without user info, query or fragment", RedactURL(raw))
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/v1")
	u.Path = p
	return strings.TrimRight(u.String(), "/"), nil
}

// RedactURL removes user info from a URL so that it can be logged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// Not a URL we can take apart: keep only what follows the last "@",
		// where user info would end.
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "redacted@" + raw[i+1:]
		}
		return raw
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	return u.String()
}
