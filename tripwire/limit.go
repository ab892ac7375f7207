package tripwire

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter is a per-source token bucket: each source may make Burst touches
// at once and Rate per second after that. Sources are keyed by address
// (IPv6 by /64, so one host cannot dodge the limit by rotating addresses
// inside its own prefix). What it refuses it counts ([Limiter.Refused]).
// The zero Limiter (or a nil one) allows everything. Safe for concurrent use.
type Limiter struct {
	Rate  float64 // tokens per second; 0 means no limit
	Burst int     // bucket size; at least 1 when Rate > 0

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
	refused atomic.Int64
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter allowing rate touches per second per source
// with the given burst.
func NewLimiter(rate float64, burst int) *Limiter {
	return &Limiter{Rate: rate, Burst: max(burst, 1)}
}

// Allow reports whether src may be served now, and counts a refusal when
// not.
func (l *Limiter) Allow(src netip.Addr) bool {
	if l == nil || l.Rate <= 0 {
		return true
	}
	key := src.Unmap()
	if key.Is6() {
		p, _ := key.Prefix(64)
		key = p.Addr()
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[netip.Addr]*bucket)
	}
	// Forget idle sources now and then so the map stays bounded by the
	// number of recently active ones.
	if now.Sub(l.swept) > time.Minute {
		full := float64(max(l.Burst, 1)) / l.Rate
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds() > full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(max(l.Burst, 1)), last: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(max(l.Burst, 1)), b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens < 1 {
		l.refused.Add(1)
		return false
	}
	b.tokens--
	return true
}

// Refused is how many touches Allow turned away.
func (l *Limiter) Refused() int64 {
	if l == nil {
		return 0
	}
	return l.refused.Load()
}
