package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
)

// Standard input, "-" among the paths, is read as it arrives, not copied
// to a file first, so `tail -F mail.log | mailtrip scan -` reports as the
// lines come. Its format is recognised from its first bytes as a file's
// is: the first sniffLen bytes, or fewer when the input ends or the
// writer pauses (streamPause) after a complete line. Then:
//
//   - logs (JSON Lines, JSON values, a JSON array, CSV, syslog, W3C) and
//     mbox are read record by record as they arrive (an mbox message
//     when the next one starts); a single message (eml) when it ends;
//   - gzip is decompressed on the fly; its content is recognised from
//     its first sniffLen decompressed bytes, waited for;
//   - EVTX needs random access: it is copied to a temporary file (removed
//     at once, kept open) and read from there once the input ends.
//
// Origins and errors name the input StdinName, with byte offsets from the
// start of the input (of the decompressed content for gzip).

// StdinName names standard input in origins, errors and the plan.
const StdinName = "<stdin>"

// streamPause is how long the writer of a stream must pause, after a
// complete line, for what arrived to be taken as the stream's head.
const streamPause = 250 * time.Millisecond

// streamChunk is the size of one read from a stream.
const streamChunk = 64 << 10

var gzipMagic = []byte{0x1f, 0x8b}

// stream reads an input ahead in a goroutine (the pump), so that its head
// can be taken when the writer pauses, and hands the data to whoever
// reads it next. Reading stops at the end of the input, when stop (the
// end of --follow) is closed, or when ctx is done; a pump then blocked in
// a read of an input that does not end (a pipe from tail -F) stays so
// until the process exits.
type stream struct {
	ctx  context.Context
	stop <-chan struct{}

	chunks chan []byte   // from the pump; closed at the end of the input
	free   chan []byte   // read buffers back to the pump
	done   chan struct{} // closed by Close: the pump stops
	err    error         // why the pump stopped, nil at the end; set before chunks is closed

	pending []byte // arrived, not yet returned by Read
	held    []byte // the chunk pending is in, for the pump to reuse
	closed  bool
}

func newStream(ctx context.Context, r io.Reader, stop <-chan struct{}) *stream {
	s := &stream{ctx: ctx, stop: stop, chunks: make(chan []byte, 4), free: make(chan []byte, 6), done: make(chan struct{})}
	go s.pump(r)
	return s
}

func (s *stream) pump(r io.Reader) {
	defer close(s.chunks)
	for {
		var buf []byte
		select {
		case buf = <-s.free:
		default:
			buf = make([]byte, streamChunk)
		}
		n, err := r.Read(buf[:cap(buf)])
		if n > 0 {
			select {
			case s.chunks <- buf[:n]:
			case <-s.done:
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			return
		}
	}
}

// recycle hands a consumed chunk back to the pump.
func (s *stream) recycle(c []byte) {
	if c != nil {
		select {
		case s.free <- c[:0]:
		default:
		}
	}
}

// errPaused: the writer paused before the head was complete.
var errPaused = errors.New("writer paused")

// next waits for the next chunk. It returns io.EOF at the end of the input
// or when following stops, errPaused when wait fires first, and the
// pump's or the context's error when reading must stop.
func (s *stream) next(wait <-chan time.Time) ([]byte, error) {
	select {
	case c, ok := <-s.chunks:
		return s.got(c, ok)
	default:
	}
	select {
	case c, ok := <-s.chunks:
		return s.got(c, ok)
	case <-wait:
		return nil, errPaused
	case <-s.stop:
		select { // one last look for what already arrived
		case c, ok := <-s.chunks:
			return s.got(c, ok)
		default:
			return nil, io.EOF
		}
	case <-s.ctx.Done():
		return nil, context.Cause(s.ctx)
	}
}

func (s *stream) got(c []byte, ok bool) ([]byte, error) {
	switch {
	case ok:
		return c, nil
	case s.err != nil:
		return nil, s.err
	}
	return nil, io.EOF
}

// head waits for the stream's first bytes: sniffLen of them, fewer when
// the input ends or the writer pauses after a complete line. Read
// returns them again.
func (s *stream) head() ([]byte, error) {
	var timer *time.Timer
	var wait <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(s.pending) < sniffLen {
		if bytes.IndexByte(s.pending, '\n') >= 0 {
			if timer == nil {
				timer = time.NewTimer(streamPause)
				wait = timer.C
			} else {
				timer.Reset(streamPause)
			}
		}
		c, err := s.next(wait)
		if err == io.EOF || err == errPaused {
			break
		}
		if err != nil {
			return nil, err
		}
		s.pending = append(s.pending, c...)
		s.recycle(c)
	}
	return s.pending, nil
}

// Read returns what has arrived, waiting for more when nothing has.
func (s *stream) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		s.recycle(s.held)
		s.held = nil
		c, err := s.next(nil)
		if err != nil {
			return 0, err
		}
		s.pending, s.held = c, c
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// Close stops the pump once its current read returns.
func (s *stream) Close() error {
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	return nil
}

// streamInput is what a unit reads when it reads standard input.
type streamInput struct {
	s    *stream
	r    io.Reader    // s, or its content decompressed
	kind jsonlog.Kind // a log's container, from the head: the readers must not wait to sniff it
}

// stdin plans standard input: it recognises the format from the head of
// the stream and emits one unit that reads the rest as it comes.
func (p *Planner) stdin(ctx context.Context, emit func(*Unit)) {
	if p.opt.Stdin == nil {
		p.fail(fmt.Errorf("%s: standard input is not available here", StdinName))
		return
	}
	if p.stdinRead {
		p.fail(fmt.Errorf("%s: standard input can be named once", StdinName))
		return
	}
	p.stdinRead = true
	s := newStream(ctx, p.opt.Stdin, p.opt.Follow)
	in := &streamInput{s: s, r: s}
	u, err := p.stdinUnit(in)
	if err != nil || u == nil {
		s.Close()
		if err != nil {
			p.fail(fmt.Errorf("%s: %w", StdinName, err))
		}
		return
	}
	p.emitUnit(u, emit)
}

func (p *Planner) stdinUnit(in *streamInput) (*Unit, error) {
	head, err := in.s.head()
	if err != nil {
		return nil, err
	}
	gz := bytes.HasPrefix(head, gzipMagic)
	if gz {
		zr, err := gzip.NewReader(in.s)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br := bufio.NewReaderSize(zr, 2*sniffLen)
		head, err = br.Peek(sniffLen)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) && len(head) == 0 {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		in.r = br
	}
	format := p.opt.Format
	var logFormat string
	if format == FormatAuto || format == FormatMbox || format == FormatLog || format == FormatEVTX {
		k := sniffBytes(head)
		if k == kindUnknown {
			if logFormat = sniffLog(head, StdinName, true); logFormat != "" {
				k = kindLog
			}
		}
		if format == FormatLog && logFormat == "" {
			logFormat = "jsonlog.auto"
		}
		if format == FormatAuto {
			f, ok := k.format()
			switch {
			case ok:
				format = f
			case k == kindPST:
				return nil, errors.New("an Outlook data file is not read directly; convert with readpst -M (Debian package pst-utils) and scan the output")
			default:
				return nil, errors.New("not a recognised mail store (eml, mbox, gzip mbox) or log (JSON, JSON Lines, CSV, syslog, W3C); use --input-format to force one")
			}
		}
	}
	u := &Unit{Format: format, Mailbox: StdinName, Path: StdinName, Gzip: gz, End: -1, LogFormat: logFormat, in: in}
	switch format {
	case FormatMaildir:
		return nil, errors.New("--input-format maildir needs a Maildir directory")
	case FormatEML:
		u.Files = []File{{Path: StdinName}}
	case FormatLog:
		if in.kind = jsonlog.SniffKind(head); in.kind == jsonlog.KindUnknown {
			in.kind = jsonlog.KindJSONL
		}
	case FormatEVTX:
		f, err := spool(in.r)
		in.s.Close()
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		u.in, u.spooled, u.Bytes = nil, f, fi.Size()
	}
	return u, nil
}

// spool copies r to a temporary file, removed at once and returned open
// at its start: a reader that needs random access (EVTX) reads it there.
func spool(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "mailtrip-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	return f, nil
}
