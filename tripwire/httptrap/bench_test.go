package httptrap

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/mailtrip/mailtrip/tripwire"
)

var loopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func noop(context.Context, tripwire.Hit) (tripwire.Result, error) { return tripwire.Result{}, nil }

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkHandler is the trap's own cost per image beacon hit (candidate
// extraction, Detail, header copy, answer) with a no-op recorder.
func BenchmarkHandler(b *testing.B) {
	s := New(Config{TrustedProxies: loopbackOnly}, tripwire.RecorderFunc(noop), nil)
	r := httptest.NewRequest("GET", "/img/abcdefghijklmnop/logo.png", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	r.Header.Set("Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h := s.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discard{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
	if s.Stats().Hits == 0 {
		b.Fatal("no hits")
	}
}

// BenchmarkNoise is the cost of a request without a candidate.
func BenchmarkNoise(b *testing.B) {
	s := New(Config{}, tripwire.RecorderFunc(noop), nil)
	r := httptest.NewRequest("GET", "/wp-login.php", nil)
	h := s.Handler()
	b.ReportAllocs()
	w := &discard{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
