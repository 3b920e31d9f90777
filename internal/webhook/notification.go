package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Notification is the body the Event Handler sends, built from its
// variables (see the README for the action's template):
//
//	{"imsi":"${imsi}","event":"Created"}
//
// At least one of imsi and simId is required; event is optional and, when
// given, one of Created, Deleted or Modified.
type Notification struct {
	IMSI  string `json:"imsi,omitempty"`
	SimID string `json:"simId,omitempty"`
	Event string `json:"event,omitempty"`
}

// MaxBodyBytes bounds the body read; the documented body is far smaller.
const MaxBodyBytes = 4 << 10

// key identifies the SIM a notification is about, to merge duplicates.
func (n Notification) key() string {
	if n.SimID != "" {
		return "sim:" + n.SimID
	}
	return "imsi:" + n.IMSI
}

// decodeNotification reads and checks one body. Errors say what is wrong
// without echoing the body.
func decodeNotification(r io.Reader) (Notification, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return Notification{}, errors.New("the body could not be read")
	}
	if len(body) > MaxBodyBytes {
		return Notification{}, fmt.Errorf("the body is larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var n Notification
	if err := dec.Decode(&n); err != nil {
		return Notification{}, fmt.Errorf("the body is not the expected JSON object: %s", describeJSONError(err))
	}
	if dec.More() {
		return Notification{}, errors.New("the body has data after the JSON object")
	}
	// A variable the Event Handler did not expand for this rule's target
	// (${simId} of a subscriber rule, say) counts as absent.
	n.IMSI, n.SimID = unexpanded(n.IMSI), unexpanded(n.SimID)
	if n.IMSI == "" && n.SimID == "" {
		return Notification{}, errors.New(`the body names no SIM: give "imsi" or "simId"`)
	}
	if n.IMSI != "" && !digits(n.IMSI, 6, 15) {
		return Notification{}, errors.New(`"imsi" must be 6 to 15 digits`)
	}
	if n.SimID != "" && !digits(n.SimID, 10, 24) {
		return Notification{}, errors.New(`"simId" must be 10 to 24 digits`)
	}
	switch n.Event {
	case "", "Created", "Deleted", "Modified":
	default:
		return Notification{}, errors.New(`"event" must be Created, Deleted or Modified`)
	}
	return n, nil
}

func digits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// describeJSONError keeps the decoder's reason but not the input it quotes.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	case bytes.HasPrefix([]byte(err.Error()), []byte("json: unknown field")):
		return "unknown field"
	}
	return "invalid JSON"
}

func unexpanded(v string) string {
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		return ""
	}
	return v
}
