package soracom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// PageSize is the largest page the list calls allow (the spec documents 1 to
// 100 for limit).
const PageSize = 100

// maxPages stops a server that keeps sending next keys: 10 million SIMs.
const maxPages = 100_000

// list walks every page of a list call: it asks for PageSize items, follows
// x-soracom-next-key (or a Link rel="next" header) and stops only when no next
// key comes, since a page may be shorter than the limit in the middle of the
// list. Each page is decoded as it streams in and handed to yield before the
// next is fetched, so memory does not grow with the fleet. Every page is
// decoded into the same items: yield must not keep the pointer it gets.
func list[T any](ctx context.Context, c *Client, op, path string, query url.Values, yield func(*T) error) error {
	key := ""
	seen := map[string]bool{}
	var items []T
	for page := 0; page < maxPages; page++ {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(PageSize))
		if key != "" {
			q.Set("last_evaluated_key", key)
		}
		var next string
		var err error
		items, next, err = fetchPage(ctx, c, op, path, q, items)
		if err != nil {
			return err
		}
		for i := range items {
			if err := yield(&items[i]); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		if seen[next] {
			return fmt.Errorf("soracom: GET %s: the API sent next key %q twice; stopping to avoid a loop", op, next)
		}
		seen[next] = true
		key = next
	}
	return fmt.Errorf("soracom: GET %s: more than %d pages; stopping", op, maxPages)
}

// fetchPage gets one page. A page whose body is cut or garbled is asked for
// again (within the client's attempt budget), so no item is ever handed out
// twice or lost; an item that is JSON but not of the expected shape is
// skipped and reported (decode.go). The items are decoded into buf, which
// is reused.
func fetchPage[T any](ctx context.Context, c *Client, op, path string, q url.Values, buf []T) ([]T, string, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.do(ctx, request{method: http.MethodGet, op: op, path: path, query: q, idempotent: true})
		if err != nil {
			return nil, "", err
		}
		items, err := decodeArray(resp, buf, func(index int, raw json.RawMessage, err error) {
			c.skipItem(op, index, raw, err)
		})
		_ = resp.Body.Close()
		if err == nil {
			return items, nextKey(resp.Header), nil
		}
		buf = items
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		if attempt >= c.opts.MaxAttempts {
			return nil, "", &MalformedResponseError{Method: http.MethodGet, Operation: op, Err: err}
		}
		c.log.Debug("malformed page, asking again", "operation", op, "attempt", attempt, "err", err)
		if err := c.clock.Sleep(ctx, c.backoff(attempt)); err != nil {
			return nil, "", err
		}
	}
}

var linkNext = regexp.MustCompile(`<([^>]*)>\s*;[^,]*rel="?next"?`)

// nextKey reads x-soracom-next-key, else the last_evaluated_key of a Link
// rel="next" URL.
func nextKey(h http.Header) string {
	if k := strings.TrimSpace(h.Get("X-Soracom-Next-Key")); k != "" {
		return k
	}
	for _, l := range h.Values("Link") {
		if m := linkNext.FindStringSubmatch(l); m != nil {
			if u, err := url.Parse(m[1]); err == nil {
				if k := u.Query().Get("last_evaluated_key"); k != "" {
					return k
				}
			}
		}
	}
	return ""
}

// ErrStop may be returned by a yield function to end a listing early without
// an error.
var ErrStop = errors.New("stop listing")
