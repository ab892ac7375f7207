package pipeline

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
)

// fixedSource yields n events and one error.
type fixedSource struct{ n int }

func (s fixedSource) Events(ctx context.Context) iter.Seq2[*event.Event, error] {
	return func(yield func(*event.Event, error) bool) {
		for i := range s.n {
			if !yield(&event.Event{Kind: event.KindLog, Origin: event.Origin{File: "x", Line: int64(i + 1)}}, nil) {
				return
			}
		}
		yield(nil, errors.New("bad record"))
	}
}

// counter emits an alert for every event and one aggregate on Flush.
type counter struct{ n atomic.Int64 }

func (c *counter) Name() string { return "counter" }
func (c *counter) Detect(_ context.Context, e *event.Event, emit detect.Emit) error {
	c.n.Add(1)
	emit(alert.New("counter", alert.Rule{ID: "each"}, e.Origin))
	return nil
}
func (c *counter) Flush(_ context.Context, emit detect.Emit) error {
	emit(alert.New("counter", alert.Rule{ID: "total", Level: alert.High}, event.Origin{File: "x"}))
	return nil
}

func TestRun(t *testing.T) {
	c := &counter{}
	var alerts, errs int
	var flushed bool
	p := &Pipeline{
		Detectors: []detect.Detector{c},
		Workers:   4,
		OnAlert: func(a alert.Alert) {
			alerts++ // serialised by the pipeline; -race checks it
			if a.Rule.ID == "total" {
				flushed = true
			}
			if a.DetectedAt.IsZero() {
				t.Error("alert without detected_at")
			}
		},
		OnError: func(error) { errs++ },
	}
	srcs := make(chan Source, 10)
	for range 10 {
		srcs <- fixedSource{n: 100}
	}
	close(srcs)
	counts, err := p.Run(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Events != 1000 || c.n.Load() != 1000 || alerts != 1001 || errs != 10 || !flushed {
		t.Errorf("counts %+v, detected %d, alerts %d, errors %d, flushed %v", counts, c.n.Load(), alerts, errs, flushed)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("operator stop")
	cancel(cause)
	srcs := make(chan Source, 3)
	for range 3 {
		srcs <- fixedSource{n: 10}
	}
	close(srcs)
	c := &counter{}
	_, err := (&Pipeline{Detectors: []detect.Detector{c}}).Run(ctx, srcs)
	if !errors.Is(err, cause) {
		t.Errorf("err %v, want the cancellation cause", err)
	}
	if c.n.Load() != 0 {
		t.Errorf("detected %d events after cancellation", c.n.Load())
	}
}

// stepper counts FlushSome and Flush calls.
type stepper struct {
	some    atomic.Int64
	final   atomic.Int64
	someAt  chan struct{} // receives after every FlushSome
	ordered atomic.Bool   // no FlushSome after Flush
}

func (s *stepper) Name() string                                            { return "stepper" }
func (s *stepper) Detect(context.Context, *event.Event, detect.Emit) error { return nil }
func (s *stepper) FlushSome(_ context.Context, emit detect.Emit) error {
	if s.final.Load() > 0 {
		s.ordered.Store(false)
	}
	emit(alert.New("stepper", alert.Rule{ID: "some"}, event.Origin{File: "x", Line: s.some.Add(1)}))
	select {
	case s.someAt <- struct{}{}:
	default:
	}
	return nil
}
func (s *stepper) Flush(_ context.Context, emit detect.Emit) error {
	s.final.Add(1)
	emit(alert.New("stepper", alert.Rule{ID: "final"}, event.Origin{File: "x"}))
	return nil
}

var _ detect.IncrementalFlusher = (*stepper)(nil)

// waitingSource yields one event, waits for wait to deliver n times,
// then yields another.
type waitingSource struct {
	wait <-chan struct{}
	n    int
}

func (s waitingSource) Events(ctx context.Context) iter.Seq2[*event.Event, error] {
	return func(yield func(*event.Event, error) bool) {
		if !yield(&event.Event{Kind: event.KindLog}, nil) {
			return
		}
		for range s.n {
			<-s.wait
		}
		yield(&event.Event{Kind: event.KindLog}, nil)
	}
}

// TestRunFlushEvery: while input keeps coming, FlushSome runs on the
// ticker; Flush runs once, after the last FlushSome.
func TestRunFlushEvery(t *testing.T) {
	s := &stepper{someAt: make(chan struct{})}
	s.ordered.Store(true)
	var some, final int
	p := &Pipeline{
		Detectors:  []detect.Detector{s},
		FlushEvery: time.Millisecond,
		OnAlert: func(a alert.Alert) {
			switch a.Rule.ID {
			case "some":
				some++
			case "final":
				final++
			}
		},
	}
	srcs := make(chan Source, 1)
	srcs <- waitingSource{wait: s.someAt, n: 3}
	close(srcs)
	counts, err := p.Run(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	if s.some.Load() < 3 || int64(some) != s.some.Load() || s.final.Load() != 1 || final != 1 || !s.ordered.Load() {
		t.Errorf("FlushSome %d times (%d alerts), Flush %d times (%d alerts), FlushSome after Flush: %v",
			s.some.Load(), some, s.final.Load(), final, !s.ordered.Load())
	}
	if counts.Events != 2 {
		t.Errorf("counts %+v", counts)
	}
}
