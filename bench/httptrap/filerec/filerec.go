// Package filerec is the benchmarks' stand-in for the store's durable
// recorder: it appends each hit as a JSON line to a file and returns only
// once an fsync covering that line has completed. Concurrent hits share
// one write and one fsync (group commit), as tripwire.Service's
// transactions do, so the benchmark pays for durability the way serve
// will. Passwords are never written.
package filerec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/mailtrip/mailtrip/tripwire"
)

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("filerec: closed")

// Recorder is a group-committing file recorder. Make it with Open.
type Recorder struct {
	f        *os.File
	reqs     chan *request
	maxBatch int
	sync     bool

	closeOnce sync.Once
	stopped   chan struct{}
	id        atomic.Int64
	batches   atomic.Int64
	lines     atomic.Int64
}

type request struct {
	line []byte
	done chan error
}

var _ tripwire.Recorder = (*Recorder)(nil)

// Open appends to path. maxBatch bounds the hits one fsync covers; fsync
// false skips the fsync (page cache only), for comparison.
func Open(path string, maxBatch int, fsync bool) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filerec: %w", err)
	}
	r := &Recorder{f: f, reqs: make(chan *request, 4*max(maxBatch, 1)), maxBatch: max(maxBatch, 1), sync: fsync, stopped: make(chan struct{})}
	go r.loop()
	return r, nil
}

// Record writes h and returns once it is on disk.
func (r *Recorder) Record(ctx context.Context, h tripwire.Hit) (tripwire.Result, error) {
	h.Password = ""
	line, err := json.Marshal(h)
	if err != nil {
		return tripwire.Result{}, fmt.Errorf("filerec: encode: %w", err)
	}
	req := &request{line: append(line, '\n'), done: make(chan error, 1)}
	select {
	case r.reqs <- req:
	case <-r.stopped:
		return tripwire.Result{}, ErrClosed
	case <-ctx.Done():
		return tripwire.Result{}, context.Cause(ctx)
	}
	select {
	case err := <-req.done:
		if err != nil {
			return tripwire.Result{}, err
		}
		return tripwire.Result{HitID: r.id.Add(1)}, nil
	case <-ctx.Done():
		return tripwire.Result{}, context.Cause(ctx)
	}
}

func (r *Recorder) loop() {
	defer close(r.stopped)
	var buf []byte
	batch := make([]*request, 0, r.maxBatch)
	for first := range r.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < r.maxBatch {
			select {
			case q, ok := <-r.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, q)
			default:
				break drain
			}
		}
		buf = buf[:0]
		for _, q := range batch {
			buf = append(buf, q.line...)
		}
		_, err := r.f.Write(buf)
		if err == nil && r.sync {
			err = r.f.Sync()
		}
		r.batches.Add(1)
		r.lines.Add(int64(len(batch)))
		for _, q := range batch {
			q.done <- err
		}
	}
}

// Stats returns the lines written and the write+fsync batches they took.
func (r *Recorder) Stats() (lines, batches int64) { return r.lines.Load(), r.batches.Load() }

// Close stops taking hits, waits for those queued, and closes the file.
// No Record may be running or called after it.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() { close(r.reqs) })
	<-r.stopped
	return r.f.Close()
}
