package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Notification is the body the Event Handler sends, built from its
// variables (see BodyTemplate and the README):
//
//	{"imsi":"${imsi}","event":"Created"}
//
// At least one of imsi and simId is required; a malformed simId is ignored
// when imsi is valid; event is optional and, when given, one of Created,
// Deleted or Modified.
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

// BodyTemplate is the ExecuteWebRequestAction body the README's recipe
// gives for a SubscriberSessionStatusRule of the given session status
// (Created or Deleted). It uses ${imsi} only, the variable SORACOM
// documents for this rule.
func BodyTemplate(sessionStatus string) string {
	return `{"imsi":"${imsi}","event":"` + sessionStatus + `"}`
}

// maxUnknownFields bounds the unknown field names one body reports.
const maxUnknownFields = 8

// decodeNotification reads and checks one body. Errors say what is wrong
// without echoing the body. Fields other than imsi, simId and event are
// ignored and their names returned (at most maxUnknownFields), so that a
// template with more variables (${operatorId}) still works.
func decodeNotification(r io.Reader) (n Notification, unknown []string, err error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return Notification{}, nil, errors.New("the body could not be read")
	}
	if len(body) > MaxBodyBytes {
		return Notification{}, nil, fmt.Errorf("the body is larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return Notification{}, nil, fmt.Errorf("the body is not the expected JSON object: %s", describeJSONError(err))
	}
	if fields == nil {
		return Notification{}, nil, errors.New("the body is not the expected JSON object: null")
	}
	if dec.More() {
		return Notification{}, nil, errors.New("the body has data after the JSON object")
	}
	for name, raw := range fields {
		var dst *string
		switch name {
		case "imsi":
			dst = &n.IMSI
		case "simId":
			dst = &n.SimID
		case "event":
			dst = &n.Event
		default:
			if len(unknown) < maxUnknownFields {
				unknown = append(unknown, name)
			}
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return Notification{}, nil, fmt.Errorf("the body is not the expected JSON object: field %q has the wrong type", name)
		}
	}
	slices.Sort(unknown)
	// A variable the Event Handler did not expand for this rule's target
	// counts as absent.
	n.IMSI, n.SimID = unexpanded(n.IMSI), unexpanded(n.SimID)
	if n.IMSI != "" && !digits(n.IMSI, 6, 15) {
		return Notification{}, nil, errors.New(`"imsi" must be 6 to 15 digits`)
	}
	if n.SimID != "" && !digits(n.SimID, 10, 24) {
		if n.IMSI == "" {
			return Notification{}, nil, errors.New(`"simId" must be 10 to 24 digits`)
		}
		// What the Event Handler puts for a variable the rule does not
		// supply is not documented ("null", "undefined", ...): with a
		// valid IMSI, the SIM is known anyway.
		n.SimID = ""
	}
	if n.IMSI == "" && n.SimID == "" {
		return Notification{}, nil, errors.New(`the body names no SIM: give "imsi" or "simId"`)
	}
	switch n.Event {
	case "", "Created", "Deleted", "Modified":
	default:
		return Notification{}, nil, errors.New(`"event" must be Created, Deleted or Modified`)
	}
	return n, unknown, nil
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
	}
	return "invalid JSON"
}

func unexpanded(v string) string {
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		return ""
	}
	return v
}
