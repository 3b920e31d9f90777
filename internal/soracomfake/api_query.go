package soracomfake

import (
	"net/http"
	"strings"
)

// searchField is one multi-value search parameter of searchSims and the
// SIM values it is matched against.
type searchField struct {
	param  string
	exact  bool // subscription is matched exactly; the rest partially
	values func(s *sim, fl *fleet) []string
}

var searchFields = []searchField{
	{param: "name", values: func(s *sim, _ *fleet) []string { return []string{s.name()} }},
	{param: "group", values: func(s *sim, fl *fleet) []string {
		if g := fl.groupsBy[s.groupID]; g != nil {
			return []string{g.name}
		}
		return nil
	}},
	{param: "group_id", values: func(s *sim, _ *fleet) []string { return nonEmpty(s.groupID) }},
	{param: "sim_id", values: func(s *sim, _ *fleet) []string { return []string{s.id} }},
	{param: "imsi", values: func(s *sim, _ *fleet) []string {
		return s.collect(func(_ *profile, sub *subscription) string { return sub.imsi })
	}},
	{param: "msisdn", values: func(s *sim, _ *fleet) []string {
		return s.collect(func(_ *profile, sub *subscription) string { return sub.msisdn })
	}},
	{param: "iccid", values: func(s *sim, _ *fleet) []string {
		return s.collect(func(p *profile, _ *subscription) string { return p.iccid })
	}},
	{param: "serial_number", values: func(s *sim, _ *fleet) []string { return nonEmpty(s.serial) }},
	{param: "tag", values: func(s *sim, _ *fleet) []string {
		out := make([]string, len(s.tags))
		for i, t := range s.tags {
			out[i] = t.value
		}
		return out
	}},
	{param: "bundles", values: func(s *sim, _ *fleet) []string {
		var out []string
		for _, p := range s.profiles {
			for _, sub := range p.subs {
				out = append(out, sub.bundles...)
			}
		}
		return out
	}},
	{param: "status", values: func(s *sim, _ *fleet) []string { return []string{s.status} }},
	{param: "subscription", exact: true, values: func(s *sim, _ *fleet) []string {
		return s.collect(func(_ *profile, sub *subscription) string { return sub.plan.name })
	}},
	{param: "module_type", values: func(s *sim, _ *fleet) []string { return []string{s.moduleType} }},
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// collect gathers one non-empty value per subscription.
func (s *sim) collect(get func(*profile, *subscription) string) []string {
	var out []string
	for p := range s.profiles {
		for k := range s.profiles[p].subs {
			if v := get(&s.profiles[p], &s.profiles[p].subs[k]); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// searchTerm is one search value of one parameter.
type searchTerm struct {
	field *searchField
	value string // lower case
}

func (t searchTerm) matches(s *sim, fl *fleet) bool {
	for _, v := range t.field.values(s, fl) {
		v = strings.ToLower(v)
		if t.field.exact && v == t.value || !t.field.exact && strings.Contains(v, t.value) {
			return true
		}
	}
	return false
}

// handleSearchSims is GET /query/sims (operationId searchSims). As the
// definition describes: every search value is matched partially and
// case-insensitively (subscription exactly); values of a parameter may be
// repeated or comma-separated and must each be at least 2 characters;
// search_type and/or combines all the values of all the parameters;
// session_status (NA, ONLINE, OFFLINE) narrows the result further. Results
// are ordered and paged by SIM ID, the limit defaults to 10. Note that
// partial matching makes status=active also find inactive SIMs.
func handleSearchSims(rq *request) {
	pp, ok := rq.parsePage()
	if !ok {
		return
	}
	q := rq.r.URL.Query()
	var terms []searchTerm
	for i := range searchFields {
		fld := &searchFields[i]
		for _, raw := range q[fld.param] {
			for _, v := range strings.Split(raw, ",") {
				if len([]rune(v)) < 2 {
					rq.fail(http.StatusBadRequest, codeBadRequest, "each search value of "+fld.param+" must be at least 2 characters long")
					return
				}
				terms = append(terms, searchTerm{field: fld, value: strings.ToLower(v)})
			}
		}
	}
	or := false
	switch strings.ToLower(q.Get("search_type")) {
	case "", "and":
	case "or":
		or = true
	default:
		rq.fail(http.StatusBadRequest, codeBadRequest, "search_type must be and or or")
		return
	}
	session := q.Get("session_status")
	switch session {
	case "", "NA", "ONLINE", "OFFLINE":
	default:
		rq.fail(http.StatusBadRequest, codeBadRequest, "session_status must be NA, ONLINE or OFFLINE")
		return
	}

	f := rq.f
	f.mu.RLock()
	fl := f.fleet(rq.coverage)
	match := func(i int) bool {
		s := fl.sims[i]
		if session == "ONLINE" && !s.online || session == "OFFLINE" && s.online {
			return false
		}
		if len(terms) == 0 {
			return true
		}
		for _, t := range terms {
			if t.matches(s, fl) == or {
				return or
			}
		}
		return !or
	}
	idx, next := rq.page(pager{n: len(fl.sims), key: func(i int) string { return fl.sims[i].id }, match: match}, pp)
	out := make([]simJSON, len(idx))
	for k, i := range idx {
		out[k] = fl.sims[i].view(f.opts.OperatorID)
	}
	f.mu.RUnlock()
	rq.setNext(next, pp.limit)
	rq.ok(out)
}
