package apispec

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkSimPage measures one full page of GET /v1/sims (100 SIMs) through
// the validator; listing 10,000 SIMs takes 100 of them.
func BenchmarkSimPage(b *testing.B) {
	sims := make([]string, 100)
	for i := range sims {
		sims[i] = simJSON("")
	}
	page := "[" + strings.Join(sims, ",") + "]"
	v := New()
	srv := httptestServer(b, v.Wrap(respondJSON(http.StatusOK, page)))
	client := srv.Client()

	b.ResetTimer()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/sims?limit=100", nil)
		if err != nil {
			b.Fatal(err)
		}
		for k, val := range credentials {
			req.Header.Set(k, val)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	b.StopTimer()
	Require(b, v)
}
