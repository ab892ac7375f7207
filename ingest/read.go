package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync/atomic"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/mailfmt/header"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// Events reads the unit. Each item is an event, an error, or both (a
// message whose header was read but which is malformed further on). Errors
// about one message carry its file and offset; reading goes on with the
// next message. The sequence ends early only when ctx is cancelled.
func (u *Unit) Events(ctx context.Context) iter.Seq2[*event.Event, error] {
	return func(yield func(*event.Event, error) bool) {
		switch u.Format {
		case FormatMbox:
			u.readMbox(ctx, yield)
			return
		case FormatLog:
			u.readLog(ctx, yield)
			return
		case FormatEVTX:
			u.readEVTX(ctx, yield)
			return
		}
		for _, f := range u.Files {
			if err := context.Cause(ctx); err != nil {
				yield(nil, err)
				return
			}
			ev, err := u.readFile(f)
			if !yieldDefects(ev, yield) || !yield(ev, err) {
				return
			}
		}
	}
}

func (u *Unit) progress() *atomic.Int64 {
	if u.opt == nil {
		return nil
	}
	return u.opt.Progress
}

func (u *Unit) limits() mailfmt.Limits {
	if u.opt == nil {
		return mailfmt.DefaultLimits
	}
	return u.opt.Limits
}

// countingReader advances a shared progress counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (u *Unit) counted(r io.Reader) io.Reader {
	if n := u.progress(); n != nil {
		return countingReader{r, n}
	}
	return r
}

func (u *Unit) readFile(f File) (*event.Event, error) {
	var src io.Reader
	if u.in != nil {
		src = u.in.r
		defer u.in.s.Close()
	} else {
		fh, err := os.Open(f.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, unwrapPathError(err))
		}
		defer fh.Close()
		src = fh
	}
	msg, err := header.ReadMessage(u.counted(src), u.limits())
	origin := event.Origin{File: f.Path, Offset: 0, Format: string(u.Format)}
	if err != nil {
		err = withFile(err, f.Path)
	}
	if msg == nil {
		return nil, err
	}
	msg.Flags = f.Flags
	folder := f.Folder
	if u.Format == FormatMaildir && folder == "" {
		folder = "INBOX"
	}
	return newEvent(msg, origin, u.Mailbox, folder), err
}

func (u *Unit) readMbox(ctx context.Context, yield func(*event.Event, error) bool) {
	if u.in != nil {
		defer u.in.s.Close()
		format := "mbox"
		if u.Gzip {
			format = "mbox.gz"
		}
		u.eachMessage(ctx, mbox.NewReader(u.counted(u.in.r), mbox.Options{Limits: u.limits()}), format, yield)
		return
	}
	fh, err := os.Open(u.Path)
	if err != nil {
		yield(nil, fmt.Errorf("%s: %w", u.Path, unwrapPathError(err)))
		return
	}
	defer fh.Close()
	format := "mbox"
	if !u.Gzip {
		if mr, done, ok := u.mappedMbox(fh); ok {
			defer done()
			u.eachMessage(ctx, mr, format, yield)
			return
		}
	}
	var r io.Reader
	switch {
	case u.Gzip:
		zr, err := gzip.NewReader(bufio.NewReaderSize(u.counted(fh), 256<<10))
		if err != nil {
			yield(nil, fmt.Errorf("%s: gzip: %w", u.Path, err))
			return
		}
		defer zr.Close()
		r, format = zr, "mbox.gz"
	case u.End >= 0:
		r = u.counted(io.NewSectionReader(fh, u.Start, u.End-u.Start))
	default:
		if _, err := fh.Seek(u.Start, io.SeekStart); err != nil {
			yield(nil, fmt.Errorf("%s: %w", u.Path, err))
			return
		}
		r = u.counted(fh)
	}
	u.eachMessage(ctx, mbox.NewReader(r, mbox.Options{Limits: u.limits(), BaseOffset: u.Start}), format, yield)
}

// mappedMbox maps the unit's section of the file, when the platform can,
// and returns an in-memory reader over it; done unmaps it and accounts
// for the bytes read.
func (u *Unit) mappedMbox(fh *os.File) (mr *mbox.Reader, done func(), ok bool) {
	end := u.End
	if end < 0 {
		fi, err := fh.Stat()
		if err != nil {
			return nil, nil, false
		}
		end = fi.Size()
	}
	data, unmap, err := mapFile(fh, u.Start, end-u.Start)
	if err != nil {
		return nil, nil, false
	}
	done = func() {
		unmap()
		if n := u.progress(); n != nil {
			n.Add(int64(len(data)))
		}
	}
	return mbox.NewBytesReader(data, mbox.Options{Limits: u.limits(), BaseOffset: u.Start}), done, true
}

// eachMessage yields the messages of mr as events. The events are used
// before the next message is read: an in-memory reader's bodies alias the
// mapped file, which is unmapped when the unit ends.
func (u *Unit) eachMessage(ctx context.Context, mr *mbox.Reader, format string, yield func(*event.Event, error) bool) {
	for {
		if err := context.Cause(ctx); err != nil {
			yield(nil, err)
			return
		}
		msg, err := mr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		var pe *mailfmt.ParseError
		if err != nil && !errors.As(err, &pe) {
			// An I/O or decompression error: nothing after it can be read.
			yield(nil, fmt.Errorf("%s: %w", u.Path, err))
			return
		}
		if err != nil {
			err = withFile(err, u.Path)
		}
		var ev *event.Event
		if msg != nil {
			ev = newEvent(msg, event.Origin{File: u.Path, Offset: msg.Offset, Format: format}, u.Mailbox, u.Folder)
		}
		if !yieldDefects(ev, yield) || !yield(ev, err) {
			return
		}
	}
}

// Warning reports a defect in a record that was still read in full (a
// NUL byte, a header line that is not a field, a malformed RFC 2047
// word): it is worth telling, but the results are not incomplete.
type Warning struct {
	File   string
	Offset int64
	What   string
}

func (w *Warning) Error() string { return fmt.Sprintf("%s: offset %d: %s", w.File, w.Offset, w.What) }

// yieldDefects reports the defects of ev's message as warnings.
func yieldDefects(ev *event.Event, yield func(*event.Event, error) bool) bool {
	if ev == nil || ev.Message == nil {
		return true
	}
	for _, d := range ev.Message.Defects {
		if !yield(nil, &Warning{File: ev.Origin.File, Offset: d.Offset, What: d.What}) {
			return false
		}
	}
	return true
}

// withFile sets the file name on a parse error that lacks one.
func withFile(err error, path string) error {
	var pe *mailfmt.ParseError
	if errors.As(err, &pe) && pe.File == "" {
		cp := *pe
		cp.File = path
		return &cp
	}
	return err
}

func newEvent(msg *mailfmt.Message, o event.Origin, mailbox, folder string) *event.Event {
	o.RecordID = strings.TrimSpace(msg.Header.Get("Message-ID"))
	ev := &event.Event{
		Kind:    event.KindMessage,
		Origin:  o,
		Mailbox: mailbox,
		Folder:  folder,
		Message: msg,
	}
	if d := msg.Header.Get("Date"); d != "" {
		if t, ok := header.ParseDate(d); ok {
			ev.Time = t
		}
	}
	return ev
}
