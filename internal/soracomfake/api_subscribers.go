package soracomfake

import "net/http"

// handleListSubscribers is GET /subscribers (operationId listSubscribers),
// paged by IMSI. Filters (status_filter, speed_class_filter,
// serial_number_filter, tag_name/tag_value/tag_value_match_mode) are applied
// to each page's window of subscribers, so a filtered page may hold fewer
// subscribers than the limit, even none, and still have a next page.
func handleListSubscribers(rq *request) {
	pp, ok := rq.parsePage()
	if !ok {
		return
	}
	tags, ok := rq.parseTagFilter()
	if !ok {
		return
	}
	q := rq.r.URL.Query()
	statuses := pipeList(q.Get("status_filter"))
	speeds := pipeList(q.Get("speed_class_filter"))
	serials := pipeList(q.Get("serial_number_filter"))
	filtered := tags != nil || statuses != nil || speeds != nil || serials != nil

	f := rq.f
	f.mu.RLock()
	fl := f.fleet(rq.coverage)
	p := pager{n: len(fl.subs), key: func(i int) string { return fl.subs[i].imsi }, scan: true}
	if filtered {
		p.match = func(i int) bool {
			ref := fl.subs[i]
			s := ref.sim
			return (statuses == nil || anyEqual(statuses, s.subscriptionStatus(ref.profile, ref.sub))) &&
				(speeds == nil || anyEqual(speeds, s.speedClass)) &&
				(serials == nil || (s.serial != "" && anyPrefix(serials, s.serial))) &&
				tags.matches(s.tags)
		}
	}
	idx, next := rq.page(p, pp)
	out := make([]subscriberJSON, len(idx))
	for k, i := range idx {
		ref := fl.subs[i]
		out[k] = ref.sim.subscriberView(f.opts.OperatorID, ref.profile, ref.sub)
	}
	f.mu.RUnlock()
	rq.setNext(next, pp.limit)
	rq.ok(out)
}

// handleGetSubscriber is GET /subscribers/{imsi} (operationId getSubscriber).
func handleGetSubscriber(rq *request) {
	f := rq.f
	f.mu.RLock()
	ref, found := f.fleet(rq.coverage).byIMSI[rq.params["imsi"]]
	var v subscriberJSON
	if found {
		v = ref.sim.subscriberView(f.opts.OperatorID, ref.profile, ref.sub)
	}
	f.mu.RUnlock()
	if !found {
		rq.fail(http.StatusNotFound, codeNotFound, "no such subscriber")
		return
	}
	rq.ok(v)
}
