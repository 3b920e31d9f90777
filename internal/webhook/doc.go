// Package webhook receives SORACOM Event Handler calls (a
// SubscriberSessionStatusRule with an ExecuteWebRequestAction) and has the
// SIM they name refreshed at once, so that a session going down shows in the
// metrics within seconds instead of at the next poll.
//
// The request must carry the shared secret in a header (401 otherwise) and a
// small JSON body, Notification (400 with the reason otherwise). Accepted
// calls are answered 202 and queued; one worker refreshes the SIMs in turn,
// so a flood of calls costs at most one refresh at a time, never more than
// the token bucket lets through, and the API client's own pacing still
// applies below that. Duplicate calls for a SIM already queued are merged.
package webhook
