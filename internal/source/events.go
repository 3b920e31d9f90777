package source

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Session events: after each listing, the SIMs whose session changed have
// their session log read from just after the last event counted, so that a
// SIM that went down and up between two polls is counted exactly, and the
// calls grow with the SIMs that changed, not with the fleet.

var (
	famSessionEvents = exposition.NewFamily("soracom_sim_session_events_total",
		"Session events of the SIM (created, modified: handover, deleted) since the exporter first saw it, read from its session log.",
		exposition.Counter, "sim_id", "imsi", "event")
	famFleetSessionEvents = exposition.NewFamily("soracom_sims_session_events_total",
		"Session events across the exported SIMs of the target since the exporter started.",
		exposition.Counter, "operator_id", "coverage", "event")
	famEventBacklog = exposition.NewFamily("soracom_sims_session_event_reads_pending",
		"SIMs whose session changed but whose session log was not read yet: the per-poll call budget carried them over to the next poll.",
		exposition.Gauge, "operator_id", "coverage")
	famEventDeferred = exposition.NewFamily("soracom_sims_session_event_reads_deferred_total",
		"Session log reads carried over to a later poll by the per-poll call budget, summed over polls.",
		exposition.Counter, "operator_id", "coverage")
)

// sessionEventsWindow is how far back the session log reaches; a read never
// asks for more (a SIM quiet for longer is read from the start of the
// window).
const sessionEventsWindow = 32 * 24 * time.Hour

// eventRead is one SIM's session log read, planned under the lock and done
// without it.
type eventRead struct {
	rec   *simRecord
	simID string
	from  soracom.Millis
	// changedAt is the SIM's lastUpdatedAt when the read was planned: a
	// change seen after it (by a webhook refresh) keeps the SIM queued.
	changedAt soracom.Millis
	counts    [eventKinds]int
	newest    soracom.Millis
	calls     int
	gone      bool
}

// readSessionEvents works through the queue of changed SIMs, oldest change
// first, within the per-poll budget; what does not fit stays queued, in
// order, for the next poll, so every SIM is served in turn.
func (s *Sessions) readSessionEvents(ctx context.Context, t Target, st *targetState) {
	if !s.opts.SessionEvents {
		return
	}
	budget := s.opts.EventBudget
	st.mu.Lock()
	plan := make([]*eventRead, 0, min(len(st.queue), budget))
	for _, rec := range st.queue {
		if len(plan) == budget {
			break
		}
		if rec.gone {
			continue
		}
		plan = append(plan, &eventRead{rec: rec, simID: rec.ID(), from: readFrom(rec), changedAt: rec.core.updated})
	}
	st.mu.Unlock()

	calls := 0
	var done []*eventRead
	for _, r := range plan {
		if calls >= budget || ctx.Err() != nil {
			break
		}
		err := readOneLog(ctx, t.Client, r)
		calls += r.calls
		if err != nil && !r.gone {
			s.log.Warn("reading session events failed; the SIMs left wait for the next poll", "account", t.Account,
				"coverage", string(t.Coverage), "sim_id", r.simID, "err", err)
			break
		}
		done = append(done, r)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	read := map[*simRecord]bool{}
	for _, r := range done {
		rec := r.rec
		if rec.gone || r.gone {
			read[rec] = true
			continue
		}
		read[rec] = rec.core.updated <= r.changedAt
		for k, n := range r.counts {
			if rec.detail != nil {
				rec.detail.events[k] += float64(n)
			}
			st.fleet.events[k] += float64(n)
		}
		if r.counts != ([eventKinds]int{}) {
			st.touch(rec)
		}
		rec.eventCursor = max(rec.eventCursor, r.newest)
	}
	st.queue = slices.DeleteFunc(st.queue, func(rec *simRecord) bool {
		if read[rec] || rec.gone {
			rec.queued = false
			return true
		}
		return false
	})
	st.backlog = len(st.queue)
	st.fleet.deferredReads += float64(len(st.queue))
}

// readFrom is where a SIM's read starts: just after the last event counted,
// but never before the log's window (reckoned from the SIM's own latest
// change, so the API's clock is the only one involved).
func readFrom(rec *simRecord) soracom.Millis {
	if rec.eventCursor == 0 {
		return 0 // never counted anything: the whole window
	}
	from := rec.eventCursor + 1
	oldest := rec.core.updated - soracom.Millis(sessionEventsWindow/time.Millisecond) + soracom.Millis(time.Hour/time.Millisecond)
	return max(from, oldest)
}

// readOneLog reads one SIM's events from r.from on, every page: a read is
// never cut in the middle, as the log comes newest first and a partial read
// would leave a hole. The pages are counted against the budget.
func readOneLog(ctx context.Context, c *soracom.Client, r *eventRead) error {
	key := ""
	seen := map[string]bool{}
	for {
		events, next, err := c.SessionEventsPage(ctx, r.simID, r.from, 0, key)
		r.calls++
		if soracom.IsStatus(err, http.StatusNotFound) {
			r.gone = true
		}
		if err != nil {
			return err
		}
		for i := range events {
			e := &events[i]
			if e.Time < r.from {
				continue // the API answered more than asked
			}
			if k, ok := eventIndex(e.Event); ok {
				r.counts[k]++
			}
			r.newest = max(r.newest, e.Time)
		}
		if next == "" || seen[next] {
			return nil
		}
		seen[next] = true
		key = next
	}
}

// renderFleetCounters adds the fleet-level counters, which aggregate mode
// keeps.
func (s *Sessions) renderFleetCounters(b *exposition.Builder, st *targetState, operatorID, cov string) {
	if s.opts.SessionEvents {
		for k := range eventKinds {
			b.Add(famFleetSessionEvents, st.fleet.events[k], operatorID, cov, eventLabels[k])
		}
		b.Add(famEventBacklog, float64(st.backlog), operatorID, cov)
		b.Add(famEventDeferred, st.fleet.deferredReads, operatorID, cov)
	}
	b.Add(famFleetCellChanges, st.fleet.cellChanges, operatorID, cov)
	b.Add(famFleetIMEIChanges, st.fleet.imeiChanges, operatorID, cov)
	if s.opts.CellLocations {
		b.Add(famCellsPending, float64(st.cellsPending), operatorID, cov)
	}
}
