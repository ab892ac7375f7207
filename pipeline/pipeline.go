// Package pipeline runs sources through detectors on every core and hands
// the alerts to a sink. Sources are independent units of work (a batch of
// files, a section of an mbox); a fixed pool of workers takes them from a
// bounded channel, so a slow detector holds back the planner instead of
// letting events pile up in memory. Alerts and errors are handed to the
// caller's callbacks one at a time.
package pipeline

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
)

// Source yields events, each with an optional error about it.
type Source interface {
	Events(ctx context.Context) iter.Seq2[*event.Event, error]
}

// Pipeline wires detectors to callbacks.
type Pipeline struct {
	Detectors []detect.Detector
	// Workers is the number of sources read at once (at least 1).
	Workers int
	// OnEvent, if set, sees every event before the detectors (dump uses
	// it). Called from worker goroutines, serialised.
	OnEvent func(*event.Event)
	// OnAlert receives alerts, serialised.
	OnAlert func(alert.Alert)
	// OnError receives per-record and per-source errors, serialised.
	OnError func(error)
	// Seen, if set, is advanced by every event read (for progress).
	Seen *atomic.Int64
	// FlushEvery, when positive, calls FlushSome on the detectors that
	// have it (detect.IncrementalFlusher) at this interval while input
	// keeps coming (scan --follow); every Flusher is flushed at the end as
	// always.
	FlushEvery time.Duration
}

// Counts summarises a run.
type Counts struct {
	Events  int64 // every event read
	Records int64 // of which log and audit records (the rest are messages)
	Errors  int64
	Alerts  int64
}

// Run reads every source sent on sources until the channel is closed, then
// flushes stateful detectors. It returns context.Cause(ctx) when cancelled.
func (p *Pipeline) Run(ctx context.Context, sources <-chan Source) (Counts, error) {
	var (
		mu      sync.Mutex
		counts  Counts
		events  atomic.Int64
		records atomic.Int64
	)
	emit := func(a alert.Alert) {
		if a.DetectedAt.IsZero() {
			a.DetectedAt = time.Now().UTC()
		}
		mu.Lock()
		defer mu.Unlock()
		counts.Alerts++
		if p.OnAlert != nil {
			p.OnAlert(a)
		}
	}
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		counts.Errors++
		if p.OnError != nil {
			p.OnError(err)
		}
	}
	workers := max(p.Workers, 1)
	var wg sync.WaitGroup
	stopPeriodic := func() {}
	if p.FlushEvery > 0 {
		stopFlush := make(chan struct{})
		flushDone := make(chan struct{})
		var once sync.Once
		stopPeriodic = func() { once.Do(func() { close(stopFlush); <-flushDone }) }
		defer stopPeriodic()
		go func() {
			defer close(flushDone)
			tick := time.NewTicker(p.FlushEvery)
			defer tick.Stop()
			for {
				select {
				case <-stopFlush:
					return
				case <-tick.C:
				}
				for _, d := range p.Detectors {
					if f, ok := d.(detect.IncrementalFlusher); ok {
						if err := f.FlushSome(ctx, emit); err != nil {
							report(err)
						}
					}
				}
			}
		}()
	}
	for range workers {
		// Alerts about one event are collected and merged by origin before
		// they are emitted: two detectors (a Sigma rule, a built-in one)
		// flagging the same record make one alert that names both.
		var pendingAlerts []alert.Alert
		collect := func(a alert.Alert) { pendingAlerts = append(pendingAlerts, a) }
		wg.Go(func() {
			for src := range sources {
				if ctx.Err() != nil {
					continue // drain so the producer never blocks
				}
				for ev, err := range src.Events(ctx) {
					if err != nil && ctx.Err() == nil {
						report(err)
					}
					if ev == nil {
						continue
					}
					events.Add(1)
					if ev.Kind == event.KindLog {
						records.Add(1)
					}
					if p.Seen != nil {
						p.Seen.Add(1)
					}
					if p.OnEvent != nil {
						mu.Lock()
						p.OnEvent(ev)
						mu.Unlock()
					}
					for _, d := range p.Detectors {
						if err := d.Detect(ctx, ev, collect); err != nil {
							report(err)
						}
					}
					if len(pendingAlerts) > 0 {
						for _, a := range MergeByOrigin(pendingAlerts) {
							emit(a)
						}
						pendingAlerts = pendingAlerts[:0]
					}
				}
			}
		})
	}
	wg.Wait()
	stopPeriodic() // the last flush below sees everything, alone
	counts.Events = events.Load()
	counts.Records = records.Load()
	if err := context.Cause(ctx); err != nil {
		return counts, err
	}
	for _, d := range p.Detectors {
		if f, ok := d.(detect.Flusher); ok {
			if err := f.Flush(ctx, emit); err != nil {
				report(err)
			}
		}
	}
	return counts, context.Cause(ctx)
}
