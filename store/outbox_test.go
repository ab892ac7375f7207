package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/store"
)

func outboxAlert(n int) alert.Alert {
	a := alert.New("tripwire", alert.Rule{ID: "mailtrip-decoy-touched", Title: "Decoy touched", Level: alert.High,
		Tags: []string{alert.TagCollection, alert.TagT1114}}, event.Origin{File: "hits", RecordID: fmt.Sprint(n)})
	a.Time = time.Date(2025, 3, 1, 9, 0, n, 0, time.UTC)
	a.DetectedAt = a.Time
	a.Summary = fmt.Sprintf("decoy %d touched", n)
	return a
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := outboxAlert(1)
	sinks := []string{"hook", "siem"}

	ins, err := s.PutAlertAndEnqueue(ctx, a, sinks)
	if err != nil || !ins {
		t.Fatalf("PutAlertAndEnqueue = %v, %v; want inserted", ins, err)
	}
	ins, err = s.PutAlertAndEnqueue(ctx, a, sinks)
	if err != nil || ins {
		t.Fatalf("PutAlertAndEnqueue again = %v, %v; want not inserted, no error", ins, err)
	}
	now := time.Now()

	items, err := s.ClaimDue(ctx, "hook", now, 10, time.Minute)
	if err != nil || len(items) != 1 {
		t.Fatalf("ClaimDue = %v, %v; want 1 item", items, err)
	}
	it := items[0]
	if it.AlertID != a.ID || it.Sink != "hook" || it.Attempts != 1 || it.Alert.ID != a.ID || it.Alert.Summary != a.Summary || len(it.JSON) == 0 {
		t.Errorf("claimed %+v", it)
	}
	// Leased: neither claimable again now nor before the lease ends.
	if again, _ := s.ClaimDue(ctx, "hook", now, 10, time.Minute); len(again) != 0 {
		t.Errorf("claimed a leased row again: %+v", again)
	}
	// The lease ends: the crashed claimant's row comes back, attempt 2.
	again, err := s.ClaimDue(ctx, "hook", now.Add(61*time.Second), 10, time.Minute)
	if err != nil || len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("after lease ClaimDue = %+v, %v; want the row at attempt 2", again, err)
	}

	sentAt := now.Add(62 * time.Second).UTC().Truncate(time.Microsecond)
	if err := s.MarkSent(ctx, a.ID, "hook", sentAt); err != nil {
		t.Fatal(err)
	}
	// A late failure from another claimant does not undo the ack.
	if err := s.MarkFailed(ctx, a.ID, "hook", "late", now, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, a.ID, sinks); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, "hook", now.Add(time.Hour), 10, 0); len(got) != 0 {
		t.Errorf("a sent row was claimed again: %+v", got)
	}
	ds, err := s.Deliveries(ctx, a.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Deliveries = %+v, %v", ds, err)
	}
	if d := ds[0]; d.Sink != "hook" || d.State != store.OutboxSent || !d.SentAt.Equal(sentAt) || d.Attempts != 2 || !d.NextAttempt.IsZero() {
		t.Errorf("hook delivery %+v", d)
	}
	if d := ds[1]; d.Sink != "siem" || d.State != store.OutboxPending || d.Attempts != 0 {
		t.Errorf("siem delivery %+v", d)
	}
}

func TestOutboxFailAndDead(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := outboxAlert(2)
	if _, err := s.PutAlertAndEnqueue(ctx, a, []string{"hook"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if items, err := s.ClaimDue(ctx, "hook", now, 1, 0); err != nil || len(items) != 1 {
		t.Fatalf("ClaimDue = %v, %v", items, err)
	}
	next := now.Add(30 * time.Second)
	if err := s.MarkFailed(ctx, a.ID, "hook", "HTTP 503", next, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, "hook", next.Add(-time.Second), 1, 0); len(got) != 0 {
		t.Errorf("claimed before its next attempt: %+v", got)
	}
	got, err := s.ClaimDue(ctx, "hook", next, 1, 0)
	if err != nil || len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "HTTP 503" {
		t.Fatalf("ClaimDue at next attempt = %+v, %v", got, err)
	}
	if err := s.MarkFailed(ctx, a.ID, "hook", "HTTP 400", next, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, "hook", next.Add(time.Hour), 1, 0); len(got) != 0 {
		t.Errorf("claimed a dead row: %+v", got)
	}
	stats, err := s.OutboxStats(ctx)
	if err != nil || len(stats) != 1 || stats[0].Dead != 1 || stats[0].Pending != 0 {
		t.Fatalf("OutboxStats = %+v, %v", stats, err)
	}
	n, err := s.Requeue(ctx, "hook", next)
	if err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	if got, _ := s.ClaimDue(ctx, "hook", next, 1, 0); len(got) != 1 || got[0].Attempts != 1 {
		t.Errorf("after Requeue ClaimDue = %+v", got)
	}
}

func TestOutboxNotFound(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Enqueue(ctx, "nosuchalert", []string{"hook"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Enqueue(unknown alert) = %v, want ErrNotFound", err)
	}
	if err := s.MarkSent(ctx, "nosuchalert", "hook", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkSent(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.MarkFailed(ctx, "nosuchalert", "hook", "x", time.Now(), false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkFailed(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.PutAlertAndEnqueue(ctx, outboxAlert(3), []string{""}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PutAlertAndEnqueue with empty sink = %v, want ErrInvalid", err)
	}
	// The failed transaction stored no alert.
	if _, err := s.Alert(ctx, outboxAlert(3).ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alert of a failed PutAlertAndEnqueue: %v, want ErrNotFound", err)
	}
}

func TestOutboxOrderAndStats(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var ids []string
	for i := range 5 {
		a := outboxAlert(10 + i)
		ids = append(ids, a.ID)
		if _, err := s.PutAlertAndEnqueue(ctx, a, []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // distinct due times
	}
	now := time.Now()
	items, err := s.ClaimDue(ctx, "a", now, 3, 0)
	if err != nil || len(items) != 3 {
		t.Fatalf("ClaimDue = %d items, %v", len(items), err)
	}
	for i, it := range items {
		if it.AlertID != ids[i] {
			t.Errorf("item %d = %s, want %s (oldest due first)", i, it.AlertID, ids[i])
		}
	}
	var sent []string
	for _, it := range items {
		sent = append(sent, it.AlertID)
	}
	if err := s.MarkSentBatch(ctx, "a", sent, now); err != nil {
		t.Fatal(err)
	}
	stats, err := s.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxStat{{Sink: "a", Pending: 2, Sent: 3}, {Sink: "b", Pending: 5}}
	if len(stats) != 2 {
		t.Fatalf("OutboxStats = %+v", stats)
	}
	for i, st := range stats {
		if st.Sink != want[i].Sink || st.Pending != want[i].Pending || st.Sent != want[i].Sent || st.Dead != 0 || st.NextAttempt.IsZero() {
			t.Errorf("stat %d = %+v, want %+v with a next attempt", i, st, want[i])
		}
	}
}

// TestOutboxConcurrentClaims: claimants racing on one sink never both get
// the same row.
func TestOutboxConcurrentClaims(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 200
	for i := range n {
		if _, err := s.PutAlertAndEnqueue(ctx, outboxAlert(100+i), []string{"hook"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Add(time.Second)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				items, err := s.ClaimDue(ctx, "hook", now, 7, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(items) == 0 {
					return
				}
				mu.Lock()
				for _, it := range items {
					seen[it.AlertID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d distinct alerts, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("alert %s claimed %d times", id, c)
		}
	}
}
