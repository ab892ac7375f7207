package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/mailfmt/header"
)

// ErrNoFromLine is wrapped by the ParseError for data found before the
// first From_ line, i.e. input that does not start like an mbox.
var ErrNoFromLine = errors.New("data before the first From line")

const (
	// readSize is how much the Reader asks its source for at a time.
	readSize = 256 << 10
	// context is how many bytes before the scan position are kept so
	// the "empty line before" test works across reads.
	context = 3
	// headerStep is the least a header search reads before it looks for
	// the end of the header again.
	headerStep = 64 << 10
)

// Options configure a Reader.
type Options struct {
	// Limits bound one message; zero fields take mailfmt.DefaultLimits.
	Limits mailfmt.Limits
	// BaseOffset is added to every offset the Reader reports: the
	// position of the stream in its file when reading a section.
	BaseOffset int64
}

// Reader reads the messages of an mbox stream one by one. Its memory use
// is bounded by Limits.MaxHeaderBytes plus a fixed read buffer, plus the
// Message values it returns.
type Reader struct {
	src      io.Reader
	lim      mailfmt.Limits
	readSize int

	buf  []byte
	r, w int   // buf[r:w] is unread; buf[:r] is kept context
	base int64 // absolute offset of buf[0]
	eof  bool  // src has no more data after buf[w-1]
	err  error // sticky I/O error

	// startIdx is the index in buf of the stream start, which counts as
	// "preceded by an empty line", or -1 once it has been discarded.
	startIdx int
	started  bool
	// resync: buf[r] is not at a boundary; skip to the next one before
	// reading a message.
	resync bool
	// inMemory: buf is the caller's whole input (NewBytesReader); bodies
	// are sliced from it rather than copied.
	inMemory bool
}

// NewReader returns a Reader of the mbox stream r.
func NewReader(r io.Reader, opt Options) *Reader {
	return newReader(r, opt, readSize)
}

// NewBytesReader returns a Reader of an mbox held in memory, such as a
// memory-mapped file. It reads without copying: a returned Message's Body
// may share memory with data (it is copied only where mbox un-quoting
// must change it), so data must stay valid and unchanged while messages
// are in use. The messages are the same as NewReader's on the same bytes.
func NewBytesReader(data []byte, opt Options) *Reader {
	r := newReader(nil, opt, readSize)
	r.buf, r.w, r.eof, r.inMemory = data, len(data), true, true
	return r
}

func newReader(src io.Reader, opt Options, rs int) *Reader {
	lim := opt.Limits.WithDefaults()
	return &Reader{
		src:      src,
		lim:      lim,
		readSize: rs,
		base:     opt.BaseOffset,
		startIdx: 0,
	}
}

// Next returns the next message. At the end of the stream it returns
// io.EOF. For a message it cannot read it returns a [*mailfmt.ParseError]
// (Offset set, File empty), and the following call continues with the
// next message. A last message cut off inside its header is returned
// together with a ParseError wrapping [mailfmt.ErrTruncated]. Other
// errors come from the underlying reader and are returned again by every
// later call.
func (r *Reader) Next() (*mailfmt.Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		r.started = true
		if r.buf == nil {
			r.buf = make([]byte, r.readSize+2*lookahead)
		}
		if err := r.skipLeadingSpace(); err != nil {
			return nil, err
		}
		if r.r < r.w || !r.eof {
			ok, err := r.boundaryAtStart()
			if err != nil {
				return nil, err
			}
			if !ok {
				junk := r.base + int64(r.r)
				if _, err := r.seekBoundary(r.r); err != nil {
					return nil, err
				}
				return nil, &mailfmt.ParseError{Offset: junk, Err: ErrNoFromLine}
			}
		}
	}
	if r.resync {
		r.resync = false
		if _, err := r.seekBoundary(r.r); err != nil {
			return nil, err
		}
	}
	if r.r >= r.w && r.eof {
		return nil, io.EOF
	}
	return r.message()
}

// skipLeadingSpace drops whitespace at the very start of the stream and
// makes the first other byte the stream start.
func (r *Reader) skipLeadingSpace() error {
	for {
		for r.r < r.w {
			switch r.buf[r.r] {
			case ' ', '\t', '\r', '\n':
				r.r++
				continue
			}
			r.startIdx = r.r
			return nil
		}
		if r.eof {
			r.startIdx = r.r
			return nil
		}
		if err := r.fill(r.r); err != nil {
			return err
		}
	}
}

// boundaryAtStart reports whether the stream start buf[r] is a boundary,
// reading as much as the test needs.
func (r *Reader) boundaryAtStart() (bool, error) {
	for {
		switch boundaryLine(r.buf[:r.w], r.r, r.eof) {
		case yes:
			return true, nil
		case no:
			return false, nil
		}
		if err := r.fill(r.r); err != nil {
			return false, err
		}
	}
}

// fill compacts buf so that buf[keep:] moves to the front when that frees
// useful space, then reads once from src. Indexes into buf held by the
// caller must be adjusted by the returned shift (subtracted).
func (r *Reader) fill(keep int) error {
	_, err := r.fillShift(keep)
	return err
}

func (r *Reader) fillShift(keep int) (shift int, err error) {
	if r.eof {
		return 0, nil
	}
	if keep > 0 && len(r.buf)-r.w < r.readSize {
		copy(r.buf, r.buf[keep:r.w])
		r.w -= keep
		r.r -= keep
		r.base += int64(keep)
		if r.startIdx >= 0 {
			r.startIdx -= keep
			if r.startIdx < 0 {
				r.startIdx = -1
			}
		}
		shift = keep
	}
	if len(r.buf)-r.w < r.readSize/2 {
		// Only a header (up to MaxHeaderBytes) makes the kept data
		// grow; the buffer grows with it, never past this bound.
		maxBuf := r.readSize + r.lim.MaxHeaderBytes + 2*lookahead
		if n := min(2*len(r.buf), maxBuf); n > len(r.buf) {
			nb := make([]byte, n)
			copy(nb, r.buf[:r.w])
			r.buf = nb
		} else if r.w == len(r.buf) {
			// Cannot happen within the limits; fail rather than spin.
			r.err = errors.New("mbox: read buffer full")
			return shift, r.err
		}
	}
	for tries := 0; ; tries++ {
		n, err := r.src.Read(r.buf[r.w:min(len(r.buf), r.w+r.readSize)])
		r.w += n
		if err == io.EOF {
			r.eof = true
			return shift, nil
		}
		if err != nil {
			r.err = fmt.Errorf("read mbox: %w", err)
			return shift, r.err
		}
		if n > 0 || tries > 100 {
			if n == 0 {
				r.err = fmt.Errorf("read mbox: %w", io.ErrNoProgress)
				return shift, r.err
			}
			return shift, nil
		}
	}
}

// seekBoundary moves r.r to the first boundary at or after index from,
// or to the end of the stream when there is none. It reports whether one
// was found. Only context bytes are kept while it skips.
func (r *Reader) seekBoundary(from int) (bool, error) {
	for {
		p, found, safe := r.scan(from)
		if found {
			r.r = p
			return true, nil
		}
		if r.eof {
			r.r = r.w
			return false, nil
		}
		r.r = safe
		keep := max(0, safe-context)
		shift, err := r.fillShift(keep)
		if err != nil {
			return false, err
		}
		from = safe - shift
	}
}

// message reads the message whose From_ line is at buf[r.r].
func (r *Reader) message() (*mailfmt.Message, error) {
	start := r.r
	startAbs := r.base + int64(start)
	m := &mailfmt.Message{Offset: startAbs}

	// from-line: verified present by the boundary test.
	nl := indexNL(r.buf[start:r.w])
	m.Envelope = string(trimCR(r.buf[start+5 : start+nl]))
	hs := start + nl + 1 // header start

	// Find the blank line ending the header, reading more as needed,
	// but never holding more than MaxHeaderBytes of header.
	searched := hs
	var hdrEnd, bodyStart int
	found := false
	for {
		// Resume at the start of the last, possibly incomplete line:
		// SplitHeader must start at a line start.
		from := hs + bytes.LastIndexByte(r.buf[hs:searched], '\n') + 1
		if he, bs, ok := header.SplitHeader(r.buf[from:r.searchEnd(hs)]); ok {
			hdrEnd, bodyStart, found = from+he, from+bs, true
			break
		}
		searched = r.w
		if r.eof || r.w-hs > r.lim.MaxHeaderBytes+2 {
			break
		}
		// Read at least headerStep more before searching again, so a
		// source giving tiny reads does not make the search quadratic.
		for want := r.w - start + headerStep; r.w-start < want && r.w-hs <= r.lim.MaxHeaderBytes+2 && !r.eof; {
			shift, err := r.fillShift(start)
			if err != nil {
				return nil, err
			}
			start, hs, searched = start-shift, hs-shift, searched-shift
		}
	}

	if !found {
		block := r.buf[hs:r.w]
		if len(block) > r.lim.MaxHeaderBytes+1 {
			block = block[:r.lim.MaxHeaderBytes+1]
		}
		h, defects, perr := header.ParseCount(block, r.lim)
		m.Header, m.Defects = h, r.relocateDefects(defects, hs)
		if !r.eof || r.searchEnd(hs) < r.w {
			// Header too long: report, then skip to the next
			// boundary. buf[hs:w] has no empty line, so none can
			// start before w-context.
			if perr == nil {
				perr = &mailfmt.ParseError{Offset: int64(r.lim.MaxHeaderBytes),
					Err: fmt.Errorf("header longer than %d bytes: %w", r.lim.MaxHeaderBytes, mailfmt.ErrLimit)}
			}
			r.r = max(hs, r.searchEnd(hs)-context)
			r.resync = true
			return nil, r.relocate(perr, hs)
		}
		// EOF inside the header: the message is truncated.
		m.HeaderBytes = r.w - hs
		m.Size = int64(r.w - start)
		r.r = r.w
		if perr != nil {
			return m, r.relocate(perr, hs)
		}
		return m, &mailfmt.ParseError{Offset: r.base + int64(r.w),
			Err: fmt.Errorf("eof in header: %w", mailfmt.ErrTruncated)}
	}

	h, defects, perr := header.ParseBlock(r.buf[hs:hdrEnd], r.lim)
	if perr != nil {
		r.r = bodyStart
		r.resync = true
		return nil, r.relocate(perr, hs)
	}
	m.Header, m.Defects = h, r.relocateDefects(defects, hs)
	m.HeaderBytes = bodyStart - hs

	if err := r.body(m, bodyStart); err != nil {
		return nil, err
	}
	m.Size = r.base + int64(r.r) - startAbs
	return m, nil
}

// searchEnd bounds the search for the end of the header that starts at
// buf[hs]. A streaming Reader holds at most MaxHeaderBytes of header; an
// in-memory one looks no further either, so both treat a header without
// an end in reach the same way.
func (r *Reader) searchEnd(hs int) int {
	if r.inMemory {
		return min(r.w, hs+r.lim.MaxHeaderBytes+2)
	}
	return r.w
}

// relocateDefects makes defect offsets relative to buf[at] absolute.
func (r *Reader) relocateDefects(ds []mailfmt.Defect, at int) []mailfmt.Defect {
	for i := range ds {
		ds[i].Offset += r.base + int64(at)
	}
	return ds
}

// relocate turns a ParseError with an offset relative to buf[at] into one
// with an absolute offset.
func (r *Reader) relocate(err error, at int) error {
	var pe *mailfmt.ParseError
	if errors.As(err, &pe) {
		return &mailfmt.ParseError{Offset: r.base + int64(at) + pe.Offset, Err: pe.Err}
	}
	return err
}

// body scans from buf[bs] (the first body byte) to the next boundary or
// EOF, keeping the first MaxBodyBytes in m.Body, and leaves r.r at the
// boundary.
func (r *Reader) body(m *mailfmt.Message, bs int) error {
	var (
		prefix   []byte
		pos      = bs // first byte not yet counted
		counted  int64
		scanFrom = bs
		maxBody  = r.lim.MaxBodyBytes
	)
	take := func(end int, final bool) {
		if r.inMemory && prefix == nil {
			// The whole body is in buf: slice it; unquote copies if it
			// has to change anything.
			n := min(end-pos, maxBody)
			prefix = r.buf[pos : pos+n : pos+n]
			counted += int64(end - pos)
			pos = end
			return
		}
		if n := min(end-pos, maxBody-len(prefix)); n > 0 {
			if prefix == nil && !final {
				// Spans reads: room for the whole prefix at once.
				prefix = make([]byte, 0, maxBody)
			}
			// append to nil allocates without zeroing first.
			prefix = append(prefix, r.buf[pos:pos+n]...)
		}
		counted += int64(end - pos)
		pos = end
	}
	for {
		p, found, safe := r.scan(scanFrom)
		end := safe
		if found {
			end = p
		} else if r.eof {
			end = r.w
		}
		if !found && !r.eof {
			take(end, false)
			shift, err := r.fillShift(max(0, end-context))
			if err != nil {
				return err
			}
			pos, scanFrom = pos-shift, end-shift
			continue
		}
		// The last line of the region is the empty line that
		// separates messages (if the region is not empty): it is part
		// of Size but not of the body.
		sep := 0
		if total := counted + int64(end-pos); total > 0 {
			k := int(min(int64(context), total))
			tail := r.buf[end-k : end]
			switch {
			case len(tail) >= 2 && tail[len(tail)-2] == '\r' && tail[len(tail)-1] == '\n' &&
				(total == 2 || (len(tail) >= 3 && tail[len(tail)-3] == '\n')):
				sep = 2
			case len(tail) >= 1 && tail[len(tail)-1] == '\n' &&
				(total == 1 || (len(tail) >= 2 && tail[len(tail)-2] == '\n')):
				sep = 1
			}
		}
		take(end, true)
		r.r = end
		m.BodySize = counted - int64(sep)
		if int64(len(prefix)) > m.BodySize {
			prefix = prefix[:m.BodySize]
		}
		m.BodyTruncated = m.BodySize > int64(len(prefix))
		if len(prefix) > 0 {
			if r.inMemory && bytes.Contains(prefix, []byte(">From ")) {
				prefix = append([]byte(nil), prefix...) // never write to the caller's data
			}
			m.Body = unquote(prefix)
		}
		return nil
	}
}

func indexNL(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i
	}
	return len(b)
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
