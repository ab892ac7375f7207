package sink_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

func newStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mailtrip.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testAlert(n int) alert.Alert {
	a := alert.New("tripwire", alert.Rule{ID: "mailtrip-decoy-touched", Title: "Decoy link followed", Level: alert.High,
		Tags: []string{alert.TagCollection, alert.TagT1114_002}}, event.Origin{File: "hits", Offset: int64(n), RecordID: fmt.Sprint(n)})
	a.Time = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)
	a.DetectedAt = a.Time.Add(time.Second)
	a.Summary = fmt.Sprintf("Decoy %d in mailbox ceo@example.com was opened from 203.0.113.7", n)
	a.Mailbox = "ceo@example.com"
	a.Folder = "INBOX/Finance"
	a.MessageID = fmt.Sprintf("<decoy-%d@example.com>", n)
	a.Actor = &alert.Actor{User: "mallory", IP: "203.0.113.7", UserAgent: "curl/8.5.0 <script>|x=y"}
	a.Decoy = &alert.Decoy{ID: fmt.Sprintf("d%025d", n), Mailbox: "ceo@example.com", Folder: "INBOX/Finance", Trigger: "http"}
	a.Evidence = map[string]any{"http.path": "/s/abc/Q3.pdf", "count": 1}
	return a
}

// receiver is a webhook endpoint on 127.0.0.1 that records what arrives.
// Its behaviour per request comes from respond (nil: 200).
type receiver struct {
	mu      sync.Mutex
	byKey   map[string]int       // Idempotency-Key → deliveries
	times   map[string]time.Time // first arrival
	bodies  [][]byte
	headers []http.Header
	arrived chan string
	respond func(w http.ResponseWriter, r *http.Request, body []byte) bool // true: handled
}

func newReceiver() *receiver {
	return &receiver{byKey: map[string]int{}, times: map[string]time.Time{}, arrived: make(chan string, 100000)}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	respond := rc.respond
	rc.mu.Unlock()
	if respond != nil && respond(w, r, body) {
		return
	}
	key := r.Header.Get(sink.HeaderIdempotencyKey)
	rc.mu.Lock()
	rc.byKey[key]++
	if _, ok := rc.times[key]; !ok {
		rc.times[key] = time.Now()
	}
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	rc.arrived <- key
}

func (rc *receiver) setRespond(f func(w http.ResponseWriter, r *http.Request, body []byte) bool) {
	rc.mu.Lock()
	rc.respond = f
	rc.mu.Unlock()
}

func (rc *receiver) counts() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]int, len(rc.byKey))
	for k, v := range rc.byKey {
		out[k] = v
	}
	return out
}

// waitFor waits until n distinct keys arrived.
func (rc *receiver) waitFor(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if len(rc.counts()) >= n {
			return
		}
		select {
		case <-rc.arrived:
		case <-deadline:
			t.Fatalf("after %s: %d of %d alerts arrived", timeout, len(rc.counts()), n)
		}
	}
}

// run starts d in the background and stops it at the end of the test.
func run(t testing.TB, d interface{ Run(context.Context) error }) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// fastPolicy retries quickly, for tests.
var fastPolicy = sink.DeliveryPolicy{
	Initial: 20 * time.Millisecond,
	Max:     200 * time.Millisecond,
	Timeout: 5 * time.Second,
	Poll:    50 * time.Millisecond,
}

func outboxStat(t testing.TB, s *store.Store, name string) store.OutboxStat {
	t.Helper()
	stats, err := s.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stats {
		if st.Sink == name {
			return st
		}
	}
	return store.OutboxStat{Sink: name}
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", bytes.TrimSpace(p))
	return len(p), nil
}
