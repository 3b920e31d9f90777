package soracomfake

import "net/http"

// handleListSims is GET /sims (operationId listSims), paged by SIM ID.
func handleListSims(rq *request) {
	pp, ok := rq.parsePage()
	if !ok {
		return
	}
	f := rq.f
	f.mu.RLock()
	fl := f.fleet(rq.coverage)
	idx, next := rq.page(pager{n: len(fl.sims), key: func(i int) string { return fl.sims[i].id }}, pp)
	out := make([]any, len(idx))
	for k, i := range idx {
		out[k] = f.simItem(fl.sims[i])
	}
	f.mu.RUnlock()
	rq.setNext(next, pp.limit)
	rq.ok(out)
}

// handleGetSim is GET /sims/{sim_id} (operationId getSim).
func handleGetSim(rq *request) {
	f := rq.f
	f.mu.RLock()
	s, found := f.fleet(rq.coverage).byID[rq.param("sim_id")]
	var v any
	if found {
		v = f.simItem(s)
	}
	f.mu.RUnlock()
	if !found {
		rq.fail(http.StatusNotFound, codeNotFound, "no such SIM")
		return
	}
	rq.ok(v)
}
