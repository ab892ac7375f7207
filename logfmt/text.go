package logfmt

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// NewTextReader returns a reader of r's text as UTF-8 without a byte-order
// mark, and how many bytes of BOM it dropped (add them to offsets to get
// positions in the file) and whether it transcodes UTF-16 (then offsets
// are positions in the UTF-8 text, not in the file). Windows tools write exports as UTF-8 with a BOM (Purview CSV,
// PowerShell 7 Export-Csv) or as UTF-16 LE with a BOM (Windows PowerShell
// Out-File and ">" redirection); both are common in incident data. UTF-16
// (either byte order, told by its BOM) is transcoded as it streams;
// unpaired surrogates become U+FFFD. Any other input is passed through
// unchanged.
func NewTextReader(r io.Reader) (rd io.Reader, bom int, utf16 bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		_, _ = br.Discard(3)
		return br, 3, false
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		_, _ = br.Discard(2)
		return &utf16Reader{src: br, le: true}, 2, true
	case len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF:
		_, _ = br.Discard(2)
		return &utf16Reader{src: br}, 2, true
	}
	return br, 0, false
}

// utf16Reader transcodes UTF-16 code units from src to UTF-8.
type utf16Reader struct {
	src  *bufio.Reader
	le   bool
	out  []byte // transcoded, not yet returned
	hi   rune   // pending high surrogate, or 0
	err  error
	unit [2]byte
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 && u.err == nil {
		u.fill()
	}
	if len(u.out) == 0 {
		return 0, u.err
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// fill transcodes up to 4096 code units into u.out.
func (u *utf16Reader) fill() {
	u.out = u.out[:0]
	for i := 0; i < 4096; i++ {
		if _, err := io.ReadFull(u.src, u.unit[:]); err != nil {
			if u.hi != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.hi = 0
			}
			if err == io.ErrUnexpectedEOF {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				err = io.EOF
			}
			u.err = err
			return
		}
		var c rune
		if u.le {
			c = rune(u.unit[0]) | rune(u.unit[1])<<8
		} else {
			c = rune(u.unit[1]) | rune(u.unit[0])<<8
		}
		switch {
		case u.hi != 0:
			r := utf16.DecodeRune(u.hi, c)
			u.hi = 0
			if r == utf8.RuneError {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				if utf16.IsSurrogate(c) && c < 0xDC00 {
					u.hi = c
					continue
				}
				if !utf16.IsSurrogate(c) {
					u.out = utf8.AppendRune(u.out, c)
				} else {
					u.out = utf8.AppendRune(u.out, utf8.RuneError)
				}
				continue
			}
			u.out = utf8.AppendRune(u.out, r)
		case c >= 0xD800 && c < 0xDC00:
			u.hi = c
		case c >= 0xDC00 && c < 0xE000:
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
		default:
			u.out = utf8.AppendRune(u.out, c)
		}
		if u.src.Buffered() == 0 && len(u.out) > 0 {
			return
		}
	}
}

// HeadText returns the first bytes of a stream (as read for sniffing) as
// UTF-8 without BOM, transcoding UTF-16; a last partial character may be
// lost. It is meant for sniffing functions, which all call it.
func HeadText(head []byte) []byte {
	rd, _, _ := NewTextReader(&bytesReaderState{b: head})
	out, _ := io.ReadAll(rd)
	return out
}

type bytesReaderState struct{ b []byte }

func (b *bytesReaderState) Read(p []byte) (int, error) {
	if len(b.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.b)
	b.b = b.b[n:]
	return n, nil
}
