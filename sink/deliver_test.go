package sink_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/store"
)

func newWebhook(t testing.TB, name, url string, secret []byte) *sink.Webhook {
	t.Helper()
	w, err := sink.NewWebhook(sink.WebhookConfig{Name: name, URL: url, Secret: secret, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func publish(t testing.TB, g *sink.Group, st *store.Store, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := g.Publish(context.Background(), st, testAlert(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeliverOnce: every alert reaches the webhook exactly once, signed,
// with its id as idempotency key, and is marked sent.
func TestDeliverOnce(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	secret := []byte("k3y")
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, secret), st, fastPolicy, nil)
	g, err := sink.NewGroup(d)
	if err != nil {
		t.Fatal(err)
	}
	run(t, g)
	const n = 40
	publish(t, g, st, 0, n)
	publish(t, g, st, 0, n) // the same alerts again: stored and delivered once
	rc.waitFor(t, n, 30*time.Second)
	eventually(t, 30*time.Second, "all marked sent", func() bool { return outboxStat(t, st, "hook").Sent == n })
	time.Sleep(100 * time.Millisecond)
	for id, c := range rc.counts() {
		if c != 1 {
			t.Errorf("alert %s delivered %d times", id, c)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, h := range rc.headers {
		if err := sink.VerifySignature(secret, h.Get(sink.HeaderTimestamp), h.Get(sink.HeaderSignature), rc.bodies[i], time.Now(), time.Minute); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
		if h.Get(sink.HeaderAlertID) != h.Get(sink.HeaderIdempotencyKey) || h.Get("Content-Type") != "application/json" {
			t.Errorf("request %d headers %v", i, h)
		}
	}
}

// TestReceiverDownThenUp: while nothing listens, alerts wait; when the
// receiver comes up it gets every one of them, each once.
func TestReceiverDownThenUp(t *testing.T) {
	st := newStore(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // down: connections are refused

	d := sink.NewDeliverer(newWebhook(t, "hook", "http://"+addr+"/alerts", nil), st, fastPolicy, testLogger(t))
	g, _ := sink.NewGroup(d)
	run(t, g)
	const n = 30
	publish(t, g, st, 0, n)
	eventually(t, 30*time.Second, "failed attempts recorded", func() bool { return outboxStat(t, st, "hook").Retrying > 0 })
	time.Sleep(300 * time.Millisecond) // several backoff rounds
	if st := outboxStat(t, st, "hook"); st.Sent != 0 || st.Dead != 0 || st.Pending != n {
		t.Fatalf("while down: %+v", st)
	}

	rc := newReceiver()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(rc)
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	publish(t, g, st, n, 5) // and some new ones
	rc.waitFor(t, n+5, 30*time.Second)
	eventually(t, 30*time.Second, "all marked sent", func() bool { return outboxStat(t, st, "hook").Sent == n+5 })
	for id, c := range rc.counts() {
		if c != 1 {
			t.Errorf("alert %s delivered %d times", id, c)
		}
	}
}

// TestRetryAfter: a 429 with Retry-After pauses the sink that long.
func TestRetryAfter(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	var refusedAt atomic.Int64
	rc.setRespond(func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if refusedAt.Load() != 0 {
			return false
		}
		refusedAt.Store(time.Now().UnixNano())
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, nil), st, fastPolicy, nil)
	g, _ := sink.NewGroup(d)
	run(t, g)
	publish(t, g, st, 0, 1)
	rc.waitFor(t, 1, 30*time.Second)
	rc.mu.Lock()
	var got time.Time
	for _, v := range rc.times {
		got = v
	}
	rc.mu.Unlock()
	if wait := got.Sub(time.Unix(0, refusedAt.Load())); wait < 950*time.Millisecond {
		t.Errorf("retried %s after a 429 with Retry-After: 1", wait)
	}
	// New alerts wait for the pause too, then flow again.
	publish(t, g, st, 1, 3)
	rc.waitFor(t, 4, 30*time.Second)
}

// TestCrashResend: a Deliverer that sent a batch but died before recording
// the acknowledgement leaves the alerts to be sent once more, with the
// same idempotency keys, once their lease ends; never a third time.
func TestCrashResend(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook := newWebhook(t, "hook", srv.URL, nil)
	const n = 10
	for i := range n {
		if _, err := st.PutAlertAndEnqueue(context.Background(), testAlert(i), []string{"hook"}); err != nil {
			t.Fatal(err)
		}
	}
	// The crashed Deliverer: claim with a short lease, send, no mark.
	lease := 300 * time.Millisecond
	items, err := st.ClaimDue(context.Background(), "hook", time.Now(), 100, lease)
	if err != nil || len(items) != n {
		t.Fatalf("ClaimDue = %d items, %v", len(items), err)
	}
	var alerts []alert.Alert
	for _, it := range items {
		alerts = append(alerts, it.Alert)
	}
	if err := hook.Deliver(context.Background(), alerts); err != nil {
		t.Fatal(err)
	}
	rc.waitFor(t, n, 30*time.Second)

	// After restart: a new Deliverer (its own lease would be longer; the
	// crashed claim's lease is what counts).
	p := fastPolicy
	p.Lease = time.Minute
	d := sink.NewDeliverer(hook, st, p, nil)
	stop := run(t, d)
	d.Notify()
	time.Sleep(100 * time.Millisecond)
	for id, c := range rc.counts() {
		if c != 1 {
			t.Fatalf("alert %s sent again before the lease ended (%d)", id, c)
		}
	}
	eventually(t, 30*time.Second, "resent and marked sent", func() bool { return outboxStat(t, st, "hook").Sent == n })
	stop()
	// A third Deliverer finds nothing to send.
	run(t, sink.NewDeliverer(hook, st, p, nil))
	time.Sleep(200 * time.Millisecond)
	for _, it := range items {
		if c := rc.counts()[it.AlertID]; c != 2 {
			t.Errorf("alert %s delivered %d times, want exactly 2 (one resend after the crash)", it.AlertID, c)
		}
	}
}

// TestPermanentFailure: a 4xx other than 408/429 makes the alert dead at
// once without pausing the sink; other alerts keep flowing.
func TestPermanentFailure(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	bad := testAlert(0).ID
	rc.setRespond(func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if r.Header.Get(sink.HeaderIdempotencyKey) == bad {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return true
		}
		return false
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, nil), st, fastPolicy, nil)
	g, _ := sink.NewGroup(d)
	run(t, g)
	publish(t, g, st, 0, 5)
	rc.waitFor(t, 4, 30*time.Second)
	eventually(t, 30*time.Second, "one dead, four sent", func() bool {
		s := outboxStat(t, st, "hook")
		return s.Dead == 1 && s.Sent == 4
	})
	ds, err := st.Deliveries(context.Background(), bad)
	if err != nil || len(ds) != 1 || ds[0].State != store.OutboxDead || ds[0].Attempts != 1 || ds[0].LastError == "" {
		t.Errorf("Deliveries(bad) = %+v, %v", ds, err)
	}
}

// TestMaxAttempts: with a limit, an alert failing temporarily is dead after
// that many attempts.
func TestMaxAttempts(t *testing.T) {
	st := newStore(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := fastPolicy
	p.MaxAttempts = 3
	p.Max = 30 * time.Millisecond
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, nil), st, p, nil)
	g, _ := sink.NewGroup(d)
	run(t, g)
	publish(t, g, st, 0, 1)
	eventually(t, 30*time.Second, "dead after 3 attempts", func() bool { return outboxStat(t, st, "hook").Dead == 1 })
	if c := calls.Load(); c != 3 {
		t.Errorf("%d attempts, want 3", c)
	}
}

// TestGracefulStop: cancelling Run lets the batch in flight finish and
// records its outcome.
func TestGracefulStop(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	entered := make(chan struct{}, 10)
	rc.setRespond(func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		entered <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		return false
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, nil), st, fastPolicy, nil)
	g, _ := sink.NewGroup(d)
	stop := run(t, g)
	publish(t, g, st, 0, 1)
	<-entered
	start := time.Now()
	stop()
	if time.Since(start) < 200*time.Millisecond {
		t.Errorf("Run returned before the request in flight finished")
	}
	if s := outboxStat(t, st, "hook"); s.Sent != 1 {
		t.Errorf("after stop: %+v, want the alert marked sent", s)
	}
}

// TestNotifyWakes: with a poll interval of an hour, Notify alone gets a new
// alert delivered.
func TestNotifyWakes(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	p := fastPolicy
	p.Poll = time.Hour
	d := sink.NewDeliverer(newWebhook(t, "hook", srv.URL, nil), st, p, nil)
	g, _ := sink.NewGroup(d)
	run(t, g)
	time.Sleep(50 * time.Millisecond) // the Deliverer is idle, waiting
	publish(t, g, st, 0, 1)
	rc.waitFor(t, 1, 30*time.Second)
}

// TestMinLevel: Publish skips sinks whose MinLevel the alert does not reach.
func TestMinLevel(t *testing.T) {
	st := newStore(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	p := fastPolicy
	p.MinLevel = alert.Critical
	loud := sink.NewDeliverer(newWebhook(t, "pager", srv.URL, nil), st, p, nil)
	all := sink.NewDeliverer(sink.NewJSONLWriter("log", &syncBuffer{}), st, fastPolicy, nil)
	g, err := sink.NewGroup(loud, all)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.NewGroup(loud, loud); err == nil {
		t.Error("NewGroup accepted two sinks with one name")
	}
	a := testAlert(1) // high
	if _, err := g.Publish(context.Background(), st, a); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Deliveries(context.Background(), a.ID)
	if err != nil || len(ds) != 1 || ds[0].Sink != "log" {
		t.Errorf("Deliveries = %+v, %v; want only the log sink", ds, err)
	}
}

func TestBackoff(t *testing.T) {
	p := sink.DeliveryPolicy{Initial: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		for range 20 {
			got := p.Backoff(n)
			if got < want/2 || got > want {
				t.Errorf("Backoff(%d) = %s, want in [%s, %s]", n, got, want/2, want)
			}
		}
	}
}
