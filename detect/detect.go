// Package detect defines the contract between the pipeline and detectors.
// A [Detector] consumes events and emits alerts; it does no network or
// database I/O itself (state comes through small interfaces), and it must be
// safe for concurrent use because the pipeline calls it from one goroutine
// per core. Detectors that aggregate (per-mailbox ratios, correlations)
// implement [Flusher] and emit their aggregate alerts at end of input.
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

// IncrementalFlusher is a Flusher whose Flush may be called again and
// again while input keeps coming (scan --follow): each call judges what
// arrived since the one before, against what the detector keeps (its
// baselines). Detectors whose Flush must see the whole input do not
// implement it.
type IncrementalFlusher interface {
	Flusher
	IncrementalFlush()
}
