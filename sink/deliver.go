package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/store"
)

// Outbox is the part of the store a Deliverer uses (*store.Store).
type Outbox interface {
	ClaimDue(ctx context.Context, sink string, now time.Time, limit int, lease time.Duration) ([]store.OutboxItem, error)
	MarkSentBatch(ctx context.Context, sink string, alertIDs []string, at time.Time) error
	MarkFailed(ctx context.Context, alertID, sink, errText string, nextAttempt time.Time, dead bool) error
}

var _ Outbox = (*store.Store)(nil)

// DeliveryPolicy says how a Deliverer paces and retries one sink. Zero
// fields take the defaults in brackets.
type DeliveryPolicy struct {
	// Backoff after the n-th failed attempt is Initial × 2^(n-1), capped
	// at Max, with equal jitter (between half and all of it) [1 s, 5 min].
	Initial time.Duration
	Max     time.Duration
	// MaxAttempts makes an alert dead after that many retryable failures
	// [0: never; a receiver that is down gets everything when it returns].
	// Permanent failures are dead at once.
	MaxAttempts int
	// Timeout bounds one Deliver call [30 s]. It must be well under Lease.
	Timeout time.Duration
	// Lease is how long a claimed alert is reserved for this Deliverer
	// [2 min]: after a crash it is sent again once the lease ends.
	Lease time.Duration
	// Poll is how often the outbox is looked at without a Notify [1 s]
	// (retries falling due, alerts enqueued by another process).
	Poll time.Duration
	// Batch caps the alerts per Deliver call [the sink's MaxBatch, or
	// DefaultBatch].
	Batch int
	// MinLevel: Group.Publish enqueues only alerts at or above it.
	MinLevel alert.Level
}

func (p DeliveryPolicy) withDefaults(s Sink) DeliveryPolicy {
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Max <= 0 {
		p.Max = 5 * time.Minute
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.Lease <= 0 {
		p.Lease = store.DefaultLease
	}
	if p.Lease < 2*p.Timeout {
		p.Lease = 2 * p.Timeout
	}
	if p.Poll <= 0 {
		p.Poll = time.Second
	}
	if p.Batch <= 0 {
		p.Batch = DefaultBatch
		if b, ok := s.(Batcher); ok && b.MaxBatch() > 0 {
			p.Batch = b.MaxBatch()
		}
	}
	return p
}

// Backoff returns the delay after the n-th consecutive failure (n ≥ 1):
// Initial × 2^(n-1) capped at Max, of which a random half is jitter, so
// many alerts failing together do not retry in lockstep.
func (p DeliveryPolicy) Backoff(n int) time.Duration {
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Deliverer delivers one sink's outbox: it claims due alerts, hands them to
// the sink in batches, and marks each sent or failed. Run it in its own
// goroutine; Notify it after enqueueing.
type Deliverer struct {
	sink   Sink
	outbox Outbox
	policy DeliveryPolicy
	log    *slog.Logger
	now    func() time.Time
	wake   chan struct{}

	// failures counts consecutive batches that failed as a whole (the
	// receiver down): the sink pauses with backoff between them instead
	// of cycling through every pending alert.
	failures int
	// nextDue is the earliest retry this Deliverer scheduled.
	nextDue time.Time
}

// NewDeliverer returns a Deliverer of s from outbox. log may be nil.
func NewDeliverer(s Sink, outbox Outbox, p DeliveryPolicy, log *slog.Logger) *Deliverer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{
		sink:   s,
		outbox: outbox,
		policy: p.withDefaults(s),
		log:    log.With("sink", s.Name()),
		now:    time.Now,
		wake:   make(chan struct{}, 1),
	}
}

// Sink returns the sink delivered to.
func (d *Deliverer) Sink() Sink { return d.sink }

// Policy returns the policy in effect, defaults filled in.
func (d *Deliverer) Policy() DeliveryPolicy { return d.policy }

// Notify wakes the Deliverer to look at the outbox now: call it after
// enqueueing an alert. It never blocks.
func (d *Deliverer) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled, then finishes the batch in flight
// (within the policy's Timeout) so its outcome is recorded, and returns
// context.Cause(ctx). Store errors are logged and retried after Poll.
func (d *Deliverer) Run(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		n, pause, err := d.round(ctx)
		if err != nil {
			d.log.Error("outbox", "err", err)
			pause = d.policy.Poll
		}
		if n > 0 && pause == 0 {
			continue // there may be more due right now
		}
		wait := d.policy.Poll
		if pause > 0 {
			wait = pause
		} else if !d.nextDue.IsZero() {
			if until := d.nextDue.Sub(d.now()); until < wait {
				wait = max(until, time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		wakeable := d.wake
		if pause > 0 {
			wakeable = nil // the receiver asked for a pause: new alerts wait too
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-wakeable:
			t.Stop()
		case <-t.C:
		}
	}
}

// round claims and delivers one batch. It returns how many alerts it
// handled and, when the receiver failed as a whole, how long to pause.
func (d *Deliverer) round(ctx context.Context) (int, time.Duration, error) {
	name := d.sink.Name()
	now := d.now()
	if !d.nextDue.IsZero() && !d.nextDue.After(now) {
		d.nextDue = time.Time{}
	}
	limit := d.policy.Batch
	if d.failures > 0 {
		limit = 1 // the receiver was down: probe with one alert
	}
	items, err := d.outbox.ClaimDue(ctx, name, now, limit, d.policy.Lease)
	if err != nil || len(items) == 0 {
		return 0, 0, err
	}
	alerts := make([]alert.Alert, len(items))
	for i := range items {
		alerts[i] = items[i].Alert
	}
	// The batch finishes even when ctx is cancelled meanwhile, so that a
	// graceful stop records what the receiver acknowledged.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.policy.Timeout)
	start := d.now()
	derr := d.sink.Deliver(dctx, alerts)
	cancel()
	results := outcomes(derr, len(items))

	done := d.now()
	var sent []string
	var pause time.Duration
	failed := 0
	for i, it := range items {
		if results[i] == nil {
			sent = append(sent, it.AlertID)
			continue
		}
		failed++
		pause = max(pause, RetryDelay(results[i]))
	}
	// Record with a context of its own: a stop must not lose the marks.
	mctx, mcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer mcancel()
	var errs []error
	if err := d.outbox.MarkSentBatch(mctx, name, sent, done); err != nil {
		errs = append(errs, err)
	}
	for i, it := range items {
		ferr := results[i]
		if ferr == nil {
			continue
		}
		dead := IsPermanent(ferr) || (d.policy.MaxAttempts > 0 && it.Attempts >= d.policy.MaxAttempts)
		next := done.Add(max(d.policy.Backoff(it.Attempts), RetryDelay(ferr)))
		if err := d.outbox.MarkFailed(mctx, it.AlertID, name, ferr.Error(), next, dead); err != nil {
			errs = append(errs, err)
		}
		if dead {
			d.log.Warn("alert not delivered, giving up", "alert", it.AlertID, "attempts", it.Attempts, "err", ferr)
		} else if d.nextDue.IsZero() || next.Before(d.nextDue) {
			d.nextDue = next
		}
	}
	switch {
	case failed == 0:
		if d.failures > 0 {
			d.log.Info("receiver is back", "after_failures", d.failures)
		}
		d.failures = 0
	case len(sent) == 0 && !allPermanent(results):
		// Nothing got through: the receiver is down or throttling.
		d.failures++
		pause = max(pause, d.policy.Backoff(d.failures))
		d.log.Warn("delivery failed", "alerts", len(items), "retry_in", pause.Round(time.Millisecond),
			"elapsed", done.Sub(start).Round(time.Millisecond), "err", firstErr(results))
	default:
		d.failures = 0
		d.log.Warn("some alerts not delivered", "failed", failed, "of", len(items), "err", firstErr(results))
	}
	return len(items), pause, errors.Join(errs...)
}

func allPermanent(errs []error) bool {
	for _, err := range errs {
		if err != nil && !IsPermanent(err) {
			return false
		}
	}
	return true
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Enqueuer stores an alert with its outbox rows (*store.Store).
type Enqueuer interface {
	PutAlertAndEnqueue(ctx context.Context, a alert.Alert, sinks []string) (inserted bool, err error)
}

var _ Enqueuer = (*store.Store)(nil)

// Group runs the Deliverers of every configured sink and publishes alerts
// to them.
type Group struct {
	ds []*Deliverer
}

// NewGroup returns a Group; sink names must be unique.
func NewGroup(ds ...*Deliverer) (*Group, error) {
	seen := map[string]bool{}
	for _, d := range ds {
		n := d.sink.Name()
		if seen[n] {
			return nil, fmt.Errorf("two sinks named %q", n)
		}
		seen[n] = true
	}
	return &Group{ds: ds}, nil
}

// Deliverers returns the group's Deliverers.
func (g *Group) Deliverers() []*Deliverer { return g.ds }

// Publish stores a and enqueues it, in one transaction, for every sink
// whose MinLevel it reaches, then wakes their Deliverers. inserted reports
// whether the alert was new to the store.
func (g *Group) Publish(ctx context.Context, st Enqueuer, a alert.Alert) (inserted bool, err error) {
	var names []string
	var wake []*Deliverer
	for _, d := range g.ds {
		if a.Rule.Level >= d.policy.MinLevel {
			names = append(names, d.sink.Name())
			wake = append(wake, d)
		}
	}
	inserted, err = st.PutAlertAndEnqueue(ctx, a, names)
	if err != nil {
		return inserted, err
	}
	for _, d := range wake {
		d.Notify()
	}
	return inserted, nil
}

// Notify wakes every Deliverer (alerts enqueued by other means).
func (g *Group) Notify() {
	for _, d := range g.ds {
		d.Notify()
	}
}

// Run runs every Deliverer until ctx is cancelled and they have stopped,
// then returns context.Cause(ctx).
func (g *Group) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, d := range g.ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = d.Run(ctx)
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// Reopen reopens the files of sinks that write files (SIGHUP after log
// rotation).
func (g *Group) Reopen() error {
	var errs []error
	for _, d := range g.ds {
		if r, ok := d.sink.(Reopener); ok {
			if err := r.Reopen(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
