package splunk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/sink/splunk"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// hec is a fake HTTP Event Collector that follows Splunk's documented API:
// POST /services/collector/event with "Authorization: Splunk <token>", a
// body of one or more JSON event objects, answers {"text":"Success",
// "code":0} (plus "ackId" when the token has indexer acknowledgement on,
// which then requires X-Splunk-Request-Channel), and POST
// /services/collector/ack?channel=... with {"acks":[ids]} answering
// {"acks":{"id":bool}}. Errors are HEC's: 401 code 2 (token required), 403
// code 4 (invalid token), 400 code 6 (invalid data format), 400 code 10
// (data channel missing), 400 code 12 (event field required), 503 code 9
// (server busy).
type hec struct {
	token string
	ack   bool

	mu        sync.Mutex
	events    []map[string]any
	ids       map[string]int
	busy      int // answer this many requests with 503 code 9
	nextAck   int64
	pending   map[int64]int // ackId → polls left before indexed
	ackPolls  int
	ackDelays int
}

func newHEC(token string, ack bool) *hec {
	return &hec{token: token, ack: ack, ids: map[string]int{}, pending: map[int64]int{}}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func hecErr(w http.ResponseWriter, status, code int, text string) {
	reply(w, status, map[string]any{"text": text, "code": code})
}

func (h *hec) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		hecErr(w, 401, 2, "Token is required")
		return
	case auth != "Splunk "+h.token:
		hecErr(w, 403, 4, "Invalid token")
		return
	}
	channel := r.Header.Get("X-Splunk-Request-Channel")
	if h.ack && channel == "" {
		hecErr(w, 400, 10, "Data channel is missing")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch r.URL.Path {
	case "/services/collector/ack":
		if r.URL.Query().Get("channel") != channel {
			hecErr(w, 400, 11, "Invalid data channel")
			return
		}
		var req struct {
			Acks []int64 `json:"acks"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			hecErr(w, 400, 6, "Invalid data format")
			return
		}
		h.ackPolls++
		out := map[string]bool{}
		for _, id := range req.Acks {
			left, ok := h.pending[id]
			if ok && left > 0 {
				h.pending[id] = left - 1
			}
			out[strconv.FormatInt(id, 10)] = ok && left == 0
		}
		reply(w, 200, map[string]any{"acks": out})
		return
	case "/services/collector/event":
	default:
		http.NotFound(w, r)
		return
	}
	if h.busy > 0 {
		h.busy--
		hecErr(w, 503, 9, "Server is busy")
		return
	}
	dec := json.NewDecoder(r.Body)
	var batch []map[string]any
	for {
		var ev map[string]any
		err := dec.Decode(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			hecErr(w, 400, 6, "Invalid data format")
			return
		}
		if _, ok := ev["event"]; !ok {
			hecErr(w, 400, 12, "Event field is required")
			return
		}
		batch = append(batch, ev)
	}
	if len(batch) == 0 {
		hecErr(w, 400, 5, "No data")
		return
	}
	for _, ev := range batch {
		id := ev["event"].(map[string]any)["id"].(string)
		h.ids[id]++
	}
	h.events = append(h.events, batch...)
	if !h.ack {
		reply(w, 200, map[string]any{"text": "Success", "code": 0})
		return
	}
	id := h.nextAck
	h.nextAck++
	h.pending[id] = h.ackDelays
	reply(w, 200, map[string]any{"text": "Success", "code": 0, "ackId": id})
}

func alerts(n int) []alert.Alert {
	var out []alert.Alert
	for i := range n {
		a := alert.New("tripwire", alert.Rule{ID: "r", Title: "Decoy touched", Level: alert.High}, event.Origin{File: "x", Offset: int64(i)})
		a.Time = time.Date(2025, 3, 1, 9, 0, 0, 123e6, time.UTC)
		a.DetectedAt = a.Time
		a.Summary = fmt.Sprintf("alert %d", i)
		out = append(out, a)
	}
	return out
}

func TestHEC(t *testing.T) {
	h := newHEC("tok", false)
	srv := httptest.NewServer(h)
	defer srv.Close()
	s, err := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "tok", Index: "security", Host: "mt1"})
	if err != nil {
		t.Fatal(err)
	}
	as := alerts(3)
	if err := s.Deliver(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	if len(h.events) != 3 {
		t.Fatalf("HEC got %d events", len(h.events))
	}
	ev := h.events[0]
	if ev["time"] != 1740819600.123 || ev["index"] != "security" || ev["sourcetype"] != "mailtrip:alert" || ev["host"] != "mt1" {
		t.Errorf("event metadata %v", ev)
	}
	if _, ok := ev["source"]; ok {
		t.Errorf("empty source sent: %v", ev)
	}
	if body := ev["event"].(map[string]any); body["id"] != as[0].ID || body["schema"] != alert.Schema {
		t.Errorf("event body %v", body)
	}
}

func TestHECErrors(t *testing.T) {
	h := newHEC("tok", false)
	srv := httptest.NewServer(h)
	defer srv.Close()
	bad, _ := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "wrong"})
	err := bad.Deliver(context.Background(), alerts(1))
	if !sink.IsPermanent(err) || !strings.Contains(err.Error(), "Invalid token") {
		t.Errorf("wrong token: %v, want permanent with HEC's text", err)
	}
	h.busy = 1
	good, _ := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "tok"})
	err = good.Deliver(context.Background(), alerts(1))
	if err == nil || sink.IsPermanent(err) || !strings.Contains(err.Error(), "busy") {
		t.Errorf("busy: %v, want temporary", err)
	}
	if err := good.Deliver(context.Background(), alerts(1)); err != nil {
		t.Errorf("after busy: %v", err)
	}
	if _, err := splunk.New(splunk.Config{Name: "s", URL: srv.URL}); err == nil {
		t.Error("New without token accepted")
	}
}

func TestHECAck(t *testing.T) {
	h := newHEC("tok", true)
	h.ackDelays = 2 // indexed on the third poll
	srv := httptest.NewServer(h)
	defer srv.Close()
	s, err := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "tok", Ack: true, AckPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(context.Background(), alerts(2)); err != nil {
		t.Fatal(err)
	}
	if h.ackPolls != 3 {
		t.Errorf("%d ack polls, want 3", h.ackPolls)
	}
	// Never indexed in time: a temporary failure (the batch is resent).
	h.ackDelays = 1000
	s2, _ := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "tok", Ack: true, AckPoll: 10 * time.Millisecond, AckTimeout: 50 * time.Millisecond})
	if err := s2.Deliver(context.Background(), alerts(1)); err == nil || sink.IsPermanent(err) {
		t.Errorf("unacknowledged: %v, want temporary", err)
	}
	// Ack wanted, but the token has it off: no ackId.
	plain := httptest.NewServer(newHEC("tok", false))
	defer plain.Close()
	s3, _ := splunk.New(splunk.Config{Name: "splunk", URL: plain.URL, Token: "tok", Ack: true})
	if err := s3.Deliver(context.Background(), alerts(1)); !sink.IsPermanent(err) {
		t.Errorf("no ackId: %v, want permanent", err)
	}
}

// TestHECThroughDeliverer: a HEC that is busy at first gets every alert.
func TestHECThroughDeliverer(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := newHEC("tok", false)
	h.busy = 2
	srv := httptest.NewServer(h)
	defer srv.Close()
	s, _ := splunk.New(splunk.Config{Name: "splunk", URL: srv.URL, Token: "tok"})
	d := sink.NewDeliverer(s, st, sink.DeliveryPolicy{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, Poll: 20 * time.Millisecond}, slog.New(slog.NewTextHandler(tWriter{t}, nil)))
	g, _ := sink.NewGroup(d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	as := alerts(20)
	for _, a := range as {
		if _, err := g.Publish(ctx, st, a); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		n := len(h.ids)
		h.mu.Unlock()
		if n == len(as) {
			break
		}
		if time.Now().After(deadline) {
			stats, err := st.OutboxStats(ctx)
			t.Fatalf("%d of %d alerts indexed; outbox %+v, %v", n, len(as), stats, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	for id, c := range h.ids {
		if c != 1 {
			t.Errorf("alert %s indexed %d times", id, c)
		}
	}
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", strings.TrimSpace(string(p)))
	return len(p), nil
}
