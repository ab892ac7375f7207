package elastic_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/sink"
	"github.com/mailtrip/mailtrip/sink/elastic"
	"github.com/mailtrip/mailtrip/store/sqlite"
)

// bulkServer is a fake Elasticsearch _bulk endpoint that follows the
// documented API: POST /_bulk with Content-Type application/x-ndjson, a
// body of action lines each followed by a source line, ending in a
// newline; the answer {"took":n,"errors":bool,"items":[{"create":
// {"_index","_id","status","error":{"type","reason"}}}]} has one item per
// action in request order. A create of an _id the index holds fails with
// 409 version_conflict_engine_exception; a document whose source.ip is
// not an IP fails with 400 document_parsing_exception; rejected lists ids
// refused with 429 es_rejected_execution_exception once.
type bulkServer struct {
	apiKey string

	mu       sync.Mutex
	docs     map[string]map[string]any // _index/_id → source
	creates  map[string]int
	rejected map[string]bool
	requests int
}

func newBulkServer(apiKey string) *bulkServer {
	return &bulkServer{apiKey: apiKey, docs: map[string]map[string]any{}, creates: map[string]int{}, rejected: map[string]bool{}}
}

type itemError struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

type itemResult struct {
	Index  string     `json:"_index"`
	ID     string     `json:"_id"`
	Status int        `json:"status"`
	Error  *itemError `json:"error,omitempty"`
}

func (b *bulkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/_bulk" {
		http.Error(w, `{"error":"no handler"}`, http.StatusNotFound)
		return
	}
	if b.apiKey != "" && r.Header.Get("Authorization") != "ApiKey "+b.apiKey {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"type":"security_exception","reason":"missing authentication credentials"},"status":401}`))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" && ct != "application/json" {
		http.Error(w, `{"error":"Content-Type header [`+ct+`] is not supported","status":406}`, http.StatusNotAcceptable)
		return
	}
	var body bytes.Buffer
	body.ReadFrom(r.Body)
	if !bytes.HasSuffix(body.Bytes(), []byte("\n")) {
		http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}`, http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
	sc := bufio.NewScanner(&body)
	sc.Buffer(nil, 10<<20)
	var items []map[string]itemResult
	anyErr := false
	for sc.Scan() {
		var act map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &act); err != nil || len(act) != 1 {
			http.Error(w, `{"error":{"type":"x_content_parse_exception"},"status":400}`, http.StatusBadRequest)
			return
		}
		op, ok := act["create"]
		if !ok {
			http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"only create in this test"},"status":400}`, http.StatusBadRequest)
			return
		}
		if !sc.Scan() {
			http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"source missing"},"status":400}`, http.StatusBadRequest)
			return
		}
		var doc map[string]any
		res := itemResult{Index: op.Index, ID: op.ID, Status: http.StatusCreated}
		key := op.Index + "/" + op.ID
		switch {
		case json.Unmarshal(sc.Bytes(), &doc) != nil:
			res.Status, res.Error = 400, &itemError{"document_parsing_exception", "failed to parse"}
		case b.rejected[op.ID]:
			delete(b.rejected, op.ID)
			res.Status, res.Error = 429, &itemError{"es_rejected_execution_exception", "rejected execution of coordinating operation"}
		case b.docs[key] != nil:
			res.Status, res.Error = 409, &itemError{"version_conflict_engine_exception", "[" + op.ID + "]: version conflict, document already exists"}
		case badIP(doc):
			res.Status, res.Error = 400, &itemError{"document_parsing_exception", "failed to parse field [source.ip] of type [ip]"}
		default:
			b.docs[key] = doc
			b.creates[op.ID]++
		}
		if res.Error != nil {
			anyErr = true
		}
		items = append(items, map[string]itemResult{"create": res})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"took": 3, "errors": anyErr, "items": items})
}

func badIP(doc map[string]any) bool {
	src, ok := doc["source"].(map[string]any)
	if !ok {
		return false
	}
	ip, _ := src["ip"].(string)
	return strings.Count(ip, ".") != 3 && !strings.Contains(ip, ":")
}

func testAlert(i int) alert.Alert {
	a := alert.New("tripwire", alert.Rule{ID: "mailtrip-decoy-touched", Title: "Decoy link followed", Level: alert.High,
		Tags: []string{alert.TagCollection, alert.TagT1114_002, alert.TagT1114}}, event.Origin{File: "/var/mail/ceo", Offset: int64(i)})
	a.Time = time.Date(2025, 3, 1, 9, 0, i, 0, time.UTC)
	a.DetectedAt = a.Time.Add(time.Second)
	a.Summary = fmt.Sprintf("decoy %d touched", i)
	a.Mailbox = "ceo@example.com"
	a.MessageID = "<d@example.com>"
	a.Actor = &alert.Actor{User: "mallory", IP: "2001:db8::7", UserAgent: "curl/8"}
	a.Decoy = &alert.Decoy{ID: "d1", Trigger: "http"}
	a.Evidence = map[string]any{"header.X-Forwarded-To": []string{"x@evil.example"}}
	return a
}

func TestBulk(t *testing.T) {
	es := newBulkServer("a2V5")
	srv := httptest.NewServer(es)
	defer srv.Close()
	s, err := elastic.New(elastic.Config{Name: "es", URL: srv.URL, APIKey: "a2V5"})
	if err != nil {
		t.Fatal(err)
	}
	as := []alert.Alert{testAlert(1), testAlert(2), testAlert(3)}
	es.rejected[as[1].ID] = true
	err = s.Deliver(context.Background(), as)
	var be *sink.BatchError
	if !errors.As(err, &be) || be.Errs[0] != nil || be.Errs[1] == nil || sink.IsPermanent(be.Errs[1]) || be.Errs[2] != nil {
		t.Fatalf("Deliver = %v, want only the second alert failed, temporarily", err)
	}
	// Resend all: the two indexed come back 409 (delivered), the third is created.
	if err := s.Deliver(context.Background(), as); err != nil {
		t.Fatalf("resend: %v", err)
	}
	for _, a := range as {
		if es.creates[a.ID] != 1 {
			t.Errorf("alert %s created %d times", a.ID, es.creates[a.ID])
		}
	}
	doc := es.docs["mailtrip-alerts/"+as[0].ID]
	checks := map[string]any{
		"@timestamp":                         "2025-03-01T09:00:01Z",
		"ecs.version":                        elastic.ECSVersion,
		"event.kind":                         "alert",
		"event.id":                           as[0].ID,
		"event.severity":                     float64(alert.High),
		"event.created":                      "2025-03-01T09:00:02Z",
		"event.provider":                     "tripwire",
		"rule.id":                            "mailtrip-decoy-touched",
		"rule.name":                          "Decoy link followed",
		"message":                            "decoy 1 touched",
		"source.ip":                          "2001:db8::7",
		"user.name":                          "mallory",
		"user_agent.original":                "curl/8",
		"email.message_id":                   "<d@example.com>",
		"log.file.path":                      "/var/mail/ceo",
		"log.level":                          "high",
		"threat.framework":                   "MITRE ATT&CK",
		"mailtrip.decoy.id":                  "d1",
		"mailtrip.evidence":                  `{"header.X-Forwarded-To":["x@evil.example"]}`,
		"threat.technique.id":                []any{"T1114"},
		"threat.technique.subtechnique.id":   []any{"T1114.002"},
		"threat.technique.subtechnique.name": []any{"Remote Email Collection"},
		"threat.tactic.id":                   []any{"TA0009"},
		"email.to.address":                   []any{"ceo@example.com"},
		"threat.technique.subtechnique.reference": []any{"https://attack.mitre.org/techniques/T1114/002/"},
	}
	for path, want := range checks {
		got := lookup(doc, path)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("%s = %s, want %s", path, gb, wb)
		}
	}
}

func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok := mm[p]; ok {
			cur = v
			continue
		}
		return nil
	}
	return cur
}

func TestBulkPermanentAndAuth(t *testing.T) {
	es := newBulkServer("a2V5")
	srv := httptest.NewServer(es)
	defer srv.Close()
	noauth, _ := elastic.New(elastic.Config{Name: "es", URL: srv.URL})
	if err := noauth.Deliver(context.Background(), []alert.Alert{testAlert(1)}); !sink.IsPermanent(err) {
		t.Errorf("401: %v, want permanent", err)
	}
	s, _ := elastic.New(elastic.Config{Name: "es", URL: srv.URL, APIKey: "a2V5"})
	// An actor IP that is not an address is left out, so the document indexes.
	a := testAlert(1)
	a.Actor.IP = "unknown"
	if err := s.Deliver(context.Background(), []alert.Alert{a}); err != nil {
		t.Errorf("alert with a non-IP actor: %v", err)
	}
	if d := es.docs["mailtrip-alerts/"+a.ID]; d["source"] != nil {
		t.Errorf("source written for a non-IP: %v", d["source"])
	}
}

// TestBulkThroughDeliverer: a crash after the bulk request but before the
// marks; the resend is answered 409 per item and counts as delivered, so
// every alert is in the index once.
func TestBulkThroughDeliverer(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es := newBulkServer("")
	srv := httptest.NewServer(es)
	defer srv.Close()
	s, _ := elastic.New(elastic.Config{Name: "es", URL: srv.URL})
	const n = 25
	for i := range n {
		if _, err := st.PutAlertAndEnqueue(ctx, testAlert(i), []string{"es"}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := st.ClaimDue(ctx, "es", time.Now(), 10, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var crashed []alert.Alert
	for _, it := range items {
		crashed = append(crashed, it.Alert)
	}
	if err := s.Deliver(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	d := sink.NewDeliverer(s, st, sink.DeliveryPolicy{Initial: 10 * time.Millisecond, Poll: 20 * time.Millisecond}, nil)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- d.Run(rctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		stats, _ := st.OutboxStats(ctx)
		if len(stats) == 1 && stats[0].Sent == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %+v", stats)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(es.creates) != n {
		t.Errorf("%d documents, want %d", len(es.creates), n)
	}
	for id, c := range es.creates {
		if c != 1 {
			t.Errorf("%s created %d times", id, c)
		}
	}
}
