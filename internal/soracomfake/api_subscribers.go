package soracomfake

import "net/http"

// handleGetSubscriber is GET /subscribers/{imsi} (operationId getSubscriber).
func handleGetSubscriber(rq *request) {
	f := rq.f
	f.mu.RLock()
	ref, found := f.fleet(rq.coverage).byIMSI[rq.param("imsi")]
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
