package jsonlog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// csvReader reads RFC 4180 records:
//
//	file   = [type-line] header *(CRLF record) [CRLF]
//	type-line = "#TYPE " *TEXTDATA CRLF          ; PowerShell Export-Csv
//	record = field *(COMMA field)
//	field  = escaped / non-escaped
//	escaped = DQUOTE *(TEXTDATA / COMMA / CR / LF / 2DQUOTE) DQUOTE
//
// It is lenient where real exports are sloppy: LF or CRLF line ends, a
// quote inside an unquoted field is kept literally, and so is a lone
// quote inside a quoted field when no separator or line end follows it
// (encoding/csv's LazyQuotes), and blank lines are skipped. A quoted field open at EOF is ErrTruncated; a record longer
// than MaxRecordBytes is ErrLimit and reading resumes at the next line.
type csvReader struct {
	br       *bufio.Reader
	comma    byte
	lim      logfmt.Limits
	off      int64 // offset of the next unread byte
	line     int   // line of the next unread byte
	header   []string
	typeLine string
	started  bool
	eof      bool
	field    []byte
	fields   []string
}

func newCSVReader(br *bufio.Reader, comma byte, lim logfmt.Limits) *csvReader {
	return &csvReader{br: br, comma: comma, lim: lim, line: 1}
}

// readLine returns the next physical line including its LF (nil at EOF),
// or io.ErrShortBuffer-like truncation reported through tooLong when it
// exceeds max; the rest of such a line is consumed.
func (c *csvReader) readLine(max int) (line []byte, tooLong bool, err error) {
	var acc []byte
	for {
		frag, e := c.br.ReadSlice('\n')
		c.off += int64(len(frag))
		if !tooLong {
			if len(acc)+len(frag) > max {
				tooLong = true
				acc = nil
			} else if e == bufio.ErrBufferFull || acc != nil {
				acc = append(acc, frag...)
			} else {
				acc = frag
			}
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if len(frag) > 0 && frag[len(frag)-1] == '\n' {
			c.line++
		}
		if e == io.EOF {
			c.eof = true
			if len(frag) == 0 && acc == nil && !tooLong {
				return nil, false, io.EOF
			}
			return acc, tooLong, nil
		}
		return acc, tooLong, e
	}
}

// record reads one record. It returns the cells, the record's origin
// (Index left for the caller) and a ParseError for a bad record.
func (c *csvReader) record() ([]string, logfmt.Origin, error) {
	for {
		o := logfmt.Origin{Offset: c.off, Line: c.line}
		line, tooLong, err := c.readLine(c.lim.MaxRecordBytes)
		if err != nil {
			return nil, o, err
		}
		if tooLong {
			return nil, o, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: line longer than %d bytes", logfmt.ErrLimit, c.lim.MaxRecordBytes)}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if c.eof {
				return nil, o, io.EOF
			}
			continue
		}
		if !c.started {
			c.started = true
			if c.comma == 0 {
				c.comma = sniffComma(line)
			}
		}
		fields, perr := c.split(line, o)
		return fields, o, perr
	}
}

// split parses the record starting with line, reading more lines while a
// quoted field is open.
func (c *csvReader) split(line []byte, o logfmt.Origin) ([]string, error) {
	c.fields = c.fields[:0]
	c.field = c.field[:0]
	total := len(line)
	inQuote, quoted := false, false
	for {
		for i := 0; i < len(line); i++ {
			b := line[i]
			if inQuote {
				if b == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						c.field = append(c.field, '"')
						i++
						continue
					}
					if i+1 == len(line) || line[i+1] == c.comma || line[i+1] == '\n' || line[i+1] == '\r' {
						inQuote = false
						continue
					}
					// A lone quote inside a quoted field: kept.
				}
				c.field = append(c.field, b)
				continue
			}
			switch {
			case b == c.comma:
				c.fields = append(c.fields, string(c.field))
				c.field = c.field[:0]
				quoted = false
				if len(c.fields) > c.lim.MaxFields {
					return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: more than %d fields", logfmt.ErrLimit, c.lim.MaxFields)}
				}
			case b == '"' && len(c.field) == 0 && !quoted:
				inQuote, quoted = true, true
			case b == '\n':
			case b == '\r' && i+1 == len(line)-1 && line[i+1] == '\n':
			case b == '\r' && i+1 == len(line):
			default:
				c.field = append(c.field, b)
			}
		}
		if !inQuote {
			c.fields = append(c.fields, string(c.field))
			return c.fields, nil
		}
		if c.eof {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: quoted field not closed at end of input", logfmt.ErrTruncated)}
		}
		next, tooLong, err := c.readLine(c.lim.MaxRecordBytes - total)
		if err == io.EOF {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: quoted field not closed at end of input", logfmt.ErrTruncated)}
		}
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: record longer than %d bytes (unclosed quote?)", logfmt.ErrLimit, c.lim.MaxRecordBytes)}
		}
		total += len(next)
		line = next
	}
}

// sniffComma picks the separator that occurs most outside quotes in the
// header line: ',' unless ';' (European Excel) or tab is more frequent.
func sniffComma(line []byte) byte {
	best, n := byte(','), 0
	for _, sep := range []byte{',', ';', '\t'} {
		k, in := 0, false
		for _, b := range line {
			if b == '"' {
				in = !in
			} else if b == sep && !in {
				k++
			}
		}
		if k > n {
			best, n = sep, k
		}
	}
	return best
}

func (r *Reader) nextCSV() (*Record, error) {
	c := r.csv
	for c.header == nil {
		cells, o, err := c.record()
		if err != nil {
			if pe, ok := err.(*logfmt.ParseError); ok {
				pe.Offset += r.base
				pe.Index = r.index
				r.index++
			}
			return nil, err
		}
		if len(cells) == 1 && strings.HasPrefix(cells[0], "#TYPE") && c.typeLine == "" {
			c.typeLine = strings.TrimSpace(strings.TrimPrefix(cells[0], "#TYPE"))
			continue
		}
		_ = o
		c.header = make([]string, len(cells))
		seen := map[string]int{}
		for i, h := range cells {
			h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
			if h == "" {
				h = "column" + strconv.Itoa(i+1)
			}
			if n := seen[h]; n > 0 {
				seen[h] = n + 1
				h += "_" + strconv.Itoa(n+1)
			} else {
				seen[h] = 1
			}
			c.header[i] = h
		}
	}
	cells, o, err := c.record()
	o.Offset += r.base
	o.Index = r.index
	if err != nil {
		if pe, ok := err.(*logfmt.ParseError); ok {
			pe.Offset += r.base
			pe.Index = r.index
			r.index++
		}
		return nil, err
	}
	r.index++
	rec := &Record{Origin: o, Fields: make(map[string]any, len(c.header))}
	for i, v := range cells {
		if i >= len(c.header) {
			extra, _ := rec.Fields["_extra"].([]any)
			rec.Fields["_extra"] = append(extra, v)
			continue
		}
		name := c.header[i]
		rec.Fields[name] = v
		if r.isJSONColumn(name, v) {
			if jv, err := r.decodeValue([]byte(v)); err == nil {
				rec.Fields[name] = jv
			} else {
				rec.Defects = append(rec.Defects, fmt.Sprintf("column %s: not valid JSON: %v", name, err))
			}
		}
	}
	if len(cells) > len(c.header) {
		rec.Defects = append(rec.Defects, fmt.Sprintf("%d cells more than the header's %d (kept in _extra)", len(cells)-len(c.header), len(c.header)))
	} else if len(cells) < len(c.header) {
		rec.Defects = append(rec.Defects, fmt.Sprintf("%d cells, header has %d", len(cells), len(c.header)))
	}
	return rec, nil
}

func (r *Reader) isJSONColumn(name, v string) bool {
	if r.opt.JSONColumns != nil {
		for _, c := range r.opt.JSONColumns {
			if strings.EqualFold(c, name) {
				return strings.TrimSpace(v) != ""
			}
		}
		return false
	}
	v = strings.TrimSpace(v)
	return strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[{")
}
