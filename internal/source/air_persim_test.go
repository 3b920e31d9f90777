package source

import (
	"net/http"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

// TestAirPerSIMNeverAsksMoreThanThreeDaysOfMinutes: a SIM read again after
// more than 3 days (a fleet read round robin) has the days in between
// settled with period=day; no period=minutes request spans more than 3 days
// (the fake refuses those with 400), and the counters match the fake.
func TestAirPerSIMNeverAsksMoreThanThreeDaysOfMinutes(t *testing.T) {
	start := time.Date(2025, time.November, 1, 0, 0, 0, 0, time.UTC)
	fake, target := fakeTarget(t, soracomfake.Options{Seed: 5, SIMs: 8, Coverages: []string{"jp"}, Start: start})
	fake.Advance(30*time.Hour + 7*time.Minute)
	air := NewAir(airOptions(fake, AirModePerSIM))
	pollOnce(t, air, target)
	for _, gap := range []time.Duration{4*24*time.Hour + 13*time.Minute, 9 * 24 * time.Hour, 72*time.Hour + 5*time.Minute} {
		fake.Advance(gap)
		mfs := renderFamilies(t, pollOnce(t, air, target), AirName)
		if busy := checkTruth(t, fake, mfs); busy == 0 {
			t.Fatal("no SIM had traffic")
		}
	}
	if n := fake.CallsWithStatus("jp", http.MethodGet, "/stats/air/sims/{sim_id}", http.StatusBadRequest); n != 0 {
		t.Fatalf("%d stats requests refused", n)
	}
}
