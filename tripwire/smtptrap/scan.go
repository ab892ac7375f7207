package smtptrap

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/token"
)

// Limits of what a message scan keeps.
const (
	// MaxSubs is the most candidate sub-ids one hit carries (envelope
	// first, then headers, then body); a message with more has
	// Detail["subs_truncated"].
	MaxSubs = 1000
	// MaxHeaderBytes is how much of the header section is kept for
	// parsing; the body is scanned for candidates but not kept.
	MaxHeaderBytes = 64 << 10
	// MaxHeaderValue is the longest header value kept in Detail, in bytes.
	MaxHeaderValue = 1000
	// MaxReceived is the most Received fields kept, top (newest) first.
	MaxReceived = 50

	lineBufSize = 8 << 10  // longest line handled whole; longer ones in pieces
	runFlush    = 32 << 10 // bytes gathered before token.Find runs over them
	b64MinRaw   = 40       // base64-looking lines this long are not scanned as text
)

// keptHeaders are the header fields Detail keeps, in canonical spelling.
var keptHeaders = []string{"From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"}

// subSet collects candidate sub-ids in order, each once, at most MaxSubs.
type subSet struct {
	list      []token.SubID
	seen      map[token.SubID]struct{}
	truncated bool
}

func (s *subSet) add(subs []token.SubID) {
	for _, c := range subs {
		if _, ok := s.seen[c]; ok {
			continue
		}
		if len(s.list) >= MaxSubs {
			s.truncated = true
			return
		}
		if s.seen == nil {
			s.seen = make(map[token.SubID]struct{})
		}
		s.seen[c] = struct{}{}
		s.list = append(s.list, c)
	}
}

// runScanner runs [token.Find] over a byte stream that arrives in pieces.
// It hands Find only text that ends at a delimiter (a byte that is not an
// ASCII letter or digit) and carries the rest over, starting the next piece
// at that delimiter, so a candidate is found whole whatever the pieces
// (and Find's "%3D"/"=3D" rule still sees the byte before a run). A run of
// letters and digits too long to be a candidate is skipped to its end
// instead of being carried.
type runScanner struct {
	buf      []byte
	skipping bool // inside an over-long run: drop bytes up to the next delimiter
	out      *subSet
	flushAt  int // 0: runFlush (tests set it low)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// maxCarry is longer than any run scanRuns can take: a delimiter and an
// escaped byte (2) before a candidate.
const maxCarry = 1 + 2 + token.SubIDLen + 1

func (r *runScanner) write(p []byte) {
	if r.skipping {
		i := 0
		for i < len(p) && isAlnum(p[i]) {
			i++
		}
		if i == len(p) {
			return
		}
		r.skipping = false
		p = p[i:]
	}
	r.buf = append(r.buf, p...)
	if len(r.buf) >= runFlush || r.flushAt > 0 && len(r.buf) >= r.flushAt {
		r.process()
	}
}

// process scans buf up to its last delimiter and keeps the tail from that
// delimiter on.
func (r *runScanner) process() {
	j := len(r.buf) - 1
	for j >= 0 && isAlnum(r.buf[j]) {
		j--
	}
	if j < 0 { // one run so far
		if len(r.buf) > maxCarry { // too long to be a candidate
			r.buf = r.buf[:0]
			r.skipping = true
		}
		return
	}
	r.out.add(token.Find(string(r.buf[:j+1])))
	tail := len(r.buf) - j
	if tail > maxCarry {
		r.buf = r.buf[:0]
		r.skipping = true
		return
	}
	n := copy(r.buf, r.buf[j:])
	r.buf = r.buf[:n]
}

// flush scans what is left; the stream's end delimits the last run.
func (r *runScanner) flush() {
	if len(r.buf) > 0 && !r.skipping {
		r.out.add(token.Find(string(r.buf)))
	}
	r.buf = r.buf[:0]
	r.skipping = false
}

// message is what a scan of one message found.
type message struct {
	size     int64
	subs     subSet
	header   []byte // the raw header section, at most MaxHeaderBytes
	hdrCut   bool   // the header section was longer than MaxHeaderBytes
	b64lines int64  // lines decoded as base64
}

// scanMessage reads a message (RFC 5322, as DATA delivers it: CRLF or LF
// line ends, dot-stuffing already undone) and collects into m the token
// candidates it carries and its header section. It never keeps the body.
//
// Candidates are looked for in three views of the text, so a forwarded
// decoy is recognised however the forwarding client encoded it:
//
//   - the raw lines, headers included (addresses, Message-ID, References,
//     links; percent-encoded and "=3D" forms are Find's business);
//   - the body with quoted-printable soft line breaks ("=" at a line's
//     end, RFC 2045 §6.7 rule 5) removed, so a link cut by the encoder is
//     whole again — this is the raw view: a line ending in "=" is joined
//     to the next;
//   - lines that look like base64 (RFC 2045 §6.8: only the base64
//     alphabet, a multiple of 4 long, padding only at the end), decoded,
//     the decoded lines joined into one stream. Long base64-looking lines
//     are not also scanned as text: an attachment's base64 would give a
//     stream of false candidates.
//
// Divergences: MIME structure is not parsed (no boundaries, no
// Content-Transfer-Encoding): the views above are heuristics that need no
// parser and cost one pass. A base64 body whose lines are not a multiple
// of 4 characters is not decoded. A line longer than 8 KiB is scanned in
// pieces (go-smtp refuses lines over 2000 bytes before they get here).
func scanMessage(r io.Reader, m *message) error {
	br := bufio.NewReaderSize(r, lineBufSize)
	raw := runScanner{out: &m.subs}
	dec := runScanner{out: &m.subs}
	var b64buf []byte
	inHeader, lineStart := true, true
	for {
		line, err := br.ReadSlice('\n')
		m.size += int64(len(line))
		complete := len(line) > 0 && line[len(line)-1] == '\n'
		if inHeader {
			if lineStart && complete && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
				inHeader = false
			} else if len(m.header)+len(line) <= MaxHeaderBytes {
				m.header = append(m.header, line...)
			} else {
				m.hdrCut = true
			}
			raw.write(line)
		} else if len(line) > 0 {
			text := line
			if complete && lineStart {
				body := bytes.TrimRight(line, "\r\n")
				decoded := false
				if isBase64Line(body) {
					if n, derr := decodeBase64(&b64buf, body); derr == nil {
						decoded = true
						m.b64lines++
						dec.write(b64buf[:n])
					}
				}
				switch {
				case !decoded:
					dec.write(newline) // a text line ends a decoded run
				case len(body) >= b64MinRaw:
					text = nil
				}
				// A quoted-printable soft line break joins this line to
				// the next.
				if text != nil && len(body) > 0 && body[len(body)-1] == '=' {
					text = body[:len(body)-1]
				}
			}
			if text != nil {
				raw.write(text)
			}
		}
		lineStart = complete
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			raw.flush()
			dec.flush()
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

var newline = []byte{'\n'}

// isBase64Line reports whether b could be a line of base64 text.
func isBase64Line(b []byte) bool {
	if len(b) < 8 || len(b)%4 != 0 {
		return false
	}
	pad := 0
	for i, c := range b {
		switch {
		case isAlnum(c) || c == '+' || c == '/':
			if pad > 0 {
				return false
			}
		case c == '=' && i >= len(b)-2:
			pad++
		default:
			return false
		}
	}
	return true
}

func decodeBase64(buf *[]byte, line []byte) (int, error) {
	need := base64.StdEncoding.DecodedLen(len(line))
	if cap(*buf) < need {
		*buf = make([]byte, need)
	}
	*buf = (*buf)[:need]
	return base64.StdEncoding.Decode(*buf, line)
}

// parseHeaders reads the kept fields from a raw header section (RFC 5322
// §2.2: "name: value", folded lines begin with white space). A field that
// appears more than once has its values joined with ", " (Received fields
// are kept as a list instead). Values are unfolded, decoded from RFC 2047
// encoded words where the charset is known, made valid UTF-8 and cut to
// MaxHeaderValue bytes. Lines without a colon are skipped, as a lenient
// reader does; the header section ends at the first empty line.
func parseHeaders(raw []byte) map[string]any {
	out := make(map[string]any)
	var received []string
	var name string
	var value []byte
	emit := func() {
		if name == "" {
			return
		}
		v := cleanValue(name, value)
		if strings.EqualFold(name, "Received") {
			if len(received) < MaxReceived {
				received = append(received, v)
			}
		} else {
			for _, k := range keptHeaders {
				if strings.EqualFold(name, k) {
					if prev, ok := out[k].(string); ok {
						v = cut(prev+", "+v, MaxHeaderValue)
					}
					out[k] = v
					break
				}
			}
		}
		name, value = "", value[:0]
	}
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" && len(value) < 4*MaxHeaderValue {
				value = append(value, ' ')
				value = append(value, bytes.TrimSpace(line)...)
			}
			continue
		}
		emit()
		n, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		name = string(bytes.TrimSpace(n))
		value = append(value[:0], bytes.TrimSpace(v)...)
	}
	emit()
	if len(received) > 0 {
		out["Received"] = received
	}
	return out
}

var wordDecoder mime.WordDecoder

func cleanValue(name string, v []byte) string {
	s := string(v)
	switch strings.ToLower(name) {
	case "from", "to", "cc", "subject":
		if len(s) <= 4*MaxHeaderValue {
			if d, err := wordDecoder.DecodeHeader(s); err == nil {
				s = d
			}
		}
	}
	return cut(strings.ToValidUTF8(s, "\uFFFD"), MaxHeaderValue)
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
