package tripwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/httptrap"
)

// BenchmarkHitToWebhook measures how long a touch takes to become a
// delivered alert: from sending the HTTP request to the decoy link until a
// local webhook receiver has the alert. Each touch comes from a new source
// (X-Forwarded-For from a trusted proxy), so each raises a new incident and
// alert. Reports p50 and p99 in milliseconds; the goal is p99 < 1 s.
// "direct" stores each touch in SQLite before answering, "journal" (what
// mailtrip serve runs) answers from the hit journal.
func BenchmarkHitToWebhook(b *testing.B) {
	b.Run("direct", func(b *testing.B) { benchHitToWebhook(b, "") })
	b.Run("journal", func(b *testing.B) { benchHitToWebhook(b, filepath.Join(b.TempDir(), "hits.journal")) })
}

func benchHitToWebhook(b *testing.B, journal string) {
	var mu sync.Mutex
	arrived := map[string]time.Time{} // source IP → receipt
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		arrived[ipIn(string(body))] = time.Now()
		mu.Unlock()
	}))
	defer hook.Close()

	f := newFixture(b, tripwire.Options{})
	wh, err := sink.NewWebhook(sink.WebhookConfig{Name: "hook", URL: hook.URL})
	if err != nil {
		b.Fatal(err)
	}
	d := sink.NewDeliverer(wh, f.st, sink.DeliveryPolicy{}, nil)
	group, _ := sink.NewGroup(d)
	svc, err := tripwire.NewService(tripwire.Options{Store: f.st, Sinks: []string{"hook"}, Journal: journal,
		OnAlert: func(a alert.Alert, isNew bool) {
			if isNew {
				group.Notify()
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.stopService() // the fixture's own service; this one delivers
	go svc.Run(ctx)
	go group.Run(ctx)
	trap := httptrap.New(httptrap.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, svc, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go trap.Serve(ctx, ln)
	u, _ := url.Parse(f.link)
	target := "http://" + ln.Addr().String() + u.RequestURI()

	sent := make([]time.Time, b.N)
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("GET", target, nil)
		req.Header.Set("X-Forwarded-For", sourceIP(i))
		sent[i] = time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(2 * time.Millisecond) // touches as they come, not a flood
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		if n >= b.N || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	var lat []float64
	mu.Lock()
	for i := range b.N {
		if at, ok := arrived[sourceIP(i)]; ok {
			lat = append(lat, float64(at.Sub(sent[i]).Microseconds())/1000)
		}
	}
	mu.Unlock()
	if len(lat) < b.N {
		b.Fatalf("%d of %d alerts arrived within 30s", len(lat), b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[(len(lat)*99)/100], "p99-ms")
}

func sourceIP(i int) string { return fmt.Sprintf("10.%d.%d.%d", 1+i>>16&255, i>>8&255, i&255) }

// ipIn finds the actor address in a delivered alert.
func ipIn(body string) string {
	var a alert.Alert
	if json.Unmarshal([]byte(body), &a) != nil || a.Actor == nil {
		return ""
	}
	return a.Actor.IP
}
