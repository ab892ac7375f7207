package mailfmt

import (
	"errors"
	"fmt"
)

// Field is one header field as it appeared on the wire: the name with its
// original spelling and the value unfolded (CRLF/LF before continuation
// lines removed) but otherwise undecoded.
type Field struct {
	Name  string
	Value string
}

// Header is a message header in wire order. Lookups are case-insensitive
// in ASCII, which is all a field name may hold (RFC 5322 ftext).
type Header []Field

// NameIs reports whether the field name a equals name b, ignoring ASCII
// case. Field names are printable ASCII, so names of different lengths
// never match; that check comes first and keeps lookups cheap.
func NameIs(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Get returns the value of the first field named name, or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if NameIs(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if NameIs(f.Name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of every field named name, in wire order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if NameIs(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Message is one message read from a mail store. Body holds at most
// Limits.MaxBodyBytes of the body (after mbox un-quoting); BodySize is the
// size of the whole body as stored.
type Message struct {
	// Offset is the byte offset of the message in its file: the mbox
	// "From " line, or 0 for a file holding one message.
	Offset int64
	// Size is the number of bytes the message occupies in its file,
	// including an mbox "From " line.
	Size int64
	// Envelope is the mbox "From " line without "From " and line end.
	Envelope string
	// Header holds the header fields in wire order.
	Header Header
	// HeaderBytes is the size of the raw header block including the
	// blank line that ends it.
	HeaderBytes int
	// Body is the body prefix, at most Limits.MaxBodyBytes long.
	Body []byte
	// BodySize is the size of the whole body in bytes.
	BodySize int64
	// BodyTruncated is set when Body holds less than the whole body.
	BodyTruncated bool
	// Defects are problems that did not stop the message being read:
	// header lines that are not fields, NUL bytes, malformed RFC 2047
	// encoded words. Offsets are absolute in the file.
	Defects []Defect
	// Flags are the Maildir flags of the file name ("FRS"), if any.
	Flags string
}

// Limits bound what a reader holds in memory for one message. A message
// that exceeds MaxLineBytes, MaxHeaderBytes or MaxFields is reported as a
// [ParseError] wrapping [ErrLimit]; MaxBodyBytes only truncates Body.
type Limits struct {
	MaxLineBytes   int // longest header line (after which the message is rejected)
	MaxHeaderBytes int // whole header block
	MaxFields      int // number of header fields
	MaxBodyBytes   int // body prefix kept for detectors
}

// DefaultLimits are generous for real mail and small enough that a hostile
// file cannot exhaust memory: no legitimate header block approaches 1 MiB.
// 32 KiB of body holds the first text parts of nearly every message, which
// is where a forwarded message's separator and an attached message's part
// header are; detectors that walk MIME parts do work in proportion to it.
var DefaultLimits = Limits{
	MaxLineBytes:   256 << 10,
	MaxHeaderBytes: 1 << 20,
	MaxFields:      2000,
	MaxBodyBytes:   32 << 10,
}

// WithDefaults returns l with every zero field set from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultLimits.MaxLineBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultLimits.MaxHeaderBytes
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultLimits.MaxFields
	}
	if l.MaxBodyBytes < 0 {
		l.MaxBodyBytes = 0
	} else if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	return l
}

// Sentinel errors wrapped by ParseError.
var (
	ErrLimit       = errors.New("limit exceeded")
	ErrNoSeparator = errors.New("no blank line between header and body")
	ErrMalformed   = errors.New("malformed header")
	ErrTruncated   = errors.New("truncated message")
)

// Defect is a problem in a message that did not stop it being read; the
// message is scanned as it is and the defect reported with its position.
type Defect struct {
	Offset int64  // byte offset of the problem (relative to the block for header.Parse*)
	What   string // what is wrong, for people
}

// ParseError reports a problem with one message at a byte offset of its
// file. Readers return it for that message and continue with the next.
type ParseError struct {
	File   string // set by the caller that knows the file name
	Offset int64  // byte offset of the problem (or of the message)
	Err    error
}

func (e *ParseError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: offset %d: %v", e.File, e.Offset, e.Err)
	}
	return fmt.Sprintf("offset %d: %v", e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
