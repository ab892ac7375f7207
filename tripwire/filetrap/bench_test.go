package filetrap

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/tripwire"
)

// BenchmarkTouches opens and reads a watched decoy file (each an open, an
// access and a close event) and waits until the trap has read every event
// and recorded the hits (dedup off); the metric is touches/s end to end,
// inotify mode (the benchmark's own touches are ignored under fanotify).
func BenchmarkTouches(b *testing.B) {
	dir := b.TempDir()
	path := dir + "/decoy.eml"
	if err := os.WriteFile(path, []byte("Subject: decoy\r\n\r\nbody\r\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	rec := tripwire.RecorderFunc(func(context.Context, tripwire.Hit) (tripwire.Result, error) { return tripwire.Result{}, nil })
	tr := New(Config{Paths: []string{dir}, Mode: ModeInotify, DedupWindow: time.Nanosecond}, rec, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	for tr.Stats().Watches == 0 {
		select {
		case err := <-done:
			b.Skipf("trap did not start: %v", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	start := tr.Stats().Events
	b.ResetTimer()
	for b.Loop() {
		if _, err := os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	want := start + 3*int64(b.N)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := tr.Stats()
		if st.Events+3*st.Overflow >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "touches/s")
	b.StopTimer()
	cancel()
	<-done
}
