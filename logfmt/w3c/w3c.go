// Package w3c reads W3C Extended Log File Format logs
// (https://www.w3.org/TR/WD-logfile.html) as IIS writes them, which is
// where OWA (/owa/), EWS (/EWS/Exchange.asmx), ActiveSync
// (/Microsoft-Server-ActiveSync) and MAPI/HTTP requests of Exchange are
// logged. The "#Fields:" directive names the columns; it may change in
// the middle of a file (IIS rewrites it after a restart) and the reader
// follows. Fields are space-separated, "-" means empty, and IIS encodes
// spaces in values as '+'. Time is date+time in UTC, as IIS logs.
//
// Divergence: quoted fields ("...") of the draft are not produced by IIS
// and are not unquoted.
package w3c

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Record is one request line.
type Record struct {
	logfmt.Origin
	Time   time.Time
	Fields map[string]any // column name (e.g. "cs-uri-stem") → value; "-" is kept
	// Software is the "#Software:" directive in force ("" if none).
	Software string
}

// Str returns a column as a string.
func (r *Record) Str(name string) string { return logfmt.String(r.Fields[name]) }

// ClientIP is c-ip (or X-Forwarded-For's first address when IIS logs it
// as a custom field), canonical.
func (r *Record) ClientIP() string {
	for _, k := range []string{"c-ip", "X-Forwarded-For", "cs(X-Forwarded-For)"} {
		v := r.Str(k)
		v, _, _ = strings.Cut(v, ",")
		if a, _, ok := logfmt.SplitIP(v); ok {
			return a
		}
	}
	return ""
}

// UserID is cs-username ("" for "-").
func (r *Record) UserID() string { return dash(r.Str("cs-username")) }

// Operation is method and URI stem ("POST /EWS/Exchange.asmx").
func (r *Record) Operation() string {
	return strings.TrimSpace(r.Str("cs-method") + " " + r.Str("cs-uri-stem"))
}

// ResultStatus is sc-status ("200").
func (r *Record) ResultStatus() string { return r.Str("sc-status") }

// Service names the Exchange protocol a request went to: "owa", "ews",
// "activesync", "mapi", "rpc", "autodiscover", "ecp", "oab", or "".
func (r *Record) Service() string {
	p := strings.ToLower(r.Str("cs-uri-stem"))
	for _, s := range []struct{ prefix, name string }{
		{"/owa", "owa"}, {"/ews", "ews"}, {"/microsoft-server-activesync", "activesync"},
		{"/mapi", "mapi"}, {"/rpc", "rpc"}, {"/autodiscover", "autodiscover"}, {"/ecp", "ecp"}, {"/oab", "oab"},
	} {
		if strings.HasPrefix(p, s.prefix) {
			return s.name
		}
	}
	return ""
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// ErrNoFields: a data line came before any #Fields directive.
var ErrNoFields = errors.New("data line before #Fields")

// Options configure a Reader.
type Options struct {
	Limits     logfmt.Limits
	BaseOffset int64
}

// Reader reads W3C log lines.
type Reader struct {
	br       *bufio.Reader
	lim      logfmt.Limits
	fields   []string
	software string
	off      int64
	line     int
	index    int
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt Options) *Reader {
	src, bom, u16 := logfmt.NewTextReader(r)
	off := opt.BaseOffset
	if !u16 {
		off += int64(bom)
	}
	return &Reader{br: bufio.NewReaderSize(src, 64<<10), lim: opt.Limits.WithDefaults(), off: off}
}

// Next returns the next request, io.EOF at the end, or a
// [*logfmt.ParseError] for a line it cannot read (the next call goes on).
func (r *Reader) Next() (*Record, error) {
	for {
		o := logfmt.Origin{Offset: r.off, Line: r.line + 1, Index: r.index}
		line, err := r.br.ReadString('\n')
		r.off += int64(len(line))
		if err != nil && err != io.EOF {
			return nil, err
		}
		if line == "" && err == io.EOF {
			return nil, io.EOF
		}
		r.line++
		if len(line) > r.lim.MaxRecordBytes {
			r.index++
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: line longer than %d bytes", logfmt.ErrLimit, r.lim.MaxRecordBytes)}
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			switch {
			case strings.HasPrefix(line, "#Fields:"):
				r.fields = strings.Fields(strings.TrimPrefix(line, "#Fields:"))
			case strings.HasPrefix(line, "#Software:"):
				r.software = strings.TrimSpace(strings.TrimPrefix(line, "#Software:"))
			}
			continue
		}
		r.index++
		if r.fields == nil {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: %v", logfmt.ErrSyntax, ErrNoFields)}
		}
		vals := strings.Fields(line)
		if len(vals) != len(r.fields) {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: %d values for %d fields", logfmt.ErrSyntax, len(vals), len(r.fields))}
		}
		rec := &Record{Origin: o, Fields: make(map[string]any, len(vals)), Software: r.software}
		for i, v := range vals {
			rec.Fields[r.fields[i]] = v
		}
		if d, t := rec.Str("date"), rec.Str("time"); d != "" && t != "" {
			if tm, err := time.Parse("2006-01-02 15:04:05", d+" "+t); err == nil {
				rec.Time = tm
			}
		}
		return rec, nil
	}
}

// Sniff recognises a W3C log from its directives ("w3c.iis").
func Sniff(head []byte, name string) logfmt.Guess {
	t := string(logfmt.HeadText(head))
	switch {
	case strings.Contains(t, "#Fields:") && strings.Contains(t, "#Software: Microsoft Internet Information Services"):
		return logfmt.Guess{Format: "w3c.iis", Confidence: 98, Why: "IIS #Software and #Fields directives"}
	case strings.HasPrefix(t, "#") && strings.Contains(t, "\n#Fields:") || strings.HasPrefix(t, "#Fields:"):
		return logfmt.Guess{Format: "w3c.iis", Confidence: 85, Why: "#Fields directive"}
	}
	return logfmt.Guess{}
}
