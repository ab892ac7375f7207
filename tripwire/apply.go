package tripwire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/store"
)

// With a journal (Options.Journal), a batch of touches goes this way:
//
//	Record → writer: ids, one journal write (Append) → answer
//	         applier: plan + AddHitsJournaled (hits, incidents, alerts,
//	                  outbox rows and the applied journal position in one
//	                  SQLite transaction) → Release applied segments
//
// The writer never waits for SQLite, except when the applier falls more
// than JournalMaxLag behind (back-pressure). The applier takes every batch
// journaled since it last looked (up to maxApply hits) into one
// transaction, so a store that is behind catches up in large commits.

// applyQueue holds journaled batches the applier has not stored yet.
type applyQueue struct {
	mu    sync.Mutex
	items []journaled
	hits  int
	wake  chan struct{} // capacity 1
}

// journaled is a batch in the journal: its hits (with ids) and the
// journal position after it.
type journaled struct {
	hits []store.Hit
	end  int64
}

func (q *applyQueue) push(j journaled) {
	q.mu.Lock()
	q.items = append(q.items, j)
	q.hits += len(j.hits)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *applyQueue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.hits
}

// take removes the oldest batches, at least one and no more than max hits
// unless the first is larger.
func (q *applyQueue) take(max int) []journaled {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, hits := 0, 0
	for n < len(q.items) && (n == 0 || hits+len(q.items[n].hits) <= max) {
		hits += len(q.items[n].hits)
		n++
	}
	out := make([]journaled, n)
	copy(out, q.items)
	q.items = q.items[:copy(q.items, q.items[n:])]
	q.hits -= hits
	return out
}

// maxApply bounds the hits of one applier transaction.
const maxApply = 8192

// journalBatch is the writer's part with a journal: give the batch ids,
// append it in one write, answer its callers and hand it to the applier.
func (s *Service) journalBatch(batch []*pendingHit, applierDone <-chan struct{}) {
	// Back-pressure: wait while the store is too far behind (unless the
	// applier has stopped: then append anyway, a restart replays it).
wait:
	for s.journal.End()-s.applied.Load() > s.opt.JournalMaxLag {
		select {
		case <-s.appliedSig:
		case <-time.After(100 * time.Millisecond):
		case <-applierDone:
			break wait
		}
	}
	n := int64(len(batch))
	first := s.jnext.Add(n) - n
	hits := make([]store.Hit, len(batch))
	resolved := 0
	for i, p := range batch {
		hits[i] = p.hit
		hits[i].ID = first + int64(i)
		if p.hit.DecoyID != "" {
			resolved++
		}
	}
	end, err := s.journal.Append(hits)
	if err != nil {
		s.log.Error("journal hits", "hits", len(batch), "err", err)
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	s.stats.JournalWrites.Add(1)
	s.stats.Recorded.Add(n)
	s.stats.Resolved.Add(int64(resolved))
	for i, p := range batch {
		p.id = hits[i].ID
		if p.hit.Scanner {
			s.stats.Scanner.Add(1)
		}
		p.done <- nil
	}
	s.stats.JournalLagHits.Add(n)
	s.stats.JournalLagBytes.Store(end - s.applied.Load())
	s.jq.push(journaled{hits: hits, end: end})
}

// applyLoop stores journaled batches in order until stop is closed and the
// queue is empty. A batch the store refuses is retried with backoff (the
// order of the journal is kept: nothing after it is applied meanwhile);
// once stopping, it gives up after a few tries and leaves the rest in the
// journal for the next start.
func (s *Service) applyLoop(ctx context.Context, stop <-chan struct{}) {
	stopping := false
	var lastApply time.Time
	for {
		items := s.jq.take(maxApply)
		if len(items) == 0 {
			if stopping {
				return
			}
			select {
			case <-s.jq.wake:
			case <-stop:
				stopping = true
			}
			// Busy (the last apply was moments ago): let a few batches
			// gather, so the store commits fewer, larger transactions.
			// The traps do not wait for this; alerts wait applyLinger.
			if !stopping && time.Since(lastApply) < 10*applyLinger && s.jq.size() < maxApply/2 {
				t := time.NewTimer(applyLinger)
				select {
				case <-t.C:
				case <-stop:
					stopping = true
				}
				t.Stop()
			}
			continue
		}
		var hits []store.Hit
		if len(items) == 1 {
			hits = items[0].hits
		} else {
			for _, it := range items {
				hits = append(hits, it.hits...)
			}
		}
		end := items[len(items)-1].end
		if err := s.applyRetrying(ctx, hits, end, stop); err != nil {
			s.log.Error("hit journal: stopped applying; the rest stays in the journal for the next start",
				"journal", s.journal.Dir(), "applied", s.applied.Load(), "err", err)
			return
		}
		lastApply = time.Now()
	}
}

// applyLinger is how long a busy applier lets journaled batches gather.
const applyLinger = 5 * time.Millisecond

// applyRetrying stores hits journaled up to end, retrying what may pass
// later (a busy or full disk) with backoff. Once stop is closed it gives up
// after a few tries.
func (s *Service) applyRetrying(ctx context.Context, hits []store.Hit, end int64, stop <-chan struct{}) error {
	wait := 50 * time.Millisecond
	for try := 1; ; try++ {
		err := s.applyJournaled(ctx, hits, end)
		if err == nil {
			return nil
		}
		s.log.Error("hit journal: store journaled hits; retrying", "hits", len(hits), "try", try, "retry_in", wait, "err", err)
		select {
		case <-stop:
			if try >= 3 {
				return err
			}
		default:
		}
		if ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// applyJournaled stores and attributes journaled hits (with their ids) in
// one transaction that also records end as applied. If attribution fails,
// the hits are stored new, for the attribution loop. A hit whose id is
// taken (another process wrote hits to this store) gets a new one; a hit
// whose decoy was deleted meanwhile is stored unresolved.
func (s *Service) applyJournaled(ctx context.Context, hits []store.Hit, end int64) error {
	err := s.applyAttributed(ctx, hits, end)
	if err == nil {
		s.applied.Store(end)
		s.afterApply(len(hits), end)
		return nil
	}
	s.log.Warn("store and attribute journaled hits together failed; storing them for later attribution", "hits", len(hits), "err", err)
	for range 3 {
		resolved := 0
		for i := range hits {
			hits[i].State, hits[i].IncidentID = "", ""
			if hits[i].DecoyID != "" {
				resolved++
			}
		}
		err = s.st.AddHitsJournaled(ctx, hits, nil, end)
		switch {
		case err == nil:
			s.applied.Store(end)
			s.stats.Pending.Add(int64(resolved))
			select {
			case s.wake <- struct{}{}:
			default:
			}
			s.afterApply(len(hits), end)
			return nil
		case errors.Is(err, store.ErrExists):
			if rerr := s.renumber(ctx, hits); rerr != nil {
				return rerr
			}
		case errors.Is(err, store.ErrNotFound):
			if n, rerr := s.unresolveGone(ctx, hits); rerr != nil || n == 0 {
				return err
			}
		default:
			return err
		}
	}
	return err
}

// applyAttributed is applyJournaled's one-transaction path.
func (s *Service) applyAttributed(ctx context.Context, hits []store.Hit, end int64) error {
	s.attrMu.Lock()
	defer s.attrMu.Unlock()
	p, err := s.plan(ctx, hits)
	if err != nil {
		s.forgetIncidents()
		return err
	}
	for i := range hits {
		hits[i].State = store.HitDone
		hits[i].IncidentID = p.hitInc[hits[i].ID]
	}
	if err := s.st.AddHitsJournaled(ctx, hits, p.out, end); err != nil {
		s.forgetIncidents()
		return err
	}
	s.done(p, len(p.hitInc))
	return nil
}

// afterApply counts an applied batch, wakes a waiting writer and deletes
// journal segments the store no longer needs.
func (s *Service) afterApply(n int, end int64) {
	s.stats.Batches.Add(1)
	s.stats.JournalLagHits.Add(-int64(n))
	if s.replaying {
		return // Replay holds the journal
	}
	s.stats.JournalLagBytes.Store(max(s.journal.End()-end, 0))
	select {
	case s.appliedSig <- struct{}{}:
	default:
	}
	if err := s.journal.Release(end); err != nil {
		s.log.Warn("hit journal: delete applied segments", "err", err)
	}
}

// renumber gives hits new ids after the store's largest (their journaled
// ids were taken by another writer) and moves the writer's counter past
// them.
func (s *Service) renumber(ctx context.Context, hits []store.Hit) error {
	maxID, err := s.st.MaxHitID(ctx)
	if err != nil {
		return err
	}
	s.log.Warn("hit journal: hit ids already taken in the store (another process writes hits?); renumbering",
		"hits", len(hits), "from", maxID+1)
	for i := range hits {
		hits[i].ID = maxID + 1 + int64(i)
	}
	next := maxID + 1 + int64(len(hits))
	for {
		cur := s.jnext.Load()
		if cur >= next || s.jnext.CompareAndSwap(cur, next) {
			return nil
		}
	}
}

// unresolveGone clears the decoy of hits whose decoy is no longer in the
// store (deleted after the hit was resolved); it returns how many.
func (s *Service) unresolveGone(ctx context.Context, hits []store.Hit) (int, error) {
	gone := map[string]bool{}
	n := 0
	for i := range hits {
		id := hits[i].DecoyID
		if id == "" {
			continue
		}
		g, ok := gone[id]
		if !ok {
			_, err := s.st.Decoy(ctx, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				g = true
			case err != nil:
				return n, err
			}
			gone[id] = g
		}
		if g {
			s.log.Warn("hit journal: the hit's decoy was deleted before the hit was stored; storing it unresolved",
				"hit", hits[i].ID, "decoy", id, "sub", hits[i].SubID)
			hits[i].DecoyID, hits[i].SubID = "", ""
			n++
		}
	}
	return n, nil
}

// Replay applies what the hit journal holds past the store's applied
// position (hits answered before a crash or a stop that could not store
// them), then readies the journal for new batches. Run does it when it
// was not done; a server calls it before it opens its listeners, so that
// once it answers again every touch answered before is in the store. Call
// it before Run, not concurrently; without a journal it does nothing. If
// it fails (ctx ended, the store refused), the journal keeps the hits for
// the next try.
func (s *Service) Replay(ctx context.Context) error {
	if s.journal == nil || s.replayDone {
		return nil
	}
	from, err := s.st.JournalApplied(ctx)
	if err != nil {
		return fmt.Errorf("hit journal: %w", err)
	}
	s.applied.Store(from)
	s.replaying = true
	defer func() { s.replaying = false }()
	var chunk []store.Hit
	var chunkEnd, maxID int64
	replayed := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		s.stats.JournalLagHits.Add(int64(len(chunk)))
		if err := s.applyRetrying(ctx, chunk, chunkEnd, nil); err != nil {
			return err
		}
		replayed += len(chunk)
		chunk = nil
		return nil
	}
	bad, err := s.journal.Replay(ctx, from, func(r JournalRecord) error {
		chunk = append(chunk, r.Hit)
		chunkEnd = r.End
		maxID = max(maxID, r.Hit.ID)
		if len(chunk) >= maxApply {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("hit journal: replay: %w", err)
	}
	s.replaying = false
	end := s.journal.End()
	if end != s.applied.Load() {
		// Skipped corrupt records or a lost tail: record where the journal
		// goes on, so they are not looked at again.
		if err := s.st.AddHitsJournaled(ctx, nil, nil, end); err != nil {
			return fmt.Errorf("hit journal: %w", err)
		}
		s.applied.Store(end)
	}
	if err := s.journal.Release(end); err != nil {
		s.log.Warn("hit journal: delete applied segments", "err", err)
	}
	storeMax, err := s.st.MaxHitID(ctx)
	if err != nil {
		return fmt.Errorf("hit journal: %w", err)
	}
	s.jnext.Store(max(storeMax, maxID) + 1)
	s.replayDone = true
	if replayed > 0 || len(bad) > 0 {
		s.log.Warn("hit journal: replayed hits answered before the last stop", "journal", s.journal.Dir(),
			"hits", replayed, "from", from, "to", end, "corrupt_regions", len(bad))
	}
	return nil
}
