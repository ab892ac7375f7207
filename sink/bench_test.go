package sink_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/sink"
)

// BenchmarkWebhookThroughput: alerts already in the outbox (SQLite file
// store), delivered to a local webhook that answers 200 at once; reports
// alerts per second through claim, POST and mark.
func BenchmarkWebhookThroughput(b *testing.B) {
	st := newStore(b)
	var got atomic.Int64
	done := make(chan struct{})
	n := int64(b.N)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got.Add(1) == n {
			close(done)
		}
	}))
	defer srv.Close()
	hook, err := sink.NewWebhook(sink.WebhookConfig{Name: "hook", URL: srv.URL, Secret: []byte("k"), Concurrency: 8, Batch: 64})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range b.N {
		if _, err := st.PutAlertAndEnqueue(ctx, testAlert(i), []string{"hook"}); err != nil {
			b.Fatal(err)
		}
	}
	d := sink.NewDeliverer(hook, st, sink.DeliveryPolicy{Poll: 10 * time.Millisecond}, nil)
	b.ResetTimer()
	start := time.Now()
	stop := run(b, d)
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d delivered", got.Load(), n)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "alerts/s")
}

// BenchmarkNotifyLatency: one alert at a time, from Group.Publish (store
// the alert and its outbox row in one transaction, Notify) to its arrival
// at a local webhook; reports p50 and p99.
func BenchmarkNotifyLatency(b *testing.B) {
	st := newStore(b)
	arrived := make(chan time.Time, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- time.Now()
	}))
	defer srv.Close()
	hook, err := sink.NewWebhook(sink.WebhookConfig{Name: "hook", URL: srv.URL, Secret: []byte("k")})
	if err != nil {
		b.Fatal(err)
	}
	d := sink.NewDeliverer(hook, st, sink.DeliveryPolicy{}, nil) // default 1 s poll: Notify must do the waking
	g, _ := sink.NewGroup(d)
	run(b, g)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := g.Publish(ctx, st, testAlert(i)); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-arrived:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("alert %d did not arrive", i)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
