package evtx

import (
	"errors"
	"fmt"
)

// Sentinel errors. A *ParseError wraps one of them; branch with errors.Is.
var (
	// ErrBadHeader: the file header is not an EVTX header (magic, sizes).
	ErrBadHeader = errors.New("bad file header")
	// ErrBadChunk: a chunk is not a chunk (magic, offsets out of range).
	ErrBadChunk = errors.New("bad chunk")
	// ErrChecksum: a stored CRC32 does not match the data.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrBadRecord: an event record's framing (magic, size, size copy) is wrong.
	ErrBadRecord = errors.New("bad record")
	// ErrBadXML: the binary XML of a record or template cannot be parsed.
	ErrBadXML = errors.New("bad binary xml")
	// ErrLimit: a limit of Options was exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrTruncated: the data ends before a structure does.
	ErrTruncated = errors.New("truncated")
)

// ParseError reports where a problem was found. Offset is the absolute byte
// offset in the file of the structure (or token) at fault; Chunk is the chunk
// index (-1 for the file header) and Record the record's offset inside its
// chunk (-1 when the error concerns the whole chunk).
type ParseError struct {
	Offset int64
	Chunk  int
	Record int
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Chunk < 0:
		return fmt.Sprintf("evtx: file header at offset %#x: %v", e.Offset, e.Err)
	case e.Record < 0:
		return fmt.Sprintf("evtx: chunk %d at offset %#x: %v", e.Chunk, e.Offset, e.Err)
	default:
		return fmt.Sprintf("evtx: chunk %d record at offset %#x: %v", e.Chunk, e.Offset, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

// xmlError is an error inside binary XML, carrying the chunk-relative offset of
// the token at fault. It is converted into a *ParseError by the record parser.
type xmlError struct {
	off int // chunk-relative
	err error
	msg string
}

func (e *xmlError) Error() string {
	return fmt.Sprintf("%s at chunk offset %#x: %v", e.msg, e.off, e.err)
}
func (e *xmlError) Unwrap() error { return e.err }

func errAt(off int, sentinel error, msg string) error {
	return &xmlError{off: off, err: sentinel, msg: msg}
}
