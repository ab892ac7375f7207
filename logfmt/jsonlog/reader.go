package jsonlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Kind is the container format of a stream.
type Kind int

// Kinds a Reader reads. KindUnknown in Options means: sniff.
const (
	KindUnknown Kind = iota
	KindJSON         // JSON values one after another, pretty-printed or not
	KindJSONL        // one JSON value per line (read exactly like KindJSON)
	KindArray        // a top-level array whose elements are the records
	KindCSV          // RFC 4180 CSV with a header row
)

var kindNames = [...]string{"unknown", "json", "jsonl", "json-array", "csv"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// DefaultUnwrap names the array members of API envelopes whose elements
// are the records: Microsoft Graph ("value"), Google APIs ("items"),
// Azure Monitor / Event Hubs exports ("records").
var DefaultUnwrap = []string{"value", "items", "records"}

// Options configure a Reader. The zero value sniffs the kind and uses
// logfmt.DefaultLimits.
type Options struct {
	Kind   Kind
	Limits logfmt.Limits
	// Unwrap lists member names of a top-level envelope object whose
	// array holds the records; nil means DefaultUnwrap, an empty non-nil
	// slice turns unwrapping off. An object counts as an envelope only
	// when that member is an array of objects and every other member is
	// a scalar (paging tokens, "@odata.context", "kind", "etag").
	Unwrap []string
	// Comma is the CSV separator; 0 sniffs ',', ';' or tab from the
	// header line.
	Comma byte
	// JSONColumns are CSV columns decoded as JSON (Purview's AuditData).
	// nil decodes any cell whose text starts with '{' or "[{" and parses;
	// cells that do not parse stay strings and add a Defect.
	JSONColumns []string
	// BaseOffset is added to every offset reported.
	BaseOffset int64
}

// Record is one record: a JSON object, or a CSV row keyed by the header.
type Record struct {
	logfmt.Origin
	// Fields holds the record as decoded: JSON numbers are json.Number
	// (their source spelling, no float rounding), objects
	// map[string]any, arrays []any. CSV cells are strings, or the
	// decoded JSON value for JSON columns.
	Fields map[string]any
	// Defects are problems that did not stop the record being read.
	Defects []string
}

// Reader reads records one by one with memory bounded by
// Limits.MaxRecordBytes (plus, for an envelope, its decoded elements).
type Reader struct {
	opt    Options
	lim    logfmt.Limits
	src    io.Reader
	base   int64
	kind   Kind
	init   bool
	err    error
	index  int
	sc     *scanner
	csv    *csvReader
	inArr  bool
	resync bool
	buf    []byte
	queue  []queued
	dec    decoder
	nvals  int     // values decoded so far
	last   *Record // the record dec.top belongs to
}

type queued struct {
	rec *Record
	err error
}

// NewReader returns a Reader of r. A UTF-8 BOM is skipped and UTF-16 with
// a BOM transcoded (see logfmt.NewTextReader).
func NewReader(r io.Reader, opt Options) *Reader {
	if opt.Unwrap == nil {
		opt.Unwrap = DefaultUnwrap
	}
	return &Reader{opt: opt, lim: opt.Limits.WithDefaults(), src: r, kind: opt.Kind}
}

// Kind returns the kind being read: Options.Kind, or what sniffing found
// once Next has been called.
func (r *Reader) Kind() Kind { return r.kind }

// CSVType returns the text of a PowerShell "#TYPE" line that preceded
// the CSV header ("#TYPE Deserialized.Microsoft.Exchange...InboxRule"
// gives "Deserialized.Microsoft.Exchange...InboxRule"), or "".
func (r *Reader) CSVType() string {
	if r.csv == nil {
		return ""
	}
	return r.csv.typeLine
}

// Header returns the CSV header row once Next has been called.
func (r *Reader) Header() []string {
	if r.csv == nil {
		return nil
	}
	return r.csv.header
}

func (r *Reader) start() error {
	r.init = true
	src, bom, u16 := logfmt.NewTextReader(r.src)
	r.base = r.opt.BaseOffset
	if !u16 {
		r.base += int64(bom)
	}
	br := bufio.NewReaderSize(src, scanReadSize)
	if r.kind == KindUnknown {
		head, err := br.Peek(sniffLen)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(head) == 0 {
			return err
		}
		r.kind = SniffKind(head)
		if r.kind == KindUnknown {
			r.kind = KindJSON
		}
	}
	if r.kind == KindCSV {
		r.csv = newCSVReader(br, r.opt.Comma, r.lim)
		return nil
	}
	r.sc = newScanner(br)
	return nil
}

// Next returns the next record. At the end of the stream it returns
// io.EOF. For a record it cannot read it returns a [*logfmt.ParseError]
// (with the record's origin, File empty) and the following call goes on
// with the next record. Other errors come from the underlying reader and
// are returned again by every later call.
func (r *Reader) Next() (*Record, error) {
	r.last = nil
	if r.err != nil {
		return nil, r.err
	}
	if !r.init {
		if err := r.start(); err != nil {
			r.err = err
			return nil, err
		}
	}
	var rec *Record
	var err error
	if r.csv != nil {
		rec, err = r.nextCSV()
	} else {
		rec, err = r.nextJSON()
	}
	if err != nil && !isParseError(err) {
		r.err = err
	}
	return rec, err
}

func isParseError(err error) bool {
	var pe *logfmt.ParseError
	return errors.As(err, &pe)
}

func (r *Reader) origin() logfmt.Origin {
	return logfmt.Origin{Offset: r.base + r.sc.off, Line: r.sc.line, Index: r.index}
}

func (r *Reader) nextJSON() (*Record, error) {
	sc := r.sc
	for {
		if len(r.queue) > 0 {
			q := r.queue[0]
			r.queue = r.queue[1:]
			return q.rec, q.err
		}
		if r.resync {
			r.resync = false
			if !sc.bol {
				sc.skipLine()
			}
		}
		sc.skipSpace(true)
		c, ok := sc.peek()
		if !ok {
			if sc.err != nil {
				return nil, sc.err
			}
			if r.inArr {
				r.inArr = false
				o := r.origin()
				r.index++
				return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: array not closed", logfmt.ErrTruncated)}
			}
			return nil, io.EOF
		}
		o := r.origin()
		switch {
		case c == '[' && !r.inArr:
			sc.advance(1)
			r.inArr = true
			if r.kind == KindJSON || r.kind == KindJSONL {
				r.kind = KindArray
			}
			continue
		case c == ']' && r.inArr:
			sc.advance(1)
			r.inArr = false
			continue
		case c == '{' || c == '[':
			// Fast path: decode straight from the read buffer when the
			// whole value is there and the scanner would take it as it
			// is; anything else goes the long way below, which gives the
			// same records and reports what is wrong.
			for try := 0; try < 2; try++ {
				if v, n, ok := r.decodeBuffered(sc.buf[sc.r:sc.w]); ok && n <= r.lim.MaxRecordBytes {
					b := sc.buf[sc.r : sc.r+n]
					sc.advance(n)
					r.index++
					return r.record(o, v, b, !r.inArr)
				}
				// The value may run past the buffered bytes: read on
				// (once) before taking the long way.
				if !sc.more() {
					break
				}
			}
			var err error
			r.buf, err = sc.scanValue(r.buf, r.lim.MaxRecordBytes, r.lim.MaxDepth)
			r.index++
			if err != nil {
				if sc.err != nil {
					return nil, sc.err
				}
				return nil, r.scanError(o, err)
			}
			return r.decode(o, r.buf, !r.inArr)
		default:
			r.index++
			if r.inArr {
				sc.skipScalar()
				return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: array element is not an object", logfmt.ErrNotRecord)}
			}
			// Not a record: the rest of the line is skipped. It is a
			// scalar (ErrNotRecord) if it decodes as one.
			r.buf = sc.takeLine(r.buf, 4096)
			if v, err := decodeJSON(bytes.TrimSpace(r.buf)); err == nil && v != nil {
				return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: JSON value is not an object", logfmt.ErrNotRecord)}
			}
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: unexpected %q", logfmt.ErrSyntax, c)}
		}
	}
}

func (r *Reader) scanError(o logfmt.Origin, err error) error {
	var base error
	switch err {
	case errTooLong, errTooDeep:
		base = logfmt.ErrLimit
	case errUnterminated, errEOF:
		base = logfmt.ErrTruncated
		if err == errEOF {
			r.inArr = false
		}
	default:
		base = logfmt.ErrSyntax
		r.resync = true
		r.inArr = false
	}
	return &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: %v", base, err)}
}

// decodeValue decodes one JSON value of the stream. From the second
// value on, the decoder interns what repeats (a stream of one value, as
// when sniffing, does not pay for the tables).
func (r *Reader) decodeValue(b []byte) (any, error) {
	r.nvals++
	if r.nvals == 2 {
		r.dec.in = newInterner()
	}
	return r.dec.decode(b)
}

// decodeBuffered is decodePrefix for the value at the start of b, the
// scanner's buffered input.
func (r *Reader) decodeBuffered(b []byte) (any, int, bool) {
	r.nvals++
	if r.nvals == 2 {
		r.dec.in = newInterner()
	}
	return r.dec.decodePrefix(b, r.lim.MaxDepth)
}

func (r *Reader) decode(o logfmt.Origin, b []byte, top bool) (*Record, error) {
	v, err := r.decodeValue(b)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			o2 := o
			o2.Offset += se.Offset
			o2.Line += bytes.Count(b[:min(int(se.Offset), len(b))], newline)
			return nil, &logfmt.ParseError{Origin: o2, Err: fmt.Errorf("%w: %v", logfmt.ErrSyntax, err)}
		}
		return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: %v", logfmt.ErrSyntax, err)}
	}
	return r.record(o, v, b, top)
}

// record makes the record of value v decoded from b, or queues the
// elements of an envelope (top: v is a top-level value).
func (r *Reader) record(o logfmt.Origin, v any, b []byte, top bool) (*Record, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: JSON value is not an object", logfmt.ErrNotRecord)}
	}
	if top {
		if key := r.envelopeKey(m); key != "" {
			r.index--
			r.queueElements(o, b, m[key].([]any), elementOffsets(b, key))
			return r.nextJSON()
		}
	}
	rec := &Record{Origin: o, Fields: m}
	r.last = rec
	return rec, nil
}

// Keys returns the top-level keys of rec in the order the source has
// them, when rec is the record Next returned last and was decoded from a
// JSON object of its own (not an envelope element nor a CSV row); else
// nil. The slice is valid until the next call of Next. Readers that look
// keys up ignoring case (logfmt/m365) use it to index a record without
// walking its map.
func (r *Reader) Keys(rec *Record) []string {
	if rec == nil || rec != r.last || !r.dec.topOK {
		return nil
	}
	return r.dec.top
}

// envelopeKey returns the Unwrap member that makes m an API envelope.
func (r *Reader) envelopeKey(m map[string]any) string {
	for _, key := range r.opt.Unwrap {
		arr, ok := m[key].([]any)
		if !ok {
			continue
		}
		env := true
		for k, v := range m {
			if k == key {
				continue
			}
			switch v.(type) {
			case map[string]any, []any:
				env = false
			}
		}
		for _, e := range arr {
			if _, ok := e.(map[string]any); !ok {
				env = false
				break
			}
		}
		if env {
			return key
		}
	}
	return ""
}

// queueElements queues the elements of an array found at o; offs are the
// elements' offsets in b (when the lexical pass found them all).
func (r *Reader) queueElements(o logfmt.Origin, b []byte, arr []any, offs []int) {
	line, last := o.Line, 0
	for i, e := range arr {
		eo := logfmt.Origin{Offset: o.Offset, Line: o.Line, Index: r.index}
		if len(offs) == len(arr) {
			line += bytes.Count(b[last:offs[i]], newline)
			last = offs[i]
			eo.Offset += int64(offs[i])
			eo.Line = line
		}
		r.index++
		if m, ok := e.(map[string]any); ok {
			r.queue = append(r.queue, queued{rec: &Record{Origin: eo, Fields: m}})
		} else {
			r.queue = append(r.queue, queued{err: &logfmt.ParseError{Origin: eo, Err: fmt.Errorf("%w: array element is not an object", logfmt.ErrNotRecord)}})
		}
	}
}

// elementOffsets returns the offsets in b of the elements of the array
// that is member key of the top-level object b. b is valid JSON.
func elementOffsets(b []byte, key string) []int {
	var offs []int
	depth, want := 0, -1 // want: depth of the elements once key is found
	inStr, esc := false, false
	strStart := 0
	expectElem := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if want == -1 && depth == 1 && string(b[strStart:i]) == key {
					// Is it a member name? Next non-space must be ':'.
					j := i + 1
					for j < len(b) && isSpace(b[j]) {
						j++
					}
					if j < len(b) && b[j] == ':' {
						want = 2
					}
				}
			}
			continue
		}
		if isSpace(c) {
			continue
		}
		if expectElem && depth == want && c != ']' {
			offs = append(offs, i)
			expectElem = false
		}
		switch c {
		case '"':
			inStr = true
			strStart = i + 1
		case '{', '[':
			depth++
			if depth == want && c == '[' {
				expectElem = true
			}
		case '}', ']':
			if depth == want && c == ']' {
				return offs
			}
			depth--
		case ',':
			if depth == want {
				expectElem = true
			}
		}
	}
	return offs
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
