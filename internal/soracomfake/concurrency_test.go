package soracomfake

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse runs readers of every list operation against a fleet
// that the clock and the controls change at the same time; run with -race.
func TestConcurrentUse(t *testing.T) {
	f := newFake(t, Options{Seed: 31, SIMs: 120})
	hosts := map[string]*apiClient{}
	for _, cov := range f.Coverages() {
		hosts[cov] = serveChecked(t, f, cov).login(f.Credentials())
	}
	f.ResetCounters()
	ids := f.SimIDs("jp")
	paths := []string{
		"/v1/sims?limit=50", "/v1/groups?limit=3", "/v1/subscribers/" + f.SIMs("jp")[2].IMSI,
		"/v1/groups", "/v1/sims/" + ids[0], "/v1/sims/" + ids[1] + "/events/sessions",
	}
	const rounds = 8
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for _, cov := range f.Coverages() {
		for _, p := range paths {
			if cov == "g" && (p == paths[2] || p == paths[4] || p == paths[5]) {
				continue // jp SIM IDs and IMSI
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					r, err := hosts[cov].send("GET", p, hosts[cov].credentialHeaders(), nil)
					if err == nil && r.status != 200 {
						err = fmt.Errorf("HTTP %d", r.status)
					}
					if err != nil {
						errs <- fmt.Errorf("%s %s: %w", cov, p, err)
						return
					}
				}
			}()
		}
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 40 {
			f.Advance(time.Minute)
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 40 {
			_ = f.SetOnline(ids[i%len(ids)], i%2 == 0)
			_ = f.SIMs("g")
			_ = f.CallCounts()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if want := (len(paths)*2 - 3) * rounds; f.TotalCalls() != want {
		t.Fatalf("counted %d calls, made %d", f.TotalCalls(), want)
	}
}
