// Package detect defines the contract between the pipeline and detectors.
// A [Detector] consumes events and emits alerts; it does no network or
// database I/O itself (state comes through small interfaces), and it must be
// safe for concurrent use because the pipeline calls it from one goroutine
// per core. Detectors that aggregate (per-mailbox ratios, correlations)
// implement [Flusher] and emit their aggregate alerts at end of input;
// those that can judge a stream piece by piece implement
// [IncrementalFlusher] too.
//
// Implementations live in subpackages: header (auto-forwarding artifacts
// in mail stores), later sigma, mailrules and baseline.
package detect

import (
	"context"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// Emit receives an alert. The pipeline's Emit is safe for concurrent use.
type Emit func(alert.Alert)

// Detector inspects one event at a time.
type Detector interface {
	// Name is the detector's stable name, used in alert ids.
	Name() string
	// Detect inspects e and calls emit for each finding.
	Detect(ctx context.Context, e *event.Event, emit Emit) error
}

// Flusher is implemented by detectors that keep state across events; Flush
// is called once after the last event and emits aggregate findings.
type Flusher interface {
	Flush(ctx context.Context, emit Emit) error
}

// IncrementalFlusher is a Flusher that can also judge part of what it
// holds while input keeps coming (scan --follow, every --flush-every).
// FlushSome emits the findings that input still to come can no longer
// change and keeps the rest for a later call; Flush, called once at the
// end, judges everything. Each finding is emitted by exactly one of the
// calls. Calls never overlap one another, but FlushSome runs while Detect
// is being called. Detectors whose findings need the whole input do not
// implement it.
type IncrementalFlusher interface {
	Flusher
	FlushSome(ctx context.Context, emit Emit) error
}
