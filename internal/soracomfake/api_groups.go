package soracomfake

// handleListGroups is GET /groups (operationId listGroups), paged by group
// ID, with the tag_name/tag_value/tag_value_match_mode filter.
func handleListGroups(rq *request) {
	pp, ok := rq.parsePage()
	if !ok {
		return
	}
	tags, ok := rq.parseTagFilter()
	if !ok {
		return
	}
	f := rq.f
	fl := f.fleet(rq.coverage) // groups never change after generation
	p := pager{n: len(fl.groups), key: func(i int) string { return fl.groups[i].id }}
	if tags != nil {
		p.match = func(i int) bool { return tags.matches(fl.groups[i].tags) }
	}
	idx, next := rq.page(p, pp)
	out := make([]groupJSON, len(idx))
	for k, i := range idx {
		out[k] = fl.groups[i].view(f.opts.OperatorID)
	}
	rq.setNext(next, pp.limit)
	rq.ok(out)
}
