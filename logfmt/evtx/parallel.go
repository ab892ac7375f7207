package evtx

import (
	"context"
	"iter"
	"runtime"
	"sync"
)

// MapChunks parses the chunks of f with workers goroutines (GOMAXPROCS
// when workers <= 0) and calls fn on every parsed chunk in the goroutine
// that parsed it, so that per-record work (rendering XML, Fields) spreads
// across cores too. It yields fn's results in file order, with an error
// (a *ParseError, or the context's cause, which ends the sequence) for
// each chunk that could not be parsed, after the file header's non-fatal
// error if any, like Records. At most a few chunks per worker are parsed
// ahead of the consumer. fn must be safe for concurrent use; breaking out
// of the loop stops the workers before MapChunks' iterator returns.
func MapChunks[T any](ctx context.Context, f *File, workers int, fn func(*Chunk) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if f.headerErr != nil {
			if !yield(zero, f.headerErr) {
				return
			}
		}
		n := f.NumChunks()
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		workers = max(1, min(workers, n))
		window := 4 * workers
		ctx, cancel := context.WithCancel(ctx)
		type result struct {
			v   T
			err error
		}
		// Chunk i's result goes to slots[i%window]; chunk i+window is handed
		// out only after chunk i's result was taken, so a slot never holds
		// two results and workers never block on it.
		slots := make([]chan result, window)
		for i := range slots {
			slots[i] = make(chan result, 1)
		}
		jobs := make(chan int, window)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					c, err := f.ParseChunk(ctx, i)
					var r result
					if err != nil {
						r.err = err
					} else {
						r.v = fn(c)
					}
					slots[i%window] <- r
				}
			}()
		}
		defer func() {
			close(jobs)
			cancel()
			wg.Wait()
		}()
		next := 0
		for ; next < min(window, n); next++ {
			jobs <- next
		}
		for i := 0; i < n; i++ {
			r := <-slots[i%window]
			if next < n {
				jobs <- next
				next++
			}
			if r.err != nil {
				if ctx.Err() != nil {
					yield(zero, context.Cause(ctx))
					return
				}
				if !yield(zero, r.err) {
					return
				}
				continue
			}
			if !yield(r.v, nil) {
				return
			}
		}
	}
}

// RecordsParallel is Records with the chunks parsed by workers goroutines
// (GOMAXPROCS when workers <= 0): the same records and errors in the same
// (file) order. Only parsing runs in parallel; what the loop body does with
// each record runs in the caller's goroutine (use MapChunks to spread that
// too).
func (f *File) RecordsParallel(ctx context.Context, workers int) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for c, err := range MapChunks(ctx, f, workers, func(c *Chunk) *Chunk { return c }) {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !c.each(yield) {
				return
			}
		}
	}
}
