package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// SORACOM's asynchronous exports (exportAirStats, exportLatestBilling) may
// take minutes, longer than a poll may wait. An export is therefore kept
// across polls: a poll whose time runs out leaves it pending, the next poll
// waits on the same exportedFileId, and a new export is asked for only
// once the previous one delivered, failed, or is older than
// MaxPendingExport.

// MaxPendingExport is how long an export may stay pending before it is
// given up and a new one is asked for. SORACOM does not document how long
// an export may take nor how long its ID stays valid; an hour is far
// beyond any export seen, yet short enough that a lost export does not
// stop the data for long.
const MaxPendingExport = time.Hour

// Export outcomes, for ExportObserver.
const (
	ExportExported  = "exported"
	ExportFailed    = "failed"
	ExportAbandoned = "abandoned"
)

// ExportObserver records the exports of the air and billing sources:
// whether one is pending per target, and how each ended and how long it
// took, from the request to the file being ready.
type ExportObserver interface {
	ExportPending(source, account, coverage string, pending bool)
	ExportFinished(source, account, coverage, result string, took time.Duration)
}

type noExportObserver struct{}

func (noExportObserver) ExportPending(_, _, _ string, _ bool)              {}
func (noExportObserver) ExportFinished(_, _, _, _ string, _ time.Duration) {}

// exportTracker keeps each target's pending export of one source.
type exportTracker struct {
	source    string
	firstPoll time.Duration
	observer  ExportObserver
	log       *slog.Logger

	mu      sync.Mutex
	pending map[accountCoverage]*pendingExport
}

// pendingExport is an export asked for and not delivered yet.
type pendingExport struct {
	id      string
	started time.Time // on the client's clock
	// covers names what the export was asked for (the month): an export
	// of another month is of no use any more.
	covers string
}

func newExportTracker(source string, firstPoll time.Duration, env Env) *exportTracker {
	obs := env.Exports
	if obs == nil {
		obs = noExportObserver{}
	}
	return &exportTracker{source: source, firstPoll: firstPoll, observer: obs, log: env.Logger,
		pending: map[accountCoverage]*pendingExport{}}
}

// ExportPendingError is a poll's error when its export was still
// processing at the end of the poll; the next poll resumes waiting on it.
type ExportPendingError struct {
	Source, ExportedFileID string
	Age                    time.Duration
	Err                    error
}

func (e *ExportPendingError) Error() string {
	return fmt.Sprintf("%s export %s still processing after %s; the next poll resumes waiting on it (%v)",
		e.Source, e.ExportedFileID, e.Age.Round(time.Second), e.Err)
}

func (e *ExportPendingError) Unwrap() error { return e.Err }

// fetch returns the body of the target's export covering covers: the
// pending one if there is one, else a new one that start asks for. The
// caller closes the body.
func (x *exportTracker) fetch(ctx context.Context, t Target, covers string, start func(context.Context) (*soracom.FileExport, error)) (io.ReadCloser, error) {
	k := keyOf(t)
	now := t.Client.Now()
	x.mu.Lock()
	p := x.pending[k]
	x.mu.Unlock()
	if p != nil && (p.covers != covers || now.Sub(p.started) > MaxPendingExport) {
		x.log.Warn("giving up a pending export", "exported_file_id", p.id, "age", now.Sub(p.started).Round(time.Second),
			"reason", giveUpReason(p, covers))
		x.finish(t, p, ExportAbandoned, now)
		p = nil
	}
	exp := &soracom.FileExport{}
	if p == nil {
		var err error
		if exp, err = start(ctx); err != nil {
			return nil, err
		}
		p = &pendingExport{id: exp.ExportedFileID, started: now, covers: covers}
		if exp.URL == "" {
			x.mu.Lock()
			x.pending[k] = p
			x.mu.Unlock()
			x.observer.ExportPending(x.source, t.Account, string(t.Coverage), true)
		}
	} else {
		exp.ExportedFileID = p.id
		x.log.Debug("resuming a pending export", "exported_file_id", p.id, "age", now.Sub(p.started).Round(time.Second))
	}
	url, err := t.Client.WaitExportedFile(ctx, exp, x.firstPoll)
	var pending *soracom.ExportPendingError
	switch {
	case errors.As(err, &pending):
		return nil, &ExportPendingError{Source: x.source, ExportedFileID: p.id, Age: t.Client.Now().Sub(p.started), Err: pending.Err}
	case errors.Is(err, soracom.ErrExportFailed), soracom.IsStatus(err, http.StatusNotFound):
		// Failed, or unknown to SORACOM (expired): the next poll asks anew.
		x.finish(t, p, ExportFailed, t.Client.Now())
		return nil, err
	case err != nil:
		// A failed check (5xx, 429, network): the export may be fine; keep
		// it pending.
		return nil, err
	}
	x.finish(t, p, ExportExported, t.Client.Now())
	return t.Client.DownloadExportedFile(ctx, url)
}

func giveUpReason(p *pendingExport, covers string) string {
	if p.covers != covers {
		return "it covers " + p.covers + ", now " + covers
	}
	return fmt.Sprintf("pending longer than %s", MaxPendingExport)
}

// finish forgets the target's pending export p and records how it ended.
func (x *exportTracker) finish(t Target, p *pendingExport, result string, now time.Time) {
	k := keyOf(t)
	x.mu.Lock()
	wasPending := x.pending[k] == p
	if wasPending {
		delete(x.pending, k)
	}
	x.mu.Unlock()
	if wasPending {
		x.observer.ExportPending(x.source, t.Account, string(t.Coverage), false)
	}
	x.observer.ExportFinished(x.source, t.Account, string(t.Coverage), result, now.Sub(p.started))
}
