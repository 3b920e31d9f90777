// Package soracom is a small client for the parts of the SORACOM API that the
// exporter reads. It is written against the official OpenAPI definition
// (soracom-api.en.yaml, copied into internal/apispec for the tests) and is
// built for long-running, unattended polling of large fleets:
//
//   - one authentication is shared by all callers and renewed before the token
//     runs out, and once more when the API says the token is no longer valid;
//   - every list call goes through one paginator that follows
//     x-soracom-next-key until the API stops sending one;
//   - every call is paced by a limiter per API path that reads the
//     X-Soracom-Ratelimit-* headers, so the exporter slows down before the API
//     has to say 429;
//   - idempotent calls are retried after 5xx and transport errors, with
//     jittered backoff bounded in attempts and in time;
//   - secrets never reach a log line, an error string or a metric.
package soracom
