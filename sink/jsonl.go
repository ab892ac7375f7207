package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mailtrip/mailtrip/alert"
)

// JSONLConfig configures a JSONL sink.
type JSONLConfig struct {
	Name string
	// Path is the file alerts are appended to; "" or "-" is stdout.
	Path string
	// Fsync makes every batch durable on disk before it counts as
	// delivered (slower; without it a power loss can lose the last lines
	// the outbox already marked sent).
	Fsync bool
	// Mode of a file the sink creates (default 0600: alerts name people).
	Mode os.FileMode
}

// JSONL writes one alert per line, the JSON of docs/alerts.md, to a file
// (appending, created when absent) or to a writer. Reopen closes and
// reopens the file, for log rotation: rename the file, then signal
// mailtrip (SIGHUP) to Reopen.
type JSONL struct {
	cfg JSONLConfig

	mu  sync.Mutex
	w   io.Writer
	f   *os.File // nil when writing to stdout or a caller's writer
	buf bytes.Buffer
}

var (
	_ Sink     = (*JSONL)(nil)
	_ Reopener = (*JSONL)(nil)
	_ Batcher  = (*JSONL)(nil)
)

// NewJSONL opens the sink's file (or stdout).
func NewJSONL(cfg JSONLConfig) (*JSONL, error) {
	if cfg.Name == "" {
		cfg.Name = "jsonl"
	}
	if cfg.Mode == 0 {
		cfg.Mode = 0o600
	}
	j := &JSONL{cfg: cfg}
	if cfg.Path == "" || cfg.Path == "-" {
		j.w = os.Stdout
		return j, nil
	}
	if err := j.open(); err != nil {
		return nil, err
	}
	return j, nil
}

// NewJSONLWriter returns a JSONL sink writing to w (stdout, a test
// buffer). Reopen does nothing on it; Close does not close w.
func NewJSONLWriter(name string, w io.Writer) *JSONL {
	return &JSONL{cfg: JSONLConfig{Name: name}, w: w}
}

func (j *JSONL) open() error {
	f, err := os.OpenFile(j.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, j.cfg.Mode)
	if err != nil {
		return fmt.Errorf("jsonl sink %s: %w", j.cfg.Name, err)
	}
	j.f, j.w = f, f
	return nil
}

// Name implements Sink.
func (j *JSONL) Name() string { return j.cfg.Name }

// MaxBatch implements Batcher.
func (j *JSONL) MaxBatch() int { return 256 }

// Deliver implements Sink: the batch is written with one write call (lines
// of one batch are never interleaved with another writer's appends to the
// same file), then synced when Fsync is set.
func (j *JSONL) Deliver(ctx context.Context, alerts []alert.Alert) error {
	if err := ctx.Err(); err != nil {
		return Temporary(context.Cause(ctx), 0)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.w == nil {
		return Temporary(fmt.Errorf("jsonl sink %s is closed", j.cfg.Name), 0)
	}
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	for i := range alerts {
		if err := enc.Encode(&alerts[i]); err != nil {
			return Permanent(fmt.Errorf("encode alert %s: %w", alerts[i].ID, err))
		}
	}
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		return Temporary(fmt.Errorf("write %s: %w", j.cfg.Path, err), 0)
	}
	if j.cfg.Fsync && j.f != nil {
		if err := j.f.Sync(); err != nil {
			return Temporary(fmt.Errorf("sync %s: %w", j.cfg.Path, err), 0)
		}
	}
	return nil
}

// Reopen implements Reopener: the file is closed and opened again by its
// path, so writes go to a new file after rotation renamed the old one.
func (j *JSONL) Reopen() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f, j.w = nil, nil
	if oerr := j.open(); oerr != nil {
		return errors.Join(err, oerr)
	}
	return err
}

// Close closes the file; later Deliver calls fail.
func (j *JSONL) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.w = nil
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
