package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/gws"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
	"github.com/mailtrip/mailtrip/logfmt/m365"
	"github.com/mailtrip/mailtrip/logfmt/sieve"
	logsniff "github.com/mailtrip/mailtrip/logfmt/sniff"
	"github.com/mailtrip/mailtrip/logfmt/syslog"
	"github.com/mailtrip/mailtrip/logfmt/w3c"
)

// Log records become events of Kind event.KindLog:
//
//	Time     the record's time (UTC), zero when it has none
//	Origin   File; Offset (byte offset of the record) and Line (1-based,
//	         for line formats and JSON Lines); RecordID the source's own id
//	         (UAL Id, Workspace id.uniqueQualifier); Format the reader's
//	         format name (m365.ual, m365.signin, m365.inboxrule,
//	         m365.mailbox, m365.cmdletlog, gws.activity, syslog, w3c.iis,
//	         jsonlog.jsonl, jsonlog.array, jsonlog.json, jsonlog.csv)
//	Mailbox  the user the record is about, as the record names it
//	Fields   the record's own fields as decoded, nested as in the source,
//	         plus the keys the reader derives beside them (m365:
//	         Parameters_flat, ClientIP_addr, ...; see docs/logformats.md).
//	         Syslog lines: the message's key=value pairs plus Program,
//	         Service, Event, Host, PID and Message.

// minLogConfidence is how sure a log sniffer must be for a file found in a
// folder to be read as a log; a file named explicitly needs less.
const (
	minLogConfidence      = 50
	minLogConfidenceNamed = 30
)

// sniffLog returns the log format of a file's first bytes, or "".
func sniffLog(head []byte, name string, explicit bool) string {
	g := logsniff.Best(head, name)
	if sg := sieve.Sniff(head, name); sg.Confidence > g.Confidence {
		g = sg
	}
	min := minLogConfidence
	if explicit {
		min = minLogConfidenceNamed
	}
	if g.Confidence < min {
		return ""
	}
	return g.Format
}

// readLog reads a log unit's file, or standard input, record by record.
func (u *Unit) readLog(ctx context.Context, yield func(*event.Event, error) bool) {
	if u.in != nil {
		// Standard input: the readers must not wait to sniff the
		// container, which the planner told from the head.
		defer u.in.s.Close()
		u.readLogFrom(ctx, bufio.NewReaderSize(u.counted(u.in.r), 256<<10), u.in.kind, yield)
		return
	}
	fh, err := os.Open(u.Path)
	following := u.opt != nil && u.opt.Follow != nil && !u.Gzip
	if err != nil && !(following && u.LogFormat == "" && errors.Is(err, fs.ErrNotExist)) {
		yield(nil, fmt.Errorf("%s: %w", u.Path, unwrapPathError(err)))
		return
	}
	if fh != nil {
		defer fh.Close()
	}
	var src io.Reader = fh
	var kind jsonlog.Kind // the container, when it must not be sniffed from the stream
	if following {
		// A followed file never ends, so the readers cannot look ahead
		// for their container: tell them what its first bytes say.
		if fh != nil {
			head := make([]byte, 8<<10)
			n, _ := fh.ReadAt(head, 0)
			kind = followedKind(head[:n])
		}
		fr := newFollowReader(fh, u.Path, u.opt.Follow)
		defer fr.Close() // the file it reads may have replaced fh after rotation
		src = fr
		if u.LogFormat == "" {
			// Empty or absent when planned: wait for the first line and
			// tell the format from it.
			head, err := readHead(fr, 8<<10)
			if len(head) == 0 {
				if err != nil && err != io.EOF {
					yield(nil, fmt.Errorf("%s: %w", u.Path, err))
				}
				return // followed until stopped, and nothing came
			}
			if u.LogFormat = sniffLog(head, u.Path, true); u.LogFormat == "" {
				yield(nil, fmt.Errorf("%s: its first line is not a log format mailtrip reads (JSON, JSON Lines, CSV, syslog, W3C)", u.Path))
				return
			}
			kind = followedKind(head)
			src = io.MultiReader(bytes.NewReader(head), fr)
		}
	}
	var r io.Reader = bufio.NewReaderSize(u.counted(src), 256<<10)
	if u.Gzip {
		zr, err := gzip.NewReader(r)
		if err != nil {
			yield(nil, fmt.Errorf("%s: gzip: %w", u.Path, err))
			return
		}
		defer zr.Close()
		r = zr
	}
	u.readLogFrom(ctx, r, kind, yield)
}

// readLogFrom reads the records of r with the unit's log reader.
func (u *Unit) readLogFrom(ctx context.Context, r io.Reader, kind jsonlog.Kind, yield func(*event.Event, error) bool) {
	next := logReader(u.LogFormat, u.Path, kind, r)
	for {
		if err := context.Cause(ctx); err != nil {
			yield(nil, err)
			return
		}
		ev, err := next()
		if err == io.EOF {
			return
		}
		if ev != nil {
			ev.Origin.File = u.Path
			ev.Origin.Format = u.LogFormat
		}
		if err != nil {
			err = logError(u.Path, err)
			var pe *logfmt.ParseError
			if !errors.As(err, &pe) && ev == nil {
				// Not about one record: the stream itself failed.
				yield(nil, err)
				return
			}
		}
		if !yield(ev, err) {
			return
		}
	}
}

// logError names the file in a reader's error.
func logError(path string, err error) error {
	var pe *logfmt.ParseError
	if errors.As(err, &pe) {
		if pe.File == "" {
			pe.File = path
		}
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

func logEvent(o logfmt.Origin, f map[string]any) *event.Event {
	return &event.Event{Kind: event.KindLog, Origin: event.Origin{Offset: o.Offset, Line: int64(o.Line)}, Fields: f}
}

// logReader returns a function yielding the next event of format from r,
// io.EOF at the end.
func logReader(format, name string, kind jsonlog.Kind, r io.Reader) func() (*event.Event, error) {
	switch {
	case strings.HasPrefix(format, "m365."):
		mr := m365.NewReader(r, m365.Options{Kind: kind})
		return func() (*event.Event, error) {
			rec, err := mr.Next()
			if rec == nil {
				return nil, err
			}
			ev := logEvent(rec.Origin, rec.Fields)
			ev.Time, ev.Mailbox, ev.Origin.RecordID = rec.Time, rec.UserID(), rec.ID()
			return ev, err
		}
	case strings.HasPrefix(format, "gws."):
		gr := gws.NewReader(r, gws.Options{Kind: kind})
		return func() (*event.Event, error) {
			rec, err := gr.Next()
			if rec == nil {
				return nil, err
			}
			ev := logEvent(rec.Origin, rec.Fields)
			ev.Time, ev.Mailbox, ev.Origin.RecordID = rec.Time, rec.UserID(), rec.ID()
			return ev, err
		}
	case strings.HasPrefix(format, "w3c."):
		wr := w3c.NewReader(r, w3c.Options{})
		return func() (*event.Event, error) {
			rec, err := wr.Next()
			if rec == nil {
				return nil, err
			}
			ev := logEvent(rec.Origin, rec.Fields)
			ev.Time, ev.Mailbox = rec.Time, rec.UserID()
			return ev, err
		}
	case strings.HasPrefix(format, "sieve."):
		// A filter script is small (the reader caps it) and read whole:
		// one record per action.
		recs, err := sieve.ReadRecords(r, name, sieve.Options{})
		i := 0
		return func() (*event.Event, error) {
			if i < len(recs) {
				rec := recs[i]
				i++
				ev := logEvent(rec.Origin, rec.Fields)
				ev.Mailbox, _ = rec.Fields["Owner"].(string)
				return ev, nil
			}
			if err != nil {
				e := err
				err = nil
				return nil, e
			}
			return nil, io.EOF
		}
	case strings.HasPrefix(format, "syslog"):
		sr := syslog.NewReader(r, syslog.Options{})
		return func() (*event.Event, error) {
			rec, err := sr.Next()
			if rec == nil {
				return nil, err
			}
			f := make(map[string]any, len(rec.Fields)+6)
			for k, v := range rec.Fields {
				f[k] = v
			}
			f["Program"], f["Service"], f["Event"], f["Host"], f["PID"], f["Message"] =
				rec.Program, rec.Service, rec.Event, rec.Host, rec.PID, rec.Message
			ev := logEvent(rec.Origin, f)
			ev.Time, ev.Mailbox = rec.Time, rec.UserID()
			return ev, err
		}
	}
	jr := jsonlog.NewReader(r, jsonlog.Options{Kind: kind})
	return func() (*event.Event, error) {
		rec, err := jr.Next()
		if rec == nil {
			return nil, err
		}
		return logEvent(rec.Origin, rec.Fields), err
	}
}

// followedKind is the container of a followed log from its first bytes:
// one that is never complete is read record by record, as JSON Lines,
// when they do not say otherwise.
func followedKind(head []byte) jsonlog.Kind {
	if k := jsonlog.SniffKind(head); k != jsonlog.KindUnknown && k != jsonlog.KindJSON {
		return k
	}
	return jsonlog.KindJSONL
}

// readHead reads r until what it read holds a line feed, or max bytes,
// or r ends, and returns all it read (the first line, and whatever came
// with it).
func readHead(r io.Reader, max int) ([]byte, error) {
	b := make([]byte, 0, max)
	for len(b) < max {
		n, err := r.Read(b[len(b):max])
		b = b[:len(b)+n]
		if bytes.IndexByte(b[len(b)-n:], '\n') >= 0 {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}
