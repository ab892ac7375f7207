package logfmt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Origin is where a record came from in its stream. Offset is the byte
// offset of the record's first byte (after any BOM or UTF-16 transcoding
// done by [NewTextReader], i.e. in the UTF-8 text the reader saw), Line
// the 1-based line it starts on (0 when the format has no lines), Index
// the 0-based number of the record among those the reader returned or
// rejected, so that a record can be found again by counting.
type Origin struct {
	Offset int64
	Line   int
	Index  int
}

// String formats the origin as "line L (offset O)" or "offset O".
func (o Origin) String() string {
	if o.Line > 0 {
		return fmt.Sprintf("line %d (offset %d, record %d)", o.Line, o.Offset, o.Index)
	}
	return fmt.Sprintf("offset %d (record %d)", o.Offset, o.Index)
}

// Sentinel errors wrapped by ParseError.
var (
	// ErrLimit: a record exceeded one of the Limits.
	ErrLimit = errors.New("limit exceeded")
	// ErrSyntax: a record is not well-formed in its format.
	ErrSyntax = errors.New("syntax error")
	// ErrTruncated: the stream ended inside a record.
	ErrTruncated = errors.New("truncated record")
	// ErrNotRecord: a well-formed value that is not a record of the
	// expected kind (a JSON number where an object was expected).
	ErrNotRecord = errors.New("not a record")
)

// ParseError reports one record that could not be read. Readers return
// it for that record and continue with the next one.
type ParseError struct {
	File   string // set by the caller that knows the file name
	Origin        // where the bad record starts
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "offset %d: %v", e.Offset, e.Err)
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Limits bound what a reader holds for one record. Exceeding one is a
// [ParseError] wrapping [ErrLimit] for that record; the reader then skips
// to the next record.
type Limits struct {
	MaxRecordBytes int // one JSON value, CSV record or log line
	MaxDepth       int // JSON nesting depth of one record
	MaxFields      int // CSV columns; list elements flattened into a view
}

// DefaultLimits: the largest real audit records (Purview exports of
// MailItemsAccessed with thousands of message ids, Google API pages of
// 1000 activities) stay well below 16 MiB; no real record nests 64 deep.
var DefaultLimits = Limits{
	MaxRecordBytes: 16 << 20,
	MaxDepth:       64,
	MaxFields:      10000,
}

// WithDefaults returns l with every zero or negative field set from
// DefaultLimits.
func (l Limits) WithDefaults() Limits {
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultLimits.MaxRecordBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultLimits.MaxFields
	}
	return l
}

// Guess is what a sniffing function thinks a stream is. Confidence runs
// from 0 (no idea) to 100 (certain: a magic string only this format has).
type Guess struct {
	Format     string // e.g. "m365.ual", "jsonlog.jsonl", "syslog.dovecot"
	Confidence int
	Why        string // for people: what gave it away
}

// Time layouts seen in audit records, tried in order by ParseTime.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // UAL CreationTime: UTC without zone
	"2006-01-02 15:04:05.999999999", // Panther, Splunk
	"2006-01-02 15:04:05.999999999Z07:00",
	"1/2/2006 3:04:05 PM", // Purview CSV CreationDate (en-US)
	"1/2/2006 15:04",      // Excel re-saved CSV
	"2006-01-02T15:04:05.999999999Z0700",
}

// ParseTime parses the timestamp forms audit records use and returns it in
// UTC; a time without zone is taken as UTC, which is what the Microsoft
// and Google APIs mean. The empty string gives the zero time and no error.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, ok, shaped := parseISOTime(s)
	if ok {
		return t, nil
	}
	if shaped {
		// Right shape, a field out of range: no layout takes it.
		return time.Time{}, errors.New("unrecognised time " + strconv.Quote(s))
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	// Epoch seconds or milliseconds.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

// parseISOTime reads the form nearly every audit timestamp has, the
// first two layouts of timeLayouts without a numeric zone:
//
//	time = 4DIGIT "-" 2DIGIT "-" 2DIGIT "T" 2DIGIT ":" 2DIGIT ":" 2DIGIT
//	       [ "." 1*9DIGIT ] [ "Z" ]
//
// giving what time.Parse gives for it, without its layout machinery and
// the error the zone-less form costs in the RFC 3339 layout. ok is false
// for anything else; shaped then says s has this form but a field is out
// of range (month 13, second 65), which every layout rejects too.
func parseISOTime(s string) (t time.Time, ok, shaped bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return t, false, false
	}
	year, ok1 := atoiFixed(s[0:4])
	month, ok2 := atoiFixed(s[5:7])
	day, ok3 := atoiFixed(s[8:10])
	hour, ok4 := atoiFixed(s[11:13])
	minute, ok5 := atoiFixed(s[14:16])
	sec, ok6 := atoiFixed(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return t, false, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		j := 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		if j == 1 || j > 10 {
			return t, false, false
		}
		n, _ := atoiFixed(rest[1:j])
		for k := j - 1; k < 9; k++ {
			n *= 10
		}
		nsec = n
		rest = rest[j:]
	}
	if rest != "" && rest != "Z" {
		return t, false, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return t, false, true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true, false
}

// atoiFixed parses s, all ASCII digits.
func atoiFixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + int((0x15AA>>m)&1) // 31 in January, March, May, July, August, October, December
}
