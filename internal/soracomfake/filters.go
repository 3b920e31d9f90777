package soracomfake

import (
	"net/http"
	"strings"
)

// tagFilter is the tag_name / tag_value / tag_value_match_mode trio of
// listGroups.
type tagFilter struct {
	name, value string
	prefix      bool
}

// parseTagFilter reads the trio; nil when no tag filter was asked for. It
// answers 400 itself for tag_name without tag_value or an unknown mode.
func (rq *request) parseTagFilter() (*tagFilter, bool) {
	q := rq.r.URL.Query()
	mode := q.Get("tag_value_match_mode")
	if mode != "" && mode != "exact" && mode != "prefix" {
		rq.fail(http.StatusBadRequest, codeBadRequest, "tag_value_match_mode must be exact or prefix")
		return nil, false
	}
	name := q.Get("tag_name")
	if name == "" {
		return nil, true
	}
	if !q.Has("tag_value") {
		rq.fail(http.StatusBadRequest, codeBadRequest, "tag_value is required with tag_name")
		return nil, false
	}
	return &tagFilter{name: name, value: q.Get("tag_value"), prefix: mode == "prefix"}, true
}

func (t *tagFilter) matches(tags tagSet) bool {
	if t == nil {
		return true
	}
	v, ok := tags.get(t.name)
	if !ok {
		return false
	}
	if t.prefix {
		return strings.HasPrefix(v, t.value)
	}
	return v == t.value
}
