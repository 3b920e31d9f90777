package soracom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// One odd item never costs a whole answer. A list page is decoded item by
// item: an item that is valid JSON but not of the expected shape (a string
// where the definition promises an object, a number that is not one) is
// skipped, counted through Observer.ObserveDecodeError and logged with its
// ID, and the rest of the page is served. A page that is not valid JSON at
// all (cut short, garbled on the way) is asked for again instead, as
// before: that is a transport fault, not an odd item.

// decodeArray decodes a JSON array of T from resp into buf, which it
// reuses (a listing decodes every page into the same slice, so a page
// costs the values inside its items, not the items themselves). skip is
// called for each item that does not decode as T, with the item's raw
// JSON, valid only during the call; the item is left out. A body that is
// not a JSON array fails the whole page.
//
// An item type that is an itemDecoder decodes itself, into the slot it had
// on the last page, whose memory it reuses.
func decodeArray[T any](resp *http.Response, buf []T, skip func(index int, raw json.RawMessage, err error)) ([]T, error) {
	_, reuse := any((*T)(nil)).(itemDecoder)
	if !reuse {
		clear(buf) // no pointer of the last page outlives it
	}
	items := buf[:0]
	dec := json.NewDecoder(resp.Body)
	tok, err := dec.Token()
	if err != nil {
		return items, err
	}
	if tok == nil { // a literal null: treat as an empty page
		return items, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return items, fmt.Errorf("expected a JSON array, got %v", tok)
	}
	if items == nil {
		items = make([]T, 0, PageSize)
	}
	var raw json.RawMessage // one buffer for every item's text
	var zero T
	for index := 0; dec.More(); index++ {
		if err := dec.Decode(&raw); err != nil {
			return items, err // not JSON: the page as a whole is broken
		}
		// Each item on its own, straight into its slot, which starts
		// zero: Unmarshal would otherwise merge into the last page's. An
		// itemDecoder sets every field itself and keeps the slot's memory.
		if reuse && len(items) < cap(items) {
			items = items[:len(items)+1]
		} else {
			items = append(items, zero)
		}
		item := &items[len(items)-1]
		var err error
		if d, ok := any(item).(itemDecoder); ok {
			err = d.decodeItem(raw)
		} else {
			err = json.Unmarshal(raw, item)
		}
		if err != nil {
			if !reuse {
				*item = zero
			}
			items = items[:len(items)-1]
			skip(index, raw, err)
			continue
		}
	}
	if _, err := dec.Token(); err != nil {
		return items, err
	}
	return items, nil
}

// isSyntaxError tells a body that is not JSON (cut, garbled: worth asking
// again) from JSON of the wrong shape (the same answer would come again).
func isSyntaxError(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// itemID names a raw item for the log: its simId, imsi, groupId or
// sessionId when it has one as a string or a number, else "".
func itemID(raw json.RawMessage) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	for _, k := range []string{"simId", "imsi", "groupId", "sessionId"} {
		v := bytes.TrimSpace(fields[k])
		var s string
		switch {
		case json.Unmarshal(v, &s) == nil && s != "":
			return clip(s, 64)
		case len(v) > 0 && v[0] != '"' && v[0] != '{' && v[0] != '[' && string(v) != "null":
			return clip(string(v), 64)
		}
	}
	return ""
}

// skipItem reports an item of a page that did not decode.
func (c *Client) skipItem(op string, index int, raw json.RawMessage, err error) {
	c.obs.ObserveDecodeError(op)
	id := itemID(raw)
	key := op + " " + id
	if id == "" {
		id = "(none)"
		key = op + " #" + strconv.Itoa(index)
	}
	level := slog.LevelDebug
	if c.undecodable.first(key) {
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "skipping an item of the API answer that does not decode; the rest is served",
		"operation", "GET "+op, "id", id, "err", clip(err.Error(), 300))
}

// logOnce remembers keys up to a bound, so that an item that stays broken
// is logged at warning level once, not on every poll.
type logOnce struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

const maxLogOnce = 10_000

// first reports whether key is new (and remembers it while there is room).
func (l *logOnce) first(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[key]; ok {
		return false
	}
	if l.seen == nil {
		l.seen = map[string]struct{}{}
	}
	if len(l.seen) < maxLogOnce {
		l.seen[key] = struct{}{}
	}
	return true
}

// optInt is an integer of an answer that the definition types as integer
// but that may arrive as a numeric string, as some SORACOM timestamps have.
// null, "" and absence leave it unset.
type optInt struct {
	v   int64
	set bool
}

func (o *optInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		*o = optInt{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*o = optInt{v: i, set: true}
		return nil
	}
	// An integral float (1.7e12, 10.0) is still the integer it names.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		*o = optInt{v: int64(f), set: true}
		return nil
	}
	return fmt.Errorf("%q is not an integer", clip(s, 40))
}

// ptr returns the value as *int64, nil when unset.
func (o optInt) ptr() *int64 {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// Integers of the answers are read through optInt, so that a number sent as
// a numeric string does not cost the SIM or the bucket that holds it.

// UnmarshalJSON reads a cell whose integers may be numbers or numeric
// strings.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var a struct {
		RadioType string `json:"radioType"`
		MCC       optInt `json:"mcc"`
		MNC       optInt `json:"mnc"`
		TAC       optInt `json:"tac"`
		ECI       optInt `json:"eci"`
		LAC       optInt `json:"lac"`
		CI        optInt `json:"ci"`
		RAC       optInt `json:"rac"`
		SAC       optInt `json:"sac"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*c = Cell{RadioType: a.RadioType, MCC: a.MCC.ptr(), MNC: a.MNC.ptr(), TAC: a.TAC.ptr(), ECI: a.ECI.ptr(),
		LAC: a.LAC.ptr(), CI: a.CI.ptr(), RAC: a.RAC.ptr(), SAC: a.SAC.ptr()}
	return nil
}

// UnmarshalJSON reads traffic counters that may be numbers or numeric
// strings.
func (s *DataTrafficStats) UnmarshalJSON(b []byte) error {
	var a struct {
		UploadByteSizeTotal     optInt `json:"uploadByteSizeTotal"`
		DownloadByteSizeTotal   optInt `json:"downloadByteSizeTotal"`
		UploadPacketSizeTotal   optInt `json:"uploadPacketSizeTotal"`
		DownloadPacketSizeTotal optInt `json:"downloadPacketSizeTotal"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*s = DataTrafficStats{UploadByteSizeTotal: a.UploadByteSizeTotal.v, DownloadByteSizeTotal: a.DownloadByteSizeTotal.v,
		UploadPacketSizeTotal: a.UploadPacketSizeTotal.v, DownloadPacketSizeTotal: a.DownloadPacketSizeTotal.v}
	return nil
}

// UnmarshalJSON reads a usage bucket whose unixtime may be a number or a
// numeric string.
func (a *AirStats) UnmarshalJSON(b []byte) error {
	type plain AirStats // without this method
	var v struct {
		*plain
		Unixtime optInt `json:"unixtime"` // shadows plain's
	}
	v.plain = (*plain)(a)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	a.Unixtime = v.Unixtime.v
	return nil
}

// UnmarshalJSON reads a cell location whose range may be a number or a
// numeric string.
func (l *CellLocation) UnmarshalJSON(b []byte) error {
	type plain CellLocation
	var v struct {
		*plain
		Range optInt `json:"range"`
	}
	v.plain = (*plain)(l)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	l.Range = v.Range.v
	return nil
}
