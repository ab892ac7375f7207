package dnstrap

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailtrip/mailtrip/tripwire"
)

func noop(context.Context, tripwire.Hit) (tripwire.Result, error) { return tripwire.Result{}, nil }

// BenchmarkServeDNS is the trap's own cost per query carrying a token, with
// a no-op recorder and no sockets.
func BenchmarkServeDNS(b *testing.B) {
	s := New(testConfig(), tripwire.RecorderFunc(noop), nil)
	m := query("vpn-abcdefghijklmnop.canary.test.", dns.TypeA)
	m.SetEdns0(1232, false)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &fakeWriter{}
		for pb.Next() {
			s.ServeDNS(w, m)
		}
	})
}

// BenchmarkUDP measures queries/s through a real UDP socket: a load
// client of GOMAXPROCS×8 goroutines, each with its own socket, sending one
// token query at a time (distinct names, so the dedup map is exercised)
// and waiting for the answer.
func BenchmarkUDP(b *testing.B) {
	s := New(testConfig(), tripwire.RecorderFunc(noop), nil)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeUDP(ctx, pc) }()
	defer func() { cancel(); <-done }()
	addr := pc.LocalAddr().String()
	var seq atomic.Uint32
	var lost atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("udp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		buf := make([]byte, 1500)
		for pb.Next() {
			n := seq.Add(1)
			m := query("vpn-"+string(testSub(int(n%64)))+".canary.test.", dns.TypeA)
			m.Id = uint16(n)
			q, _ := m.Pack()
			for {
				c.SetDeadline(time.Now().Add(time.Second))
				if _, err := c.Write(q); err != nil {
					b.Error(err)
					return
				}
				if _, err := c.Read(buf); err == nil {
					break
				}
				lost.Add(1)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "queries/s")
	if l := lost.Load(); l > 0 {
		b.ReportMetric(float64(l), "lost")
	}
}
