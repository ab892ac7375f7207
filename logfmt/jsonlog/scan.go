package jsonlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// scanner splits a byte stream into top-level JSON values without decoding
// them. It knows only the lexical structure: strings with their escapes,
// and the brackets outside strings. That is enough to find where a value
// ends, and to notice most damage (a closer of the wrong kind, a raw line
// feed inside a string, a value cut off before the next line that starts
// with '{') so the reader can report it and resynchronise.
type scanner struct {
	src  io.Reader
	buf  []byte
	r, w int
	eof  bool
	err  error // sticky read error other than io.EOF

	off  int64 // absolute offset of buf[r]
	line int   // 1-based line of buf[r]
	bol  bool  // buf[r] is at the beginning of a line
}

const scanReadSize = 64 << 10

var newline = []byte{'\n'}

func newScanner(src io.Reader) *scanner {
	return &scanner{src: src, buf: make([]byte, scanReadSize), line: 1, bol: true}
}

// fill reads more input. It reports whether buf[r:w] is non-empty.
func (s *scanner) fill() bool {
	if s.r < s.w {
		return true
	}
	if s.eof || s.err != nil {
		return false
	}
	s.r, s.w = 0, 0
	for s.w == 0 {
		n, err := s.src.Read(s.buf)
		s.w = n
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			s.err = err
			break
		}
		if n == 0 {
			// A reader that returns 0, nil repeatedly: io.Reader allows
			// it; retry, bounded by the caller's progress.
			continue
		}
	}
	return s.r < s.w
}

// more moves the unread bytes to the front of buf and reads more input
// after them, so that a value cut by the end of the buffer can be taken
// whole. It reports whether it read anything.
func (s *scanner) more() bool {
	if s.eof || s.err != nil || s.w-s.r == len(s.buf) {
		return false
	}
	if s.r > 0 {
		n := copy(s.buf, s.buf[s.r:s.w])
		s.r, s.w = 0, n
	}
	for try := 0; try < 100; try++ {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// peek returns the next byte without consuming it.
func (s *scanner) peek() (byte, bool) {
	if !s.fill() {
		return 0, false
	}
	return s.buf[s.r], true
}

// advance consumes n bytes of buf[r:w], keeping line and offset.
func (s *scanner) advance(n int) {
	if n == 0 {
		return
	}
	seg := s.buf[s.r : s.r+n]
	s.line += bytes.Count(seg, newline)
	s.bol = seg[n-1] == '\n'
	s.r += n
	s.off += int64(n)
}

// skipSpace consumes JSON white space, and also commas when commas is
// set (between array elements, and stray ones between JSON Lines).
func (s *scanner) skipSpace(commas bool) {
	for s.fill() {
		i := s.r
		for i < s.w {
			c := s.buf[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || (commas && c == ',') {
				i++
				continue
			}
			break
		}
		s.advance(i - s.r)
		if i < s.w {
			return
		}
	}
}

// skipLine consumes through the next line feed (or to EOF).
func (s *scanner) skipLine() {
	for s.fill() {
		for i := s.r; i < s.w; i++ {
			if s.buf[i] == '\n' {
				s.advance(i + 1 - s.r)
				return
			}
		}
		s.advance(s.w - s.r)
	}
}

// takeLine consumes through the next line feed (or to EOF) and returns
// at most max bytes of it, appended to dst[:0].
func (s *scanner) takeLine(dst []byte, max int) []byte {
	dst = dst[:0]
	for s.fill() {
		end, done := s.w, false
		if i := bytes.IndexByte(s.buf[s.r:s.w], '\n'); i >= 0 {
			end, done = s.r+i+1, true
		}
		if room := max - len(dst); room > 0 {
			dst = append(dst, s.buf[s.r:min(end, s.r+room)]...)
		}
		s.advance(end - s.r)
		if done {
			break
		}
	}
	return dst
}

// Errors of one value, mapped to logfmt sentinels by the reader.
var (
	errUnterminated = errors.New("value cut off: a new record starts on the next line")
	errNewlineInStr = errors.New("line feed inside a string")
	errCloser       = errors.New("closing bracket does not match")
	errTooDeep      = errors.New("nesting too deep")
	errTooLong      = errors.New("record too long")
	errEOF          = errors.New("end of input inside a value")
)

// scanValue consumes one value starting at '{' or '[' (the caller has
// checked) and returns its bytes, appended to dst[:0]. On errTooLong and
// errTooDeep the value has still been consumed to its end. On
// errUnterminated and errNewlineInStr it stops at a line feed, so the
// next value starts on the following line; on errCloser it stops after
// the bad closer.
func (s *scanner) scanValue(dst []byte, maxBytes, maxDepth int) ([]byte, error) {
	dst = dst[:0]
	var (
		stack   [64]byte // closers up to depth 64; deeper levels are counted only
		depth   int
		inStr   bool
		esc     bool
		nl      bool // previous byte was a line feed outside a string
		failure error
	)
	for {
		if !s.fill() {
			if s.err != nil {
				return dst, s.err
			}
			return dst, errEOF
		}
		start := s.r
		for i := s.r; i < s.w; i++ {
			if inStr && !esc {
				// Skip the bytes that do not end or escape the string,
				// or break the line, eight at a time.
				i = skipStringBytes(s.buf[:s.w], i)
				if i == s.w {
					break
				}
			}
			c := s.buf[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				case c == '\n':
					dst = s.take(dst, start, i, maxBytes, &failure)
					return dst, errNewlineInStr
				}
				continue
			}
			if nl && c == '{' && depth >= 1 {
				dst = s.take(dst, start, i, maxBytes, &failure)
				return dst, errUnterminated
			}
			nl = false
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				if depth < len(stack) {
					stack[depth] = c + 2 // '{'+2 == '}', '['+2 == ']'
				}
				depth++
				if depth > maxDepth && failure == nil {
					failure = errTooDeep
				}
			case '}', ']':
				if depth == 0 {
					dst = s.take(dst, start, i+1, maxBytes, &failure)
					return dst, errCloser
				}
				depth--
				if depth < len(stack) && stack[depth] != c {
					dst = s.take(dst, start, i+1, maxBytes, &failure)
					return dst, errCloser
				}
				if depth == 0 {
					dst = s.take(dst, start, i+1, maxBytes, &failure)
					return dst, failure
				}
			case '\n':
				nl = true
			}
		}
		dst = s.take(dst, start, s.w, maxBytes, &failure)
	}
}

// take appends buf[start:end] to dst unless that makes it longer than
// max (then it records errTooLong and stops keeping bytes), and consumes
// through end.
func (s *scanner) take(dst []byte, start, end, max int, failure *error) []byte {
	if *failure != errTooLong {
		if len(dst)+end-start > max {
			*failure = errTooLong
			dst = dst[:0]
		} else {
			dst = append(dst, s.buf[start:end]...)
		}
	}
	s.advance(end - s.r)
	return dst
}

// skipScalar consumes a top-level or array-level scalar (number, string,
// literal) up to the next ',', ']', white space at top level, or line feed.
func (s *scanner) skipScalar() {
	inStr, esc := false, false
	c, ok := s.peek()
	if !ok {
		return
	}
	// Always consume the first byte, so that a stray closer is skipped.
	inStr = c == '"'
	s.advance(1)
	for s.fill() {
		for i := s.r; i < s.w; i++ {
			c := s.buf[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					s.advance(i + 1 - s.r)
					return
				case c == '\n':
					s.advance(i - s.r)
					return
				}
				continue
			}
			if c == ',' || c == ']' || c == '}' || c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == '{' || c == '[' {
				s.advance(i - s.r)
				return
			}
		}
		s.advance(s.w - s.r)
	}
}

// skipStringBytes returns the index of the first '"', '\\' or line feed
// in b at or after i, or len(b).
func skipStringBytes(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs, lf := x^(ones*'"'), x^(ones*'\\'), x^(ones*'\n')
		// A byte of q, bs or lf is zero where x has that byte: the
		// classic "has a zero byte" test on each.
		z := ((q - ones) &^ q) | ((bs - ones) &^ bs) | ((lf - ones) &^ lf)
		if z&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c == '\n' {
			return i
		}
	}
	return i
}
