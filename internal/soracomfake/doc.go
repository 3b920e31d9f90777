// Package soracomfake is a fake SORACOM API for tests and the exporter's
// demo mode. It follows the official API definition (soracom-api.en.yaml):
// paths, parameters, field names, types and units (timestamps in
// milliseconds), pagination with x-soracom-next-key and Link headers,
// SORACOM error bodies ({"code","message"}) and X-Soracom-Ratelimit-*
// headers. It has its own JSON types, written from the definition, and
// shares no code with the project's client.
//
// One Fake is one operator with one fleet per coverage; New(Options)
// generates the fleet deterministically from Options.Seed: realistic
// ICCIDs, IMSIs, MSISDNs and IMEIs, every SIM status, several speed
// classes, subscriptions, module types and SIM types, groups, tags, names
// that break naive code, SIMs that never connected, offline SIMs with a
// previous session, online SIMs with a cell, virtual SIMs without IMEI and
// eSIMs with two profiles. Handler("jp") and Handler("g") are the Japan and
// Global hosts: the same credentials work on both, tokens do not cross.
// Serve runs both hosts on loopback ports.
//
// It serves the operations the exporter calls, no more (operationId): POST
// /v1/auth (auth), GET /v1/sims (listSims), GET /v1/sims/{sim_id} (getSim),
// GET /v1/sims/{sim_id}/events/sessions (listSimSessionEvents), GET
// /v1/subscribers/{imsi} (getSubscriber, with locationRegistrationStatus),
// GET /v1/groups (listGroups), GET /v1/cell_locations (getCellLocation: a
// stable made-up position per cell, 404 for some). Routes are
// http.ServeMux patterns (router.go).
//
// Data usage and bills: POST /v1/stats/air/operators/{operator_id}/export
// (exportAirStats), GET /v1/stats/air/sims/{sim_id} (getAirStatsOfSim), GET
// /v1/files/exported/{exported_file_id} (getExportedFile), GET /v1/bills
// (getBillingHistory), GET /v1/bills/latest (getLatestBilling), POST
// /v1/bills/latest/export (exportLatestBilling), GET
// /v1/bills/summaries/bill_items and /sims (getBillingSummaryOfBillItems,
// getBillingSummaryOfSims). Usage is deterministic from the seed and grows
// in buckets of Options.TrafficBucket on the fake clock (traffic.go);
// exported files are downloaded from /_files/ on the fake's host without
// API credentials (api_export.go); truth: AirUsage, FleetAirUsage,
// LatestBill, FileDownloads.
//
// The fake clock (Now, Advance, AdvanceTo, RunDemoClock) moves the fleet:
// sessions come up and go down and devices hand over between cells with
// fixed probabilities per simulated minute, every change is logged per SIM
// (SessionEvents). Token lifetimes, rate-limit windows and export
// processing run on Options.WallClock (the real clock by default).
//
// Where the real API is known to differ from its definition's silence, the
// fake follows the real API: 401 with AUM0001 for a missing or expired
// token, AUM0002 for wrong credentials, 403 for an operation the
// credentials lack permission for (DeniedOperations), tokens of at least
// 180 s, offline sessions that keep their IMSI and subscription,
// getAirStatsOfSim spans of at most 3 days of minutes and 92 days of days.
// Error codes SORACOM does not document start with "FAKE".
//
// Control API, in Go and over HTTP under /_fake/ on every host (see
// serveControl for the HTTP routes):
//
//   - fleet truth: SIMs, SIM, SimIDs, SimCount, OnlineCount, SessionEvents;
//   - sessions: SetOnline, Handover, SetIMEI (a SIM moved into another
//     device); NewEventHandler plays SORACOM's Event Handler, POSTing a
//     templated body to a webhook on each session Created or Deleted;
//   - clock: Now, Advance, AdvanceTo;
//   - faults: SetFaults, Faults (failing, error rate, latency, 429 bursts
//     with or without rate-limit headers, truncated bodies, dropped
//     connections, always failing) and ExpireTokens;
//   - permissions: DenyOperations, DeniedOperations (403 per operation);
//   - exports: SetExports, Exports (how long exports stay processing,
//     whether they fail);
//   - rate limits: Options.RateLimitPerMinute, RateLimitGroups (one bucket
//     shared by several paths);
//   - counters: Calls, CallsWithStatus, CallCounts, TotalCalls,
//     ResetCounters.
package soracomfake
