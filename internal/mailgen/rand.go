package mailgen

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng wraps a seeded PCG for decisions and a wyrand stream for bulk
// attachment bytes (several GB/s, so attachments never bound the speed).
type rng struct {
	*rand.Rand
	wy uint64
}

func newRNG(seed int64) *rng {
	s := uint64(seed)
	r := rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	return &rng{Rand: r, wy: r.Uint64()}
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// pick returns a random element of s.
func pick[T any](r *rng, s []T) T { return s[r.IntN(len(s))] }

// logUniform returns an int in [lo, hi) with a log-uniform distribution:
// as many values between 2 and 20 KB as between 20 and 200 KB.
func (r *rng) logUniform(lo, hi int) int {
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	return int(math.Exp(l + r.Float64()*(h-l)))
}

// hex returns n random lower-case hex digits.
func (r *rng) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// upperAlnum returns n random upper-case letters and digits.
func (r *rng) upperAlnum(n int) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(len(digits))]
	}
	return string(b)
}

// uuid returns a random UUID-shaped string (upper case when upper is set).
func (r *rng) uuid(upper bool) string {
	s := fmt.Sprintf("%s-%s-4%s-%s%s-%s", r.hex(8), r.hex(4), r.hex(3), pick(r, []string{"8", "9", "a", "b"}), r.hex(3), r.hex(12))
	if upper {
		b := []byte(s)
		for i, c := range b {
			if c >= 'a' && c <= 'f' {
				b[i] = c - 32
			}
		}
		s = string(b)
	}
	return s
}

// fill writes pseudo-random bytes into b (wyrand).
func (r *rng) fill(b []byte) {
	s := r.wy
	for len(b) >= 8 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		binary.LittleEndian.PutUint64(b, hi^lo)
		b = b[8:]
	}
	if len(b) > 0 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		var t [8]byte
		binary.LittleEndian.PutUint64(t[:], hi^lo)
		copy(b, t[:])
	}
	r.wy = s
}
