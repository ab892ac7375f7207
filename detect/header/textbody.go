package header

import (
	"bytes"
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Text extraction for the manual-forward rules.
//
// bodyText walks the MIME structure of a message's body prefix (RFC 2045,
// RFC 2046) and returns up to maxBodyText bytes of UTF-8 text to search:
// the text/plain parts in order or, when there are none, the text/html
// parts stripped of tags. On the way it notes parts that carry a whole
// message (message/rfc822, message/global, or a .eml/.msg file name).
//
// It is written for a prefix of a possibly hostile body, not for a whole,
// valid message. Notable divergences from the RFCs:
//   - A part cut off by the end of the prefix is used as far as it goes;
//     a missing close delimiter is not an error.
//   - Broken base64 or quoted-printable is decoded as far as it decodes;
//     bytes that do not decode are dropped (base64) or kept (QP).
//   - Charsets: UTF-8 and US-ASCII pass through; ISO-8859-1 is read as
//     windows-1252, as HTML5 does; ISO-8859-15 and windows-1252 are
//     converted; any other label is kept when it is valid UTF-8 and read as
//     windows-1252 otherwise, which keeps ASCII, all the markers need.
//   - The body of a multipart without a boundary, and parts beyond
//     maxParts or nested deeper than maxDepth, are ignored.
//
// Work is bounded by the size of the prefix: every part is looked at once,
// and decoding stops when maxBodyText bytes of text are collected.

const (
	maxBodyText   = 32 << 10 // text searched for separators
	maxParts      = 64       // MIME parts visited per message
	maxDepth      = 8        // multipart nesting followed
	maxPartHeader = 16 << 10 // bytes of one part's header block
)

// attachedMessage is a part that carries a whole message.
type attachedMessage struct {
	mediaType string // "message/rfc822", or the part's type for a file name match
	filename  string // .eml/.msg file name, if that is what matched
}

// extracted is what bodyText found.
type extracted struct {
	text        []byte // UTF-8 text, at most maxBodyText bytes
	html        bool   // text came from text/html parts
	attachments []attachedMessage
	digest      bool // a multipart/digest was seen
	report      bool // a multipart/report (DSN, MDN, ARF) was seen
	calendar    bool // a text/calendar part was seen
}

// view is one message with its MIME walk done at most once, shared by the
// classifiers that look at the body (manual-forward signs, calendar).
type view struct {
	m      *mailfmt.Message
	ex     extracted
	walked bool

	subj     string
	subjDone bool
	autoRepl int8 // 0 not yet known, 1 no, 2 yes
}

// subject returns the decoded Subject, decoding it on first use.
func (v *view) subject() string {
	if !v.subjDone {
		v.subj, v.subjDone = decodeHeaderText(v.m.Header.Get("Subject")), true
	}
	return v.subj
}

// autoReply reports isAutoReply for the message, working it out once.
func (v *view) autoReply() bool {
	if v.autoRepl == 0 {
		v.autoRepl = 1
		if isAutoReply(v.m.Header, v.subject()) {
			v.autoRepl = 2
		}
	}
	return v.autoRepl == 2
}

// body returns the message's extracted body, walking it on first use.
func (v *view) body() *extracted {
	if !v.walked {
		v.ex, v.walked = bodyText(v.m), true
	}
	return &v.ex
}

// textPart is a text leaf of the MIME tree, still encoded.
type textPart struct {
	body    []byte
	cte     string
	charset string
}

type walker struct {
	parts int
	plain []textPart
	html  []textPart
	out   *extracted
}

// bodyText extracts searchable text and attached-message parts from m.
func bodyText(m *mailfmt.Message) extracted {
	var ex extracted
	w := walker{out: &ex}
	ct := m.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	w.entity(ct, m.Header.Get("Content-Transfer-Encoding"), m.Header.Get("Content-Disposition"), m.Body, 0, "")
	src := w.plain
	if len(src) == 0 {
		src = w.html
		ex.html = true
	}
	if len(src) == 0 {
		ex.html = false
		return ex
	}
	if len(src) == 1 {
		// The usual case, one text part: use its decoded text as it is,
		// which may share memory with the message (read-only from here).
		p := src[0]
		dec := toUTF8(decodeTransfer(p.body, p.cte, maxBodyText*2), p.charset)
		if ex.html {
			dec = stripHTML(dec)
		}
		ex.text = dec[:min(len(dec), maxBodyText):min(len(dec), maxBodyText)]
		return ex
	}
	for _, p := range src {
		room := maxBodyText - len(ex.text)
		if room <= 0 {
			break
		}
		if len(ex.text) > 0 && ex.text[len(ex.text)-1] != '\n' {
			ex.text = append(ex.text, '\n')
		}
		dec := decodeTransfer(p.body, p.cte, room*2)
		dec = toUTF8(dec, p.charset)
		if ex.html {
			dec = stripHTML(dec)
		}
		if len(dec) > room {
			dec = dec[:room]
		}
		ex.text = append(ex.text, dec...)
	}
	return ex
}

// entity classifies one MIME entity. parent is the media type of the
// enclosing multipart ("" at the top).
func (w *walker) entity(ctype, cte, disp string, body []byte, depth int, parent string) {
	w.parts++
	if w.parts > maxParts {
		return
	}
	mt := partMediaType(ctype)
	if name := messageFileName(ctype, disp); name != "" && !w.out.report {
		w.out.attachments = append(w.out.attachments, attachedMessage{mediaType: mt, filename: name})
		return
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxDepth {
			return
		}
		switch mt {
		case "multipart/digest":
			w.out.digest = true
		case "multipart/report":
			w.out.report = true
		}
		boundary := partParam(ctype, "boundary")
		if boundary == "" {
			return
		}
		eachPart(body, boundary, func(part []byte) bool {
			if w.parts >= maxParts {
				return false
			}
			pct, pcte, pdisp, pbody := partHeader(part)
			if pct == "" {
				pct = "text/plain"
				if mt == "multipart/digest" {
					pct = "message/rfc822"
				}
			}
			w.entity(pct, pcte, pdisp, pbody, depth+1, mt)
			return true
		})
	case mt == "message/rfc822" || mt == "message/global":
		// A digest's members and a report's returned message are not
		// forwards by the mailbox owner.
		if parent == "multipart/digest" || w.out.digest || w.out.report {
			return
		}
		w.out.attachments = append(w.out.attachments, attachedMessage{mediaType: mt})
	case mt == "text/calendar":
		w.out.calendar = true
	case mt == "text/plain" || mt == "text/html":
		if partIsAttachment(disp) {
			return
		}
		p := textPart{body: body, cte: cte, charset: partParam(ctype, "charset")}
		if mt == "text/plain" {
			w.plain = append(w.plain, p)
		} else {
			w.html = append(w.html, p)
		}
	}
}

// eachPart calls fn with each body part of a multipart body (RFC 2046
// 5.1.1):
//
//	multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF
//	                  body-part *encapsulation close-delimiter ...
//	encapsulation  := delimiter transport-padding CRLF body-part
//	delimiter      := CRLF dash-boundary
//
// The last part of a truncated body runs to the end of the prefix.
func eachPart(body []byte, boundary string, fn func([]byte) bool) {
	delim := []byte("--" + boundary)
	i := indexDelimiter(body, delim, 0)
	for i >= 0 {
		j := i + len(delim)
		if bytes.HasPrefix(body[j:], []byte("--")) {
			return // close delimiter
		}
		nl := bytes.IndexByte(body[j:], '\n')
		if nl < 0 {
			return
		}
		start := j + nl + 1
		next := indexDelimiter(body, delim, start)
		end := len(body)
		if next >= 0 {
			end = next
			if end > start && body[end-1] == '\n' {
				end--
			}
			if end > start && body[end-1] == '\r' {
				end--
			}
		}
		if !fn(body[start:end]) {
			return
		}
		i = next
	}
}

// indexDelimiter returns the offset of the next line at or after from that
// starts with delim followed by "--", white space or a line end.
func indexDelimiter(body, delim []byte, from int) int {
	for from <= len(body) {
		k := bytes.Index(body[from:], delim)
		if k < 0 {
			return -1
		}
		k += from
		if k == 0 || body[k-1] == '\n' {
			e := k + len(delim)
			if e == len(body) {
				return k
			}
			switch body[e] {
			case '-', '\r', '\n', ' ', '\t':
				return k
			}
		}
		from = k + 1
	}
	return -1
}

// partHeader splits a body part into the fields bodyText needs and the
// part's body. A part without a blank line is all header and has no body.
func partHeader(part []byte) (ctype, cte, disp string, body []byte) {
	// The header ends at the first empty line (a part may start with it
	// when it has no header fields).
	hdr := part
	for off := 0; off < len(part) && off <= maxPartHeader; {
		k := bytes.IndexByte(part[off:], '\n')
		if k < 0 {
			break
		}
		line := part[off : off+k]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			hdr, body = part[:off], part[off+k+1:]
			break
		}
		off += k + 1
	}
	if len(hdr) > maxPartHeader {
		hdr = hdr[:maxPartHeader]
	}
	var cur *string
	for len(hdr) > 0 {
		var line []byte
		if k := bytes.IndexByte(hdr, '\n'); k >= 0 {
			line, hdr = hdr[:k], hdr[k+1:]
		} else {
			line, hdr = hdr, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				*cur += " " + string(bytes.TrimSpace(line))
			}
			continue
		}
		cur = nil
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name := bytes.TrimSpace(line[:colon])
		val := string(bytes.TrimSpace(line[colon+1:]))
		switch {
		case bytes.EqualFold(name, []byte("Content-Type")):
			ctype, cur = val, &ctype
		case bytes.EqualFold(name, []byte("Content-Transfer-Encoding")):
			cte, cur = val, &cte
		case bytes.EqualFold(name, []byte("Content-Disposition")):
			disp, cur = val, &disp
		}
	}
	return ctype, cte, disp, body
}

// partMediaType returns the lower-case type/subtype of a Content-Type value.
func partMediaType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(v)
		}
	}
	return v
}

// partParam returns the value of parameter name (RFC 2045 5.1) in a
// Content-Type or Content-Disposition value, unquoted; "" if absent. It
// is forgiving where mime.ParseMediaType is strict: duplicate or broken
// parameters elsewhere in the value do not hide the one asked for.
//
//	parameter := attribute "=" value
//	value     := token / quoted-string
func partParam(v, name string) string {
	for i := strings.IndexByte(v, ';'); i >= 0 && i < len(v); {
		v = v[i+1:]
		v = strings.TrimLeft(v, " \t")
		eq := strings.IndexByte(v, '=')
		if eq < 0 {
			return ""
		}
		attr := strings.TrimSpace(v[:eq])
		rest := strings.TrimLeft(v[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			k := 1
			for ; k < len(rest) && rest[k] != '"'; k++ {
				if rest[k] == '\\' && k+1 < len(rest) {
					k++
				}
				b.WriteByte(rest[k])
			}
			val = b.String()
			if k < len(rest) {
				k++
			}
			v = rest[k:]
		} else {
			end := strings.IndexByte(rest, ';')
			if end < 0 {
				end = len(rest)
			}
			val = strings.TrimSpace(rest[:end])
			v = rest[end:]
		}
		if strings.EqualFold(attr, name) {
			return val
		}
		i = strings.IndexByte(v, ';')
	}
	return ""
}

// partIsAttachment reports whether a Content-Disposition says "attachment".
func partIsAttachment(disp string) bool {
	return len(disp) >= 10 && strings.EqualFold(disp[:10], "attachment")
}

// messageFileName returns the name of an attached .eml or .msg file named
// in a part's Content-Type (name=) or Content-Disposition (filename=,
// including RFC 2231 and RFC 2047 encoded forms), or "".
func messageFileName(ctype, disp string) string {
	for _, v := range [...]string{disp, ctype} {
		if v == "" || strings.IndexByte(v, ';') < 0 {
			continue
		}
		if !containsFoldASCII(v, ".eml") && !containsFoldASCII(v, ".msg") && !strings.Contains(v, "=?") {
			continue
		}
		for _, p := range [...]string{"filename", "name", "filename*", "name*", "filename*0", "name*0", "filename*0*", "name*0*"} {
			n := partParam(v, p)
			if n == "" {
				continue
			}
			if strings.HasSuffix(p, "*") {
				n = decodeRFC2231(n)
			} else if strings.Contains(n, "=?") {
				n = decodeHeaderText(n)
			}
			ln := strings.ToLower(strings.TrimRight(n, " \t\"'"))
			if strings.HasSuffix(ln, ".eml") || strings.HasSuffix(ln, ".msg") {
				return n
			}
		}
	}
	return ""
}

// decodeRFC2231 decodes an RFC 2231 extended parameter value,
//
//	value := [charset] "'" [language] "'" *(attribute-char / "%" 2HEXDIG)
//
// keeping the bytes as they are (file names are compared in ASCII).
func decodeRFC2231(v string) string {
	if i := strings.IndexByte(v, '\''); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '\''); j >= 0 {
			v = v[i+1+j+1:]
		}
	}
	if !strings.Contains(v, "%") {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if h, ok := qpUnhex(v[i+1]); ok {
				if l, ok := qpUnhex(v[i+2]); ok {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
		}
		b = append(b, v[i])
	}
	return string(b)
}

// decodeTransfer undoes a Content-Transfer-Encoding, producing at most
// limit bytes. Unknown encodings (7bit, 8bit, binary, x-uuencode...) are
// returned as they are.
func decodeTransfer(b []byte, cte string, limit int) []byte {
	cte = strings.TrimSpace(cte)
	switch {
	case strings.EqualFold(cte, "base64"):
		return decodeBase64(b, limit)
	case strings.EqualFold(cte, "quoted-printable"):
		return decodeQP(b, limit)
	}
	if len(b) > limit {
		b = b[:limit]
	}
	return b
}

var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeBase64 decodes RFC 2045 6.8 base64, ignoring every character
// outside the alphabet ("Any characters outside of the base64 alphabet are
// to be ignored"), treating "=" as the end of a group, and keeping a final
// partial group's whole bytes.
func decodeBase64(b []byte, limit int) []byte {
	out := make([]byte, 0, min(len(b)*3/4+3, limit+3))
	var acc uint32
	n := 0
	for _, c := range b {
		if c == '=' {
			// Padding: flush the partial group and start afresh (handles
			// concatenated encodings).
			out = flush64(out, acc, n)
			acc, n = 0, 0
			continue
		}
		v := b64val[c]
		if v == 0xff {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
			if len(out) >= limit {
				return out[:limit]
			}
		}
	}
	out = flush64(out, acc, n)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func flush64(out []byte, acc uint32, n int) []byte {
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

func qpUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeQP decodes RFC 2045 6.7 quoted-printable: "=XX" is a byte, "="
// at the end of a line (after optional white space) is a soft line break.
// An "=" followed by anything else is kept as it is (rule 6.7 note 1:
// "the robust implementation" keeps what it cannot decode).
func decodeQP(b []byte, limit int) []byte {
	out := make([]byte, 0, min(len(b), limit))
	for len(b) > 0 && len(out) < limit {
		k := bytes.IndexByte(b, '=')
		if k < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:k]...)
		b = b[k:] // b[0] == '='
		if len(b) >= 3 {
			if h, ok := qpUnhex(b[1]); ok {
				if l, ok := qpUnhex(b[2]); ok {
					out = append(out, h<<4|l)
					b = b[3:]
					continue
				}
			}
		}
		// Soft line break: "=" [white space] CRLF / LF.
		j := 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == '\r' {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			b = b[j+1:]
			continue
		}
		if j == len(b) {
			break // "=" at the end of a truncated prefix
		}
		out = append(out, '=')
		b = b[1:]
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
