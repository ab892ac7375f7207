package tripwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/store"
)

// TestSourceLocal is the source a decoy test window names for touches that
// have no address and no process (a decoy file opened on this machine,
// seen by inotify). With fanotify the file trap names the process, and a
// window names it as [TestSourcePID].
const TestSourceLocal = "local"

// TestSourcePID is the source of a test window for the file touches of one
// process.
func TestSourcePID(pid int) string { return "pid:" + strconv.Itoa(pid) }

// Options configure a [Service]. Store is required; the rest has defaults.
type Options struct {
	Store    *store.Store
	Scanners *Scanners  // nil: the built-in list
	Allow    *AllowList // nil: nothing is expected
	// IncidentWindow: hits of one decoy from one source join the open
	// incident while they come within this of its last hit (default 1h).
	IncidentWindow time.Duration
	// Sinks names the delivering sinks each new alert is queued for;
	// SinkLevel, when set, gives a sink's minimum level (default low: the
	// informational alerts of expected and test hits stay in the store).
	Sinks     []string
	SinkLevel map[string]alert.Level
	// OnAlert is called after an alert was stored (isNew) or updated, for
	// waking delivery. It must not block.
	OnAlert func(a alert.Alert, isNew bool)
	// MaxBatch bounds how many hits share one transaction (default 1024).
	MaxBatch int
	// Journal, when set, is the directory of the hit journal (see
	// [Journal]): a touch is answered once its batch is appended there,
	// and a second goroutine stores and attributes journaled hits in
	// SQLite, off the answer path. "" stores each batch in SQLite before
	// answering. Journaled hits get their ids when journaled; should
	// another process have taken an id meanwhile (one serve per store is
	// the rule), the hit is stored under a new one and Result.HitID is
	// stale.
	Journal string
	// JournalFsync syncs each journal batch to disk before answering
	// (durable across a power loss; without it, across a crash of the
	// process).
	JournalFsync bool
	// JournalMaxLag bounds the journal not yet applied to the store
	// (default 32 MiB): past it, the writer waits for the store to catch
	// up, and so do the traps' Record calls.
	JournalMaxLag int64
	Log           *slog.Logger
}

// Service is the [Recorder] `mailtrip serve` runs: it resolves, classifies
// and durably stores each hit (group commit), then attributes stored hits
// to incidents and alerts in the background. Run must be running for
// Record to make progress.
type Service struct {
	opt     Options
	st      *store.Store
	log     *slog.Logger
	res     *resolver
	pending chan *pendingHit
	wake    chan struct{}

	// attrMu serialises attribution (the writer's and the catch-up
	// loop's): incidents and incAlerts cache the open incidents and their
	// alerts, nextHitID the id the next stored hit gets.
	attrMu     sync.Mutex
	incidents  map[incidentKey]*store.Incident
	incAlerts  map[string]*alert.Alert
	decoyInfos map[string]decoyInfoEntry
	nextHitID  int64
	// alertWritten and alertDirty: when each incident's alert was last
	// written, and which ones have changes not yet written.
	alertWritten map[string]time.Time
	alertDirty   map[string]*store.Incident // incident id → the incident, its alert not yet written

	// With a journal: the writer appends, the applier stores (apply.go).
	journal *Journal
	jq      applyQueue
	jnext   atomic.Int64 // the id the next journaled hit gets
	applied atomic.Int64 // the journal position the store has applied
	// replaying is set while Run replays the journal (before the writer
	// and the applier start), replayDone once it has.
	replaying, replayDone bool
	// appliedSig wakes a writer waiting for the applier (back-pressure).
	appliedSig chan struct{}

	stats Stats
}

// Stats counts what the service did, for /metrics.
type Stats struct {
	Recorded   atomic.Int64 // hits stored
	Resolved   atomic.Int64 // of which resolved to a decoy
	Scanner    atomic.Int64 // of which judged scanners
	Failed     atomic.Int64 // Record calls that failed to store
	Batches    atomic.Int64 // group-commit transactions
	Attributed atomic.Int64 // hits attributed
	Alerts     atomic.Int64 // new alerts raised
	Pending    atomic.Int64 // hits waiting for attribution (approximate)
	// With a journal: batches appended, and what is journaled but not yet
	// stored in SQLite.
	JournalWrites   atomic.Int64
	JournalLagBytes atomic.Int64
	JournalLagHits  atomic.Int64
}

var _ Recorder = (*Service)(nil)

type pendingHit struct {
	hit  store.Hit
	done chan error
	id   int64
}

// NewService prepares a Service on opt.Store.
func NewService(opt Options) (*Service, error) {
	if opt.Store == nil {
		return nil, errors.New("tripwire: no store")
	}
	if opt.Scanners == nil {
		s, err := LoadScanners(nil)
		if err != nil {
			return nil, err
		}
		opt.Scanners = s
	}
	if opt.IncidentWindow <= 0 {
		opt.IncidentWindow = time.Hour
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 1024
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.JournalMaxLag <= 0 {
		opt.JournalMaxLag = 32 << 20
	}
	var j *Journal
	if opt.Journal != "" {
		var err error
		j, err = OpenJournal(opt.Journal, JournalOptions{Fsync: opt.JournalFsync, Log: opt.Log})
		if err != nil {
			return nil, err
		}
	}
	return &Service{
		journal:      j,
		jq:           applyQueue{wake: make(chan struct{}, 1)},
		appliedSig:   make(chan struct{}, 1),
		opt:          opt,
		st:           opt.Store,
		log:          opt.Log,
		res:          newResolver(opt.Store),
		pending:      make(chan *pendingHit, 4096),
		wake:         make(chan struct{}, 1),
		incidents:    make(map[incidentKey]*store.Incident),
		incAlerts:    make(map[string]*alert.Alert),
		decoyInfos:   make(map[string]decoyInfoEntry),
		alertWritten: make(map[string]time.Time),
		alertDirty:   make(map[string]*store.Incident),
	}, nil
}

// Stats returns the service's counters.
func (s *Service) Stats() *Stats { return &s.stats }

// Record resolves h to its decoy, judges it, and returns once it is stored.
func (s *Service) Record(ctx context.Context, h Hit) (Result, error) {
	if h.Time.IsZero() {
		h.Time = time.Now()
	}
	h.Time = h.Time.UTC()
	r, err := s.res.resolve(ctx, h)
	if err != nil {
		s.stats.Failed.Add(1)
		return Result{}, err
	}
	sh := store.Hit{
		Time:       h.Time,
		DecoyID:    r.decoyID,
		SubID:      r.sub,
		Trigger:    h.Trap,
		UserAgent:  truncate(h.UserAgent, 1024),
		Test:       h.Test,
		SourcePort: int(h.Source.Port()),
	}
	if h.Source.Addr().IsValid() {
		sh.SourceIP = h.Source.Addr().Unmap().String()
	}
	if r.decoyID != "" && !h.Test {
		// `mailtrip decoy test` opened a window for this decoy and source.
		src := sh.SourceIP
		if src == "" {
			src = TestSourceLocal
			if pid, ok := h.Detail["pid"].(int); ok && pid > 0 {
				src = TestSourcePID(pid)
			}
		}
		purpose, err := s.res.testPurpose(ctx, r.decoyID, src, h.Time, h.Trap == TrapFile)
		if err != nil {
			s.stats.Failed.Add(1)
			return Result{}, err
		}
		switch purpose {
		case store.PurposeTest:
			sh.Test = true
			r.detail["test"] = true
		case store.PurposeVerify:
			sh.Expected = true
			r.detail["expected"] = "mailtrip decoy verify was reading the decoy"
		}
	}
	if reason := s.opt.Scanners.Judge(h, r.plantedAt); reason != "" {
		sh.Scanner = true
		r.detail["scanner"] = reason
	}
	if why := s.opt.Allow.Match(h, r.decoyID); why != "" {
		sh.Expected = true
		r.detail["expected"] = why
	}
	data, err := encodeDetail(r.detail)
	if err != nil {
		s.stats.Failed.Add(1)
		return Result{}, fmt.Errorf("record hit: %w", err)
	}
	sh.Data = data
	p := &pendingHit{hit: sh, done: make(chan error, 1)}
	select {
	case s.pending <- p:
	case <-ctx.Done():
		s.stats.Failed.Add(1)
		return Result{}, context.Cause(ctx)
	}
	select {
	case err := <-p.done:
		if err != nil {
			s.stats.Failed.Add(1)
			return Result{}, err
		}
	case <-ctx.Done():
		// The hit may still be stored; the caller gave up waiting.
		return Result{}, context.Cause(ctx)
	}
	return Result{HitID: p.id, Decoy: r.decoyID, Credential: r.credential}, nil
}

// Run stores hits and attributes them until ctx is done. Hits already
// queued when ctx ends are still stored (so no client that is waiting for
// an answer loses its hit) before Run returns.
//
// With a journal, Run first replays what the store has not applied yet
// (hits answered before a crash) unless [Service.Replay] did, then serves
// new batches; on return the journal is applied as far as the store
// allowed and closed. Run is meant to be called once; it fails only when
// the replay does.
func (s *Service) Run(ctx context.Context) error {
	if s.journal != nil && !s.replayDone {
		if err := s.Replay(ctx); err != nil {
			s.journal.Close()
			return err
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	attrCtx, stopAttr := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer wg.Done()
		s.attributeLoop(attrCtx)
	}()
	applierDone := make(chan struct{})
	stopApply := make(chan struct{})
	if s.journal != nil {
		go func() {
			defer close(applierDone)
			s.applyLoop(context.WithoutCancel(ctx), stopApply)
		}()
	} else {
		close(applierDone)
	}
	s.writeLoop(ctx, applierDone)
	close(stopApply)
	<-applierDone
	if s.journal != nil {
		if err := s.journal.Close(); err != nil {
			s.log.Error("close hit journal", "err", err)
		}
	}
	stopAttr()
	wg.Wait()
	return nil
}

// writeLoop is the group commit: it takes the first waiting hit, then every
// other hit already queued (up to MaxBatch), and stores them in one
// transaction.
func (s *Service) writeLoop(ctx context.Context, applierDone <-chan struct{}) {
	batch := make([]*pendingHit, 0, s.opt.MaxBatch)
	hits := make([]store.Hit, 0, s.opt.MaxBatch)
	last := 0 // size of the previous batch
	for {
		batch = batch[:0]
		select {
		case p := <-s.pending:
			batch = append(batch, p)
		case <-ctx.Done():
			// Drain what is queued, then stop.
			for {
				select {
				case p := <-s.pending:
					batch = append(batch, p)
					if len(batch) < s.opt.MaxBatch {
						continue
					}
				default:
				}
				if len(batch) == 0 {
					return
				}
				s.flush(context.WithoutCancel(ctx), batch, hits[:0], applierDone)
				batch = batch[:0]
			}
		}
	fill:
		for len(batch) < s.opt.MaxBatch {
			select {
			case p := <-s.pending:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		// Under load, the clients the last commit answered are about to
		// send their next touches: wait a moment for them, so a busy trap
		// commits a few large batches rather than many small ones. An idle
		// trap (last batch small) commits at once.
		if last > 1 && len(batch) < last && len(batch) < s.opt.MaxBatch {
			timer := time.NewTimer(linger)
		wait:
			for len(batch) < s.opt.MaxBatch {
				select {
				case p := <-s.pending:
					batch = append(batch, p)
					if len(batch) >= last {
						break wait
					}
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
		last = len(batch)
		s.flush(ctx, batch, hits[:0], applierDone)
	}
}

// linger is the longest a busy writer waits to fill a batch.
const linger = time.Millisecond

// flush makes a batch durable: in the journal when there is one, else in
// SQLite with its attribution.
func (s *Service) flush(ctx context.Context, batch []*pendingHit, hits []store.Hit, applierDone <-chan struct{}) {
	if s.journal != nil {
		s.journalBatch(batch, applierDone)
		return
	}
	s.commit(ctx, batch, hits)
}

// commit stores a batch of hits and attributes them in the same
// transaction: the hits get ids from this writer (the store's largest id
// so far, counted on), the attribution is worked out in memory (reading
// only what is not cached), and hits, incidents, alerts and outbox rows are
// written together. If that fails, the hits are stored on their own, new,
// for the attribution loop to pick up; a client is answered only once its
// hit is stored either way.
func (s *Service) commit(ctx context.Context, batch []*pendingHit, hits []store.Hit) {
	resolved := 0
	for _, p := range batch {
		hits = append(hits, p.hit)
		if p.hit.DecoyID != "" {
			resolved++
		}
	}
	err := s.commitAttributed(ctx, hits)
	if err != nil {
		s.log.Warn("store and attribute hits together failed; storing them for later attribution", "hits", len(hits), "err", err)
		for i := range hits {
			hits[i].ID, hits[i].State, hits[i].IncidentID = 0, "", ""
		}
		var ids []int64
		ids, err = s.st.AddHits(ctx, hits)
		if err == nil {
			for i := range hits {
				hits[i].ID = ids[i]
			}
			s.stats.Pending.Add(int64(resolved))
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
		s.nextHitID = 0 // re-read: another writer may have taken ids
	}
	if err != nil {
		s.log.Error("store hits", "hits", len(batch), "err", err)
	}
	for i, p := range batch {
		if err == nil {
			p.id = hits[i].ID
			if p.hit.Scanner {
				s.stats.Scanner.Add(1)
			}
		}
		p.done <- err
	}
	if err != nil {
		return
	}
	s.stats.Batches.Add(1)
	s.stats.Recorded.Add(int64(len(batch)))
	s.stats.Resolved.Add(int64(resolved))
}

// commitAttributed is commit's one-transaction path.
func (s *Service) commitAttributed(ctx context.Context, hits []store.Hit) error {
	if s.nextHitID == 0 {
		max, err := s.st.MaxHitID(ctx)
		if err != nil {
			return err
		}
		s.nextHitID = max + 1
	}
	for i := range hits {
		hits[i].ID = s.nextHitID + int64(i)
	}
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
	if err := s.st.AddHitsAttributed(ctx, hits, p.out); err != nil {
		s.forgetIncidents()
		return err
	}
	s.nextHitID += int64(len(hits))
	s.done(p, len(p.hitInc))
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// sourceKey is what an incident is keyed by: the address, IPv6 by its /64.
func sourceKey(h store.Hit) string {
	if h.Trigger == TrapFile {
		return "local"
	}
	a, err := netip.ParseAddr(h.SourceIP)
	if err != nil {
		return h.SourceIP
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}
