package header

import (
	"fmt"
	"io"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// readChunk is how much ReadMessage asks for at a time while it looks for
// the end of the header.
const readChunk = 32 << 10

// ReadMessage reads one message stored alone in a file (.eml, a Maildir
// message) from r. It holds at most lim.MaxHeaderBytes (plus one read
// chunk) of header and lim.MaxBodyBytes of body in memory; the rest of the
// body is read, counted into BodySize and Size, and discarded.
//
// Besides I/O errors (returned wrapped, with a nil Message), ReadMessage
// reports problems as a [*mailfmt.ParseError] together with the Message
// read so far, and the caller decides what to keep:
//
//   - [mailfmt.ErrMalformed]: the file is empty or its header has no
//     field at all.
//   - [mailfmt.ErrNoSeparator]: no blank line ends the header; Header
//     holds the fields of the whole file and Body is empty.
//   - [mailfmt.ErrLimit]: a header line or the header is too long, or it
//     has too many fields; Header holds the fields before the problem and
//     the rest of the file is not read.
func ReadMessage(r io.Reader, lim mailfmt.Limits) (*mailfmt.Message, error) {
	lim = lim.WithDefaults()
	m := &mailfmt.Message{}

	// Read until the blank line, the header limit (+ room for the blank
	// line itself) or EOF, whichever comes first.
	var (
		buf       = make([]byte, 0, min(readChunk, lim.MaxHeaderBytes+3))
		searched  int // bytes of buf already scanned for LF
		lineStart int // start of the last (maybe incomplete) line
		hdrEnd    int
		bodyStart int
		found     bool
		eof       bool
	)
	for !found && !eof && len(buf) <= lim.MaxHeaderBytes+2 {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(2*cap(buf), lim.MaxHeaderBytes+3+readChunk))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			eof = true
		} else if err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		hdrEnd, bodyStart, lineStart, found = splitFrom(buf, lineStart, searched)
		searched = len(buf)
	}

	if !found {
		h, defects, err := ParseCount(buf, lim)
		m.Header, m.Defects = h, defects
		m.HeaderBytes = len(buf)
		m.Size = int64(len(buf))
		if err != nil {
			return m, err
		}
		if !eof {
			// The header block is longer than the limit but no line
			// was (possible when MaxLineBytes > MaxHeaderBytes).
			return m, &mailfmt.ParseError{Offset: int64(lim.MaxHeaderBytes),
				Err: fmt.Errorf("header longer than %d bytes: %w", lim.MaxHeaderBytes, mailfmt.ErrLimit)}
		}
		if len(h) == 0 {
			return m, &mailfmt.ParseError{Err: fmt.Errorf("no header fields: %w", mailfmt.ErrMalformed)}
		}
		return m, &mailfmt.ParseError{Offset: int64(len(buf)), Err: mailfmt.ErrNoSeparator}
	}

	h, defects, err := ParseBlock(buf[:hdrEnd], lim)
	m.Header, m.Defects = h, defects
	m.HeaderBytes = bodyStart
	if err != nil {
		m.Size = int64(len(buf))
		return m, err
	}

	// Body: what is already buffered, then more up to the prefix limit,
	// then count the rest without keeping it.
	rest := buf[bodyStart:]
	keep := min(len(rest), lim.MaxBodyBytes)
	body := rest[:keep:keep]
	bodySize := int64(len(rest))
	if !eof {
		if want := lim.MaxBodyBytes - keep; want > 0 {
			more, err := io.ReadAll(io.LimitReader(r, int64(want)))
			if err != nil {
				return nil, fmt.Errorf("read body: %w", err)
			}
			body = append(body, more...)
			bodySize += int64(len(more))
		}
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		bodySize += n
	}
	if len(body) > 0 {
		// Do not pin the header buffer's spare capacity.
		m.Body = append([]byte(nil), body...)
	}
	m.BodySize = bodySize
	m.BodyTruncated = bodySize > int64(len(m.Body))
	m.Size = int64(bodyStart) + bodySize
	if len(h) == 0 {
		return m, &mailfmt.ParseError{Err: fmt.Errorf("no header fields: %w", mailfmt.ErrMalformed)}
	}
	return m, nil
}
