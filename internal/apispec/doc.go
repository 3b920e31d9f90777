// Package apispec holds test HTTP traffic to the official SORACOM API
// definition (soracom-api.en.yaml, see NOTICE.md).
//
// The exporter's client and the fake SORACOM API it is tested against are
// written by the same project, so a shared misunderstanding of the API (a
// misspelled field, a query parameter that does not exist, a missing auth
// header) would pass every test while failing against the real service.
// Wrapping the fake's handler in a Validator makes every request the client
// sends and every response the fake returns answer to the published
// definition instead.
//
// Only tests import this package, which keeps the embedded 1 MB definition out
// of the exporter binary.
package apispec
