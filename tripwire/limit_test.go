package tripwire

import (
	"net/netip"
	"testing"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(0.001, 3)
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	for i := range 3 {
		if !l.Allow(a) {
			t.Fatalf("touch %d refused inside the burst", i)
		}
	}
	if l.Allow(a) {
		t.Fatal("fourth touch allowed past the burst")
	}
	if !l.Allow(b) {
		t.Fatal("another source was refused")
	}
	// Two addresses in one IPv6 /64 share a bucket.
	v1 := netip.MustParseAddr("2001:db8::1")
	v2 := netip.MustParseAddr("2001:db8::ffff:2")
	for range 3 {
		l.Allow(v1)
	}
	if l.Allow(v2) {
		t.Fatal("same /64 got a fresh bucket")
	}
	if got := l.Refused(); got != 2 {
		t.Fatalf("Refused = %d, want 2", got)
	}
	var nilL *Limiter
	if !nilL.Allow(a) || nilL.Refused() != 0 {
		t.Fatal("nil limiter must allow everything")
	}
}
