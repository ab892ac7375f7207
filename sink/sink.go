package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// Sink delivers alerts to one receiver.
type Sink interface {
	// Name identifies the sink in the outbox; it must stay the same across
	// restarts (it is the configured sink name, not its type).
	Name() string
	// Deliver sends alerts and returns nil when the receiver acknowledged
	// all of them. When some were acknowledged and others not, it returns
	// a *BatchError with one outcome per alert. Any other error applies to
	// every alert; wrap it with Permanent when retrying cannot help.
	Deliver(ctx context.Context, alerts []alert.Alert) error
}

// Batcher is an optional Sink capability: the most alerts one Deliver call
// should carry. Sinks without it get DefaultBatch.
type Batcher interface {
	MaxBatch() int
}

// Reopener is an optional Sink capability: reopen the files it writes, after
// log rotation moved them (SIGHUP).
type Reopener interface {
	Reopen() error
}

// DefaultBatch is the batch size for sinks that are not Batchers.
const DefaultBatch = 50

// Error is a failed delivery with what the Deliverer needs to schedule the
// next attempt.
type Error struct {
	Err error
	// Permanent: the receiver refused the alert and will refuse it again
	// (HTTP 4xx other than 408 and 429, a document it cannot index).
	Permanent bool
	// RetryAfter is how long the receiver asked to be left alone (HTTP
	// Retry-After); 0 when it did not say.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Permanent {
		return "permanent: " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent marks err as a failure that retrying cannot fix.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Permanent: true}
}

// Temporary marks err as a failure worth retrying, not before after (0:
// whenever the backoff says).
func Temporary(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, RetryAfter: after}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryDelay returns the Retry-After an error carries, or 0.
func RetryDelay(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// BatchError reports the outcome of each alert of a Deliver call that was
// acknowledged in part: Errs[i] belongs to alerts[i], nil when delivered.
type BatchError struct {
	Errs []error
}

func (e *BatchError) Error() string {
	failed := 0
	var first error
	for _, err := range e.Errs {
		if err != nil {
			if first == nil {
				first = err
			}
			failed++
		}
	}
	if first == nil {
		return "batch delivered"
	}
	return fmt.Sprintf("%d of %d alerts failed, first: %v", failed, len(e.Errs), first)
}

// outcomes spreads the result of Deliver over n alerts.
func outcomes(err error, n int) []error {
	out := make([]error, n)
	var be *BatchError
	switch {
	case err == nil:
	case errors.As(err, &be) && len(be.Errs) == n:
		copy(out, be.Errs)
	default:
		for i := range out {
			out[i] = err
		}
	}
	return out
}
