package soracomfake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// EventHandlerRule is one SORACOM Event Handler: a
// SubscriberSessionStatusRule for SessionStatus (Created or Deleted) with
// one ExecuteWebRequestAction (executionDateTimeConst IMMEDIATELY) that
// POSTs Body to URL with Headers and ContentType. Body may hold the
// variables ${imsi}, ${simId} and ${operatorId}.
type EventHandlerRule struct {
	SessionStatus string
	URL           string
	ContentType   string
	Headers       map[string]string
	Body          string
}

// EventHandler plays SORACOM's Event Handler against the fake's fleet:
// each Dispatch sends one web request per matching session event the clock
// (or SetOnline, Handover, SetIMEI) produced since the previous Dispatch, in
// time order. Only events after NewEventHandler count.
type EventHandler struct {
	f      *Fake
	rules  []EventHandlerRule
	client *http.Client

	mu   sync.Mutex
	seen map[string]int64 // SIM ID → time of the last event considered
	sent int
}

// NewEventHandler starts watching the fleet with the given rules. client
// nil means a client with a 10-second timeout.
func (f *Fake) NewEventHandler(client *http.Client, rules ...EventHandlerRule) *EventHandler {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	e := &EventHandler{f: f, rules: rules, client: client, seen: map[string]int64{}}
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, fl := range f.fleets {
		for _, s := range fl.sims {
			if n := len(s.events); n > 0 {
				e.seen[s.id] = s.events[n-1].time
			}
		}
	}
	return e
}

type pendingCall struct {
	time int64
	rule *EventHandlerRule
	body string
}

// Dispatch sends the requests due and returns how many it sent. A request
// that fails is not retried (the real Event Handler does not either); the
// first error is returned after the rest were sent.
func (e *EventHandler) Dispatch(ctx context.Context) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var calls []pendingCall
	e.f.mu.RLock()
	for _, cov := range e.f.opts.Coverages {
		for _, s := range e.f.fleets[cov].sims {
			last := e.seen[s.id]
			for _, ev := range s.events {
				if ev.time <= last {
					continue
				}
				e.seen[s.id] = ev.time
				for i := range e.rules {
					r := &e.rules[i]
					if r.SessionStatus == ev.kind.String() {
						calls = append(calls, pendingCall{ev.time, r, e.expand(r.Body, s)})
					}
				}
			}
		}
	}
	e.f.mu.RUnlock()
	slices.SortStableFunc(calls, func(a, b pendingCall) int { return int(a.time - b.time) })
	var errs []error
	sent := 0
	for _, c := range calls {
		if err := e.post(ctx, c); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	e.sent += sent
	return sent, errors.Join(errs...)
}

// Run dispatches every tick until ctx ends.
func (e *EventHandler) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.Dispatch(ctx)
		}
	}
}

// Sent returns the number of requests sent successfully so far.
func (e *EventHandler) Sent() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sent
}

func (e *EventHandler) expand(body string, s *sim) string {
	return strings.NewReplacer("${imsi}", s.primary().imsi, "${simId}", s.id, "${operatorId}", e.f.opts.OperatorID).Replace(body)
}

func (e *EventHandler) post(ctx context.Context, c pendingCall) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.rule.URL, bytes.NewReader([]byte(c.body)))
	if err != nil {
		return err
	}
	ct := c.rule.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	for k, v := range c.rule.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("event handler: %s answered HTTP %d", c.rule.URL, resp.StatusCode)
	}
	return nil
}
