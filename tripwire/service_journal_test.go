package tripwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// TestServiceJournal: with a journal the service answers from the journal
// and the store catches up: every hit is stored once, attributed, and the
// journal is applied and trimmed when the service stops.
func TestServiceJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hits.journal")
	f := newFixture(t, tripwire.Options{Journal: dir, JournalMaxLag: 4096})
	const n = 400
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[int64]bool{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 8)}), uint16(1000+i))
			r, err := f.svc.Record(context.Background(), tripwire.Hit{Trap: tripwire.TrapHTTP, Source: src, Subs: []token.SubID{f.url}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if ids[r.HitID] || r.HitID <= 0 {
				t.Errorf("hit id %d given twice or not at all", r.HitID)
			}
			ids[r.HitID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	f.stopService()
	ctx := context.Background()
	hits, err := f.st.Hits(ctx, store.HitFilter{})
	if err != nil || len(hits) != n {
		t.Fatalf("stored %d hits, %v; want %d", len(hits), err, n)
	}
	for _, h := range hits {
		if !ids[h.ID] || h.State != store.HitDone || h.IncidentID == "" {
			t.Fatalf("hit %+v: not one Record answered, or not attributed", h)
		}
	}
	incs, _ := f.st.Incidents(ctx, f.decoy, 0)
	if len(incs) != 8 {
		t.Fatalf("incidents = %d, want 8", len(incs))
	}
	total := 0
	for _, inc := range incs {
		hs, err := f.st.Hits(ctx, store.HitFilter{IncidentID: inc.ID})
		if err != nil || int64(len(hs)) != int64(inc.Hits) || len(hs) == 0 {
			t.Fatalf("incident %s: %d hits listed, %v; it counts %d", inc.ID, len(hs), err, inc.Hits)
		}
		for _, h := range hs {
			if h.IncidentID != inc.ID {
				t.Fatalf("incident %s lists hit %d of %s", inc.ID, h.ID, h.IncidentID)
			}
			// Concurrent touches reach attribution out of time order; the
			// incident still spans all of them.
			if h.Time.Before(inc.FirstAt) || h.Time.After(inc.LastAt) {
				t.Errorf("incident %s (%v to %v) holds hit %d at %v", inc.ID, inc.FirstAt, inc.LastAt, h.ID, h.Time)
			}
		}
		total += len(hs)
	}
	if total != n {
		t.Errorf("incidents list %d hits, want %d", total, n)
	}
	st := f.svc.Stats()
	if st.JournalWrites.Load() == 0 || st.JournalLagHits.Load() != 0 || st.JournalLagBytes.Load() != 0 {
		t.Errorf("journal stats: writes %d, lag %d hits %d bytes", st.JournalWrites.Load(), st.JournalLagHits.Load(), st.JournalLagBytes.Load())
	}
	applied, err := f.st.JournalApplied(ctx)
	if err != nil || applied == 0 {
		t.Fatalf("applied position %d, %v", applied, err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Errorf("segments left: %v", segs)
	}
}

// TestServiceJournalReplay simulates a crash after the journal write and
// before the store: hits are in the journal past the store's applied
// position (and a torn batch after them). A new Service replays them
// before serving: each is stored exactly once, attributed, and new hits
// get larger ids.
func TestServiceJournalReplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hits.journal")
	f := newFixture(t, tripwire.Options{Journal: dir})
	ctx := context.Background()
	// Some hits go the normal way first.
	for i := range 5 {
		f.record(t, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: netip.AddrPortFrom(attacker.Addr(), uint16(i+1)), Subs: []token.SubID{f.url}})
	}
	f.stopService()
	maxID, _ := f.st.MaxHitID(ctx)

	// What the writer of a Service that is killed before its applier ran
	// leaves behind: journaled batches the store has not seen.
	applied, _ := f.st.JournalApplied(ctx)
	j, err := tripwire.OpenJournal(dir, tripwire.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Replay(ctx, applied, func(tripwire.JournalRecord) error {
		t.Fatal("the stopped service left journaled hits unapplied")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const crashed = 30
	for b := range 3 {
		var hs []store.Hit
		for i := range crashed / 3 {
			k := b*crashed/3 + i
			hs = append(hs, store.Hit{ID: maxID + 1 + int64(k), Time: time1(k), DecoyID: f.decoy, SubID: string(f.url),
				Trigger: tripwire.TrapHTTP, SourceIP: fmt.Sprintf("198.51.100.%d", 1+k%3), SourcePort: 1000 + k,
				Data: []byte(fmt.Sprintf(`{"method":"GET","path":"/s/x","n":%d}`, k))})
		}
		if _, err := j.Append(hs); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	// A batch cut short by the crash (its callers were never answered).
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	fh, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 5})
	fh.Close()

	svc, err := tripwire.NewService(tripwire.Options{Store: f.st, Journal: dir})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	r, err := svc.Record(ctx, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{f.url}})
	if err != nil {
		t.Fatal(err)
	}
	if r.HitID != maxID+crashed+1 {
		t.Errorf("first hit after the replay got id %d, want %d", r.HitID, maxID+crashed+1)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	hits, err := f.st.Hits(ctx, store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 5+crashed+1 {
		t.Fatalf("stored %d hits, want %d (each once)", len(hits), 5+crashed+1)
	}
	seen := map[int]bool{}
	for _, h := range hits {
		if h.State != store.HitDone {
			t.Errorf("hit %d is %s", h.ID, h.State)
		}
		var d map[string]any
		if json.Unmarshal(h.Data, &d) == nil {
			if n, ok := d["n"].(float64); ok {
				if seen[int(n)] {
					t.Errorf("journaled hit %d stored twice", int(n))
				}
				seen[int(n)] = true
			}
		}
	}
	if len(seen) != crashed {
		t.Fatalf("%d of %d journaled hits stored", len(seen), crashed)
	}
	incs, _ := f.st.Incidents(ctx, f.decoy, 0)
	total := 0
	for _, in := range incs {
		total += in.Hits
	}
	if len(incs) != 4 || total != 5+crashed+1 {
		t.Fatalf("%d incidents counting %d hits; want 4 (attacker and 3 replayed sources) counting %d", len(incs), total, 5+crashed+1)
	}

	// A third start finds nothing to replay.
	svc3, err := tripwire.NewService(tripwire.Options{Store: f.st, Journal: dir})
	if err != nil {
		t.Fatal(err)
	}
	runBriefly(t, svc3)
	if n, _ := f.st.CountHits(ctx, store.HitFilter{}); n != int64(len(hits))+1 {
		t.Fatalf("a restart without a crash changed the hits: %d → %d, want one more", len(hits), n)
	}
}

// TestServiceJournalDeletedDecoy: a journaled hit whose decoy is deleted
// before the store catches up is stored unresolved, not lost, and does not
// stop the hits after it.
func TestServiceJournalDeletedDecoy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hits.journal")
	f := newFixture(t, tripwire.Options{Journal: dir})
	f.stopService()
	ctx := context.Background()
	j, err := tripwire.OpenJournal(dir, tripwire.JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	applied, _ := f.st.JournalApplied(ctx)
	if _, err := j.Replay(ctx, applied, func(tripwire.JournalRecord) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append([]store.Hit{
		{ID: 1, Time: time1(0), DecoyID: "gone0000000000000000000000", SubID: "gonegonegonegone", Trigger: tripwire.TrapHTTP, SourceIP: "192.0.2.1", Data: []byte(`{}`)},
		{ID: 2, Time: time1(1), DecoyID: f.decoy, SubID: string(f.url), Trigger: tripwire.TrapHTTP, SourceIP: "192.0.2.1", Data: []byte(`{}`)},
	}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	svc, err := tripwire.NewService(tripwire.Options{Store: f.st, Journal: dir})
	if err != nil {
		t.Fatal(err)
	}
	runBriefly(t, svc)
	if err := svc.AttributePending(ctx); err != nil {
		t.Fatal(err)
	}
	hits, _ := f.st.Hits(ctx, store.HitFilter{})
	if len(hits) != 3 || hits[0].DecoyID != "" || hits[1].DecoyID != f.decoy {
		t.Fatalf("hits: %+v", hits)
	}
}

var journalBase = time.Now().UTC().Truncate(time.Second)

func time1(k int) time.Time { return journalBase.Add(time.Duration(k) * time.Millisecond) }

// runBriefly runs svc until it has replayed its journal and stored one
// unresolved touch, then stops it.
func runBriefly(t *testing.T, svc *tripwire.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	if _, err := svc.Record(ctx, tripwire.Hit{Trap: tripwire.TrapHTTP, Source: attacker, Subs: []token.SubID{"zzzzzzzzzzzzzzzz"}}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
