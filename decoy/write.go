package decoy

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
)

// field is one header field; value may hold "\r\n\t" folds.
type field struct{ name, value string }

// write serialises the newest message with its quoted thread.
func (c *composer) write() *Decoy {
	r := c.r
	n := len(c.msgs)
	top := c.msgs[n-1]
	cl := top.client

	text := strings.Join(c.text(n-1), "\r\n") + "\r\n"
	htmlDoc := c.htmlDoc()

	// Body parts.
	var body bytes.Buffer
	body.Grow(len(text) + len(htmlDoc)*5/4 + 4096)
	alt := boundary(r, cl, top, 0)
	textCT := `text/plain; charset="utf-8"`
	switch {
	case cl.flowed:
		textCT = "text/plain; charset=UTF-8; format=flowed"
	case isASCII(text) && cl.quote == quoteOutlook:
		textCT = `text/plain; charset="us-ascii"`
	case cl.html == htmlApple || cl.html == htmlMobile:
		textCT = "text/plain;\r\n\tcharset=utf-8"
	}
	attach := r.IntN(5) == 0
	var mixed string
	if attach {
		mixed = boundary(r, cl, top, 1)
		body.WriteString("--" + mixed + "\r\nContent-Type: multipart/alternative;\r\n\tboundary=\"" + alt + "\"\r\n\r\n")
	} else if r.IntN(3) == 0 {
		body.WriteString("This is a multi-part message in MIME format.\r\n")
	}
	body.WriteString("\r\n--" + alt + "\r\n")
	writePart(&body, textCT, text, false)
	body.WriteString("\r\n--" + alt + "\r\n")
	htmlCT := `text/html; charset="utf-8"`
	if cl.html == htmlApple || cl.html == htmlMobile {
		htmlCT = "text/html;\r\n\tcharset=utf-8"
	} else if cl.html == htmlThunderbird {
		htmlCT = "text/html; charset=UTF-8"
	}
	writePart(&body, htmlCT, strings.ReplaceAll(htmlDoc, "\n", "\r\n"), cl.qpHTML)
	body.WriteString("\r\n--" + alt + "--\r\n")
	if attach {
		name, data := c.attachment()
		ct := "text/plain"
		if strings.HasSuffix(name, ".csv") {
			ct = "text/csv"
		}
		body.WriteString("\r\n--" + mixed + "\r\n")
		fmt.Fprintf(&body, "Content-Type: %s; charset=\"utf-8\"; name=\"%s\"\r\nContent-Disposition: attachment;\r\n\tfilename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", ct, name, name)
		enc := base64.StdEncoding.EncodeToString([]byte(data))
		for len(enc) > 76 {
			body.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		body.WriteString(enc + "\r\n")
		body.WriteString("\r\n--" + mixed + "--\r\n")
	}

	// Header values.
	v := map[string]string{}
	v["From"] = top.from.header()
	v["To"] = addrList(top.to)
	ccs := addrList(top.cc)
	if c.crumbs.CanaryAddress != "" {
		switch k := r.IntN(10); {
		case k < 3:
			v["Reply-To"] = c.canaryHeader()
		case k < 5:
			ccs = join(", ", ccs, c.canaryHeader())
		}
	}
	if ccs != "" {
		v["Cc"] = ccs
	}
	v["Subject"] = encodeHeader(top.subject)
	v["Date"] = top.date.Format(cl.dateLayout(r))
	v["Message-ID"] = top.id
	v["MIME-Version"] = "1.0"
	if cl.name == "apple-mail" {
		v["MIME-Version"] = fmt.Sprintf("1.0 (Mac OS X Mail 16.0 \\(%s\\))", pick(r, []string{"3774.600.62", "3826.300.87", "3731.700.6"}))
	}
	if attach {
		v["Content-Type"] = "multipart/mixed;\r\n\tboundary=\"" + mixed + "\""
	} else {
		v["Content-Type"] = "multipart/alternative;\r\n\tboundary=\"" + alt + "\""
	}
	if asciiBytes(body.Bytes()) {
		v["Content-Transfer-Encoding"] = "7bit"
	}
	if n > 1 {
		prev := c.msgs[n-2]
		v["In-Reply-To"] = prev.id
		ids := make([]string, 0, n-1)
		for _, m := range c.msgs[:n-1] {
			ids = append(ids, m.id)
		}
		v["References"] = strings.Join(ids, "\r\n\t")
	}
	base := c.vars["subject"]
	v["Thread-Topic"] = encodeHeader(base)
	ti := make([]byte, 22+5*(n-1))
	for i := range ti {
		ti[i] = byte(r.IntN(256))
	}
	v["Thread-Index"] = base64.StdEncoding.EncodeToString(ti)
	lang := pick(r, []string{"en-US", "en-US", "en-GB", "en-US"})
	v["Accept-Language"] = lang
	v["Content-Language"] = lang
	if attach {
		v["X-MS-Has-Attach"] = "yes"
	} else {
		v["X-MS-Has-Attach"] = ""
	}
	v["X-MS-TNEF-Correlator"] = ""
	if r.IntN(6) == 0 {
		v["X-Priority"], v["Importance"] = "1", "high"
	} else {
		v["X-Priority"], v["Importance"] = "3 (Normal)", "normal"
	}
	v["X-Originating-IP"] = "[" + c.privateIP() + "]"
	v["Organization"] = encodeHeader(c.org.Name)
	v["X-Universally-Unique-Identifier"] = uuid(r, true)
	v["X-MS-Exchange-Organization-AuthAs"] = "Internal"
	if name, val := cl.mailer(r); name != "" {
		v[name] = val
	}

	var fields []field
	for _, name := range cl.order {
		opt := name[0] == '?'
		name = strings.TrimPrefix(name, "?")
		val, ok := v[name]
		if !ok || opt && r.IntN(2) == 0 {
			continue
		}
		if (name == "X-Priority" || name == "Importance") && val != "1" && val != "high" && r.IntN(2) == 0 {
			continue
		}
		fields = append(fields, field{name, val})
	}
	trace := c.received(top)
	var out bytes.Buffer
	out.Grow(len(trace)*200 + body.Len() + 1024)
	for _, f := range trace {
		writeField(&out, f)
	}
	for _, f := range fields {
		writeField(&out, f)
	}
	out.WriteString("\r\n")
	out.Write(body.Bytes())

	to := make([]string, len(top.to))
	for i, p := range top.to {
		to[i] = p.Email
	}
	return &Decoy{
		Raw: out.Bytes(), MessageID: top.id, Subject: top.subject, From: top.from.Email, To: to,
		Date: top.date, Theme: c.theme.name, Thread: n,
	}
}

func addrList(ps []*persona) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.header()
	}
	return strings.Join(s, ", ")
}

func (c *composer) canaryHeader() string {
	if c.r.IntN(3) == 0 {
		return c.crumbs.CanaryAddress
	}
	name := c.expandString("{" + c.vars["sdept"] + "|{sdept} Team|{sdept} Desk|{sdept} Operations|{sdept} Requests}")
	return encodeHeader(name) + " <" + c.crumbs.CanaryAddress + ">"
}

// encodeHeader returns s, or RFC 2047 encoded words when s is not ASCII.
func encodeHeader(s string) string {
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// writeField writes "Name: value", folding long unfolded values at
// spaces (RFC 5322 section 2.2.3).
func writeField(b *bytes.Buffer, f field) {
	b.WriteString(f.name)
	b.WriteString(":")
	if f.value == "" {
		b.WriteString("\r\n")
		return
	}
	b.WriteString(" ")
	v := f.value
	if strings.Contains(v, "\r\n") || len(f.name)+2+len(v) <= 78 {
		b.WriteString(v)
		b.WriteString("\r\n")
		return
	}
	col := len(f.name) + 2
	for len(v) > 0 {
		i := strings.IndexByte(v[1:], ' ')
		tok := v
		if i >= 0 {
			tok = v[:i+1]
		}
		if col+len(tok) > 78 && col > len(f.name)+2 && tok[0] == ' ' {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteString(tok)
		col += len(tok)
		v = v[len(tok):]
	}
	b.WriteString("\r\n")
}

// writePart writes one text part: 7bit or 8bit when every line fits, else
// quoted-printable; qp forces quoted-printable (as Outlook does for HTML).
func writePart(b *bytes.Buffer, ct, s string, qp bool) {
	if !qp {
		col := 0
		for i := 0; i < len(s) && !qp; i++ {
			if s[i] == '\n' {
				col = 0
			} else if col++; col > 990 {
				qp = true
			}
		}
	}
	b.WriteString("Content-Type: " + ct + "\r\n")
	if qp {
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(b, s)
		b.WriteString("\r\n")
		return
	}
	if isASCII(s) {
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
	} else {
		b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
	}
	b.WriteString(s)
}

// boundary returns a multipart boundary in the client's own shape.
func boundary(rr *rand.Rand, cl *client, m *msg, level int) string {
	alnum := func(n int) string {
		const set = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		b := make([]byte, n)
		for i := range b {
			b[i] = set[rr.IntN(len(set))]
		}
		return string(b)
	}
	switch cl.name {
	case "outlook16", "owa", "outlook-mobile":
		id := strings.Trim(m.id, "<>")
		if at := strings.IndexByte(id, '@'); at > 0 {
			id = id[:at]
		}
		if len(id) > 40 {
			id = id[:40]
		}
		return fmt.Sprintf("_%03d_%s_", level, id)
	case "outlook-mac":
		return fmt.Sprintf("B_%d_%d", 3700000000+rr.IntN(99999999), 100000000+rr.IntN(899999999))
	case "apple-mail", "iphone":
		return "Apple-Mail=_" + strings.ToUpper(alnum(8)) + "-" + strings.ToUpper(alnum(4)) + "-" + strings.ToUpper(alnum(4)) + "-" + strings.ToUpper(alnum(4)) + "-" + strings.ToUpper(alnum(12))
	case "thunderbird":
		return "------------" + alnum(24)
	case "emclient":
		return "------=_MB" + strings.ToUpper(alnum(8)) + "-" + strings.ToUpper(alnum(4)) + "-" + strings.ToUpper(alnum(4))
	}
	return "----" + alnum(28)
}

// attachment returns a small text attachment repeating the theme's
// specifics, as people export a sheet to send it.
func (c *composer) attachment() (name, data string) {
	name = c.vars["file"]
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < ' ' || r >= 0x7f {
			return '_'
		}
		return r
	}, name)
	var b strings.Builder
	if c.r.IntN(2) == 0 {
		name += ".csv"
		b.WriteString(pick(c.r, []string{"Field,Value", "Item,Detail", "key,value"}) + "\r\n")
		for _, l := range strings.Split(c.expandString(pick(c.r, c.theme.details)), "\n") {
			k, v, ok := strings.Cut(l, ": ")
			if !ok {
				k, v = "note", l
			}
			fmt.Fprintf(&b, "%s,\"%s\"\r\n", k, strings.ReplaceAll(v, "\"", "'"))
		}
	} else {
		name += ".txt"
		b.WriteString(c.expandString(pick(c.r, c.theme.details)))
		b.WriteString("\r\n")
	}
	return name, b.String()
}

func asciiBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// writeQP encodes s (CRLF line ends) as quoted-printable (RFC 2045
// section 6.7): lines of at most 76 characters with soft breaks, '=' and
// bytes outside printable ASCII as =XX, white space before a line end
// encoded.
func writeQP(b *bytes.Buffer, s string) {
	// Appending to the buffer's free space and writing once is several
	// times faster than a WriteByte per byte; a short line of safe
	// characters (most of a text part) is copied whole.
	b.Grow(len(s) + len(s)/8)
	out := b.AvailableBuffer()
	for len(s) > 0 {
		line, rest, nl := strings.Cut(s, "\r\n")
		if len(line) <= 75 && qpSafe(line) {
			out = append(out, line...)
		} else {
			out = qpLine(out, line)
		}
		if nl {
			out = append(out, '\r', '\n')
		}
		s = rest
	}
	b.Write(out)
}

// qpSafe reports whether line needs no encoding: printable ASCII other
// than '=', and no space or tab at its end.
func qpSafe(line string) bool {
	for i := 0; i < len(line); i++ {
		if ch := line[i]; ch == '=' || ch < ' ' && ch != '\t' || ch >= 0x7f {
			return false
		}
	}
	return line == "" || (line[len(line)-1] != ' ' && line[len(line)-1] != '\t')
}

// qpLine appends one line (no CRLF inside) quoted-printable encoded, with
// soft line breaks keeping encoded lines within 76 characters.
func qpLine(out []byte, line string) []byte {
	const upper = "0123456789ABCDEF"
	col := 0
	for i := 0; i < len(line); i++ {
		ch := line[i]
		enc := ch == '=' || ch < ' ' && ch != '\t' || ch >= 0x7f
		if (ch == ' ' || ch == '\t') && i+1 == len(line) {
			enc = true
		}
		w := 1
		if enc {
			w = 3
		}
		if col+w > 75 {
			out = append(out, '=', '\r', '\n')
			col = 0
		}
		if enc {
			out = append(out, '=', upper[ch>>4], upper[ch&15])
		} else {
			out = append(out, ch)
		}
		col += w
	}
	return out
}
