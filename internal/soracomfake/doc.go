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
// Operations served (operationId): POST /v1/auth (auth), GET /v1/sims
// (listSims), GET /v1/sims/{sim_id} (getSim), GET
// /v1/sims/{sim_id}/events/sessions (listSimSessionEvents), GET
// /v1/subscribers (listSubscribers), GET /v1/subscribers/{imsi}
// (getSubscriber), GET /v1/groups (listGroups), GET /v1/query/sims
// (searchSims).
//
// The fake clock (Now, Advance, AdvanceTo, RunDemoClock) moves the fleet:
// sessions come up and go down and devices hand over between cells with
// fixed probabilities per simulated minute, every change is logged per SIM
// (SessionEvents). Token lifetimes and rate-limit windows run on the real
// clock.
//
// Control API, in Go and over HTTP under /_fake/ on every host (see
// serveControl for the HTTP routes):
//
//   - fleet truth: SIMs, SIM, SimIDs, SimCount, OnlineCount, SessionEvents;
//   - sessions: SetOnline;
//   - clock: Now, Advance, AdvanceTo;
//   - faults: SetFaults, Faults (failing, error rate, latency, 429 bursts,
//     truncated bodies, dropped connections, always failing) and
//     ExpireTokens;
//   - counters: Calls, CallsWithStatus, CallCounts, TotalCalls,
//     ResetCounters.
package soracomfake
