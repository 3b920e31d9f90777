package soracomfake

import "math"

// rng is a splitmix64 generator. It is tiny (8 bytes) so every SIM can carry
// its own stream: the fleet then evolves the same way whatever order or chunk
// size the clock is advanced in, and generating SIM i never depends on how
// many random numbers SIM i-1 consumed.
type rng struct{ s uint64 }

// newRNG derives an independent stream from any number of seed parts.
func newRNG(parts ...uint64) rng {
	r := rng{s: 0x6a09e667f3bcc909}
	for _, p := range parts {
		r.s ^= p
		r.s = r.next()
	}
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

// exp draws an exponentially distributed duration with the given mean, which
// is what "a constant probability per simulated minute" amounts to.
func (r *rng) exp(mean float64) float64 { return -math.Log(1-r.float()) * mean }

// pick returns one of the choices, weighted by the matching weights.
func pick[T any](r *rng, choices []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.intn(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	return choices[len(choices)-1]
}

// hashString folds a string into a seed part (FNV-1a).
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
