package soracomfake

import (
	"math/bits"
	"strconv"
)

// Identifiers (ICCID, IMSI, MSISDN, IMEI) are a fixed prefix followed by a
// block of digits. The block is an affine permutation of a slot number
// modulo 10^width: every slot maps to a different block, so identifiers are
// unique without a set to check against, yet look random rather than
// sequential.

// permuted maps slot to [0, 10^width). The multiplier is odd and not a
// multiple of 5, hence coprime with 10^width, which makes the mapping a
// bijection.
func permuted(slot, offset uint64, width int) uint64 {
	m := pow10(width)
	const a = 6364136223846793 // odd, not divisible by 5
	hi, lo := bits.Mul64(a%m, slot%m)
	_, rem := bits.Div64(hi%m, lo, m)
	return (rem + offset%m) % m
}

// permutedDigits returns slot permuted into width zero-padded digits.
func permutedDigits(slot, offset uint64, width int) string {
	return zeroPad(permuted(slot, offset, width), width)
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// appendDigits appends v as exactly width decimal digits.
func appendDigits(b []byte, v uint64, width int) []byte {
	n := len(b)
	for range width {
		b = append(b, 0)
	}
	for i := len(b) - 1; i >= n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

func zeroPad(v uint64, width int) string {
	if s := strconv.FormatUint(v, 10); len(s) >= width {
		return s
	}
	return string(appendDigits(make([]byte, 0, width), v, width))
}

// withDigits returns prefix followed by the permuted slot, filling total
// digits, plus a Luhn check digit when luhn is set. One allocation: a large
// fleet builds several of these per SIM.
func withDigits(prefix string, slot, offset uint64, total int, luhn bool) string {
	var buf [24]byte
	b := append(buf[:0], prefix...)
	width := total - len(prefix)
	if luhn {
		width--
	}
	b = appendDigits(b, permuted(slot, offset, width), width)
	if luhn {
		b = append(b, luhnDigit(string(b)))
	}
	return string(b)
}

// luhnDigit is the check digit that makes payload+digit pass the Luhn test
// (ISO/IEC 7812), as used by ICCIDs and IMEIs.
func luhnDigit(payload string) byte {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// luhnValid reports whether s (digits only) passes the Luhn test.
func luhnValid(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return luhnDigit(s[:len(s)-1]) == s[len(s)-1]
}

// iccid builds a 19-digit ICCID: 89 (telecom) + country/issuer prefix, the
// permuted serial, and a Luhn check digit.
func iccid(prefix string, slot, offset uint64) string {
	return withDigits(prefix, slot, offset, 19, true)
}

// imsi builds a 15-digit IMSI: MCC+MNC(+MSIN head) prefix and permuted MSIN.
func imsi(prefix string, slot, offset uint64) string {
	return withDigits(prefix, slot, offset, 15, false)
}

// msisdn builds a 12-digit MSISDN in international form without "+".
func msisdn(prefix string, slot, offset uint64) string {
	return withDigits(prefix, slot, offset, 12, false)
}

// imei builds a 15-digit IMEI: 8-digit type allocation code, 6-digit serial
// and a Luhn check digit.
func imei(tac string, slot, offset uint64) string { return withDigits(tac, slot, offset, 15, true) }

// hexID returns n lower-case hex digits from r.
func hexID(r *rng, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	var v uint64
	for i := range b {
		if i%16 == 0 {
			v = r.next()
		}
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

// uuidLike formats 32 hex digits from r as 8-4-4-4-12, the shape of group
// and session IDs in the API.
func uuidLike(r *rng) string {
	h := hexID(r, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
