package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/ingest"
	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/pipeline"
)

// maxPrintedErrors bounds how many input errors go to stderr one by one; the
// rest are counted in the summary.
const maxPrintedErrors = 50

// inputRun is one pass over the inputs: planning, reading, detection.
type inputRun struct {
	paths    []string
	format   ingest.Format
	workers  int
	limits   mailfmt.Limits
	progress bool // draw a progress bar on stderr
	// follow, when set, makes log files be followed until it is closed.
	follow <-chan struct{}
	// stdin is read for a "-" among paths.
	stdin io.Reader

	plan     *ingest.Plan
	counts   pipeline.Counts
	errs     []error // capped
	warns    []error // capped
	errors   int64   // input errors: results incomplete
	warnings int64   // defects in records that were read
	elapsed  time.Duration
	bytes    int64
	printed  int
	errorOut io.Writer
	notes    io.Writer // where to say a followed path is awaited; nil: nowhere
}

// onError records an input error or warning and prints the first ones.
// Warnings (records read in full despite a defect) do not make the
// results incomplete; errors do.
func (r *inputRun) onError(err error) {
	var w *ingest.Warning
	kind := "mailtrip: "
	if errors.As(err, &w) {
		r.warnings++
		if len(r.warns) < 1000 {
			r.warns = append(r.warns, err)
		}
		kind = "mailtrip: warning: "
	} else {
		r.errors++
		if len(r.errs) < 1000 {
			r.errs = append(r.errs, err)
		}
	}
	if r.errorOut == nil {
		return
	}
	clear := "" // erase the progress bar before printing over it
	if r.progress {
		clear = "\r\033[K"
	}
	if r.printed < maxPrintedErrors {
		fmt.Fprintf(r.errorOut, "%s%s%v\n", clear, kind, err)
	} else if r.printed == maxPrintedErrors {
		fmt.Fprintf(r.errorOut, "%smailtrip: more input errors and warnings follow; only their count is shown\n", clear)
	}
	r.printed++
}

// run plans the inputs in one goroutine and reads them on r.workers cores.
func (r *inputRun) run(ctx context.Context, p *pipeline.Pipeline) error {
	if err := checkStdin(r.paths, r.stdin); err != nil {
		return err
	}
	workers := r.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var progress atomic.Int64
	if r.follow != nil {
		// Each followed file holds its worker until the end.
		workers = max(workers, 256)
	}
	opt := ingest.Options{Format: r.format, Limits: r.limits, Progress: &progress, Follow: r.follow, Stdin: r.stdin}
	if r.notes != nil {
		opt.Awaiting = func(path string) {
			fmt.Fprintf(r.notes, "mailtrip: %s does not exist yet; following it until it appears\n", path)
		}
	}
	planner := ingest.NewPlanner(opt, workers)
	units := make(chan pipeline.Source, workers*2)
	planned := make(chan error, 1)
	go func() {
		defer close(units)
		planned <- planner.Run(ctx, r.paths, func(u *ingest.Unit) {
			select {
			case units <- u:
			case <-ctx.Done():
			}
		})
	}()
	start := time.Now()
	var bar *progressBar
	if r.progress && r.errorOut != nil {
		// The planner lists folders only as fast as the workers read,
		// so the bar gets its total from a quick walk of its own.
		var total atomic.Int64
		var counted atomic.Bool
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			ingest.TotalSize(tctx, r.paths, &total)
			counted.Store(true)
		}()
		bar = startProgress(r.errorOut, &progress, func() (int64, bool) {
			return total.Load(), counted.Load()
		})
	}
	p.Workers = workers
	if p.OnError == nil {
		p.OnError = r.onError
	}
	if bar != nil {
		p.Seen = &bar.messages
	}
	counts, err := p.Run(ctx, units)
	planErr := <-planned
	bar.stop()
	r.elapsed = time.Since(start)
	r.counts = counts
	r.plan = planner.Plan()
	r.bytes = progress.Load()
	for _, e := range r.plan.Errors {
		r.onError(e)
	}
	if err != nil {
		return err
	}
	return planErr
}

// inputErrors is the number of errors that make the results incomplete
// (planning errors are counted by onError too).
func (r *inputRun) inputErrors() int64 { return r.errors }
