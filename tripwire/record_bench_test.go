package tripwire_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// BenchmarkRecord measures what the durable recording of one touch costs
// `mailtrip serve` beside the trap itself: 64 concurrent callers (wrk's
// connections) Record HTTP image hits carrying the evidence the HTTP trap
// keeps, through the hit journal, the SQLite applier and attribution. It
// reports the process's CPU time per hit (user + system, all goroutines:
// Record, journal writer, applier, GC), the figure that decides how many
// hits/s two shared cores can take.
func BenchmarkRecord(b *testing.B) {
	f := newFixture(b, tripwire.Options{Journal: filepath.Join(b.TempDir(), "hits.journal")})
	detail := func() map[string]any {
		return map[string]any{
			"method": "GET", "path": "/s/" + string(f.url) + "/wire.pdf",
			"host": "127.0.0.1:8025", "proto": "HTTP/1.1",
			"headers": map[string][]string{"Accept": {"image/avif,image/webp,*/*"}, "Accept-Language": {"en-US,en;q=0.5"},
				"Connection": {"keep-alive"}, "User-Agent": {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"}},
		}
	}
	var n atomic.Int64
	ctx := context.Background()
	cpu0 := cpuTime()
	b.SetParallelism(32) // 64 callers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 7}), uint16(1024+i%60000))
			if _, err := f.svc.Record(ctx, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: src, Subs: []token.SubID{f.url},
				UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", Detail: detail()}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	f.stopService() // the applier catches up: its work counts
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/hit")
	if got, err := f.st.CountHits(ctx, store.HitFilter{}); err != nil || got != int64(b.N) {
		b.Fatalf("stored %d hits, %v; want %d", got, err, b.N)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
