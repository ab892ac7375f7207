package mailgen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime/quotedprintable"
	"slices"
	"strings"
	"unicode/utf8"
)

// part is a MIME entity: a leaf with encoded content or random binary
// attachment bytes, or a multipart with children.
type part struct {
	ctype    string // media type and parameters, without boundary
	cte      string
	disp     string
	extra    []field
	content  []byte // leaf: encoded content, ends with "\n"
	attach   int    // leaf: size of a random binary attachment (base64)
	magic    string // leaf: first bytes of the attachment
	children []*part
	boundary string
}

// headers returns the part's Content-* fields.
func (p *part) headers() []field {
	ct := p.ctype
	if p.children != nil {
		ct += ";\n\tboundary=\"" + p.boundary + "\""
	}
	fs := []field{{"Content-Type", ct}}
	if p.cte != "" {
		fs = append(fs, field{"Content-Transfer-Encoding", p.cte})
	}
	if p.disp != "" {
		fs = append(fs, field{"Content-Disposition", p.disp})
	}
	return append(fs, p.extra...)
}

// setBody makes p the body of m.
func (g *Generator) setBody(m *message, p *part) {
	m.add("MIME-Version", "1.0")
	m.fields = append(m.fields, p.headers()...)
	m.body = g.renderBody(m.body[:0], p)
}

func (g *Generator) renderBody(dst []byte, p *part) []byte {
	switch {
	case p.children != nil:
		dst = append(dst, "This is a multi-part message in MIME format.\n\n"...)
		for _, c := range p.children {
			dst = append(dst, "--"...)
			dst = append(dst, p.boundary...)
			dst = append(dst, '\n')
			for _, f := range c.headers() {
				dst = appendField(dst, f)
			}
			dst = append(dst, '\n')
			dst = g.renderBody(dst, c)
			dst = append(dst, '\n')
		}
		dst = append(dst, "--"...)
		dst = append(dst, p.boundary...)
		return append(dst, "--\n"...)
	case p.attach > 0:
		return g.appendRandomBase64(dst, p.magic, p.attach)
	}
	return append(dst, p.content...)
}

// appendRandomBase64 appends n random bytes starting with magic, base64
// encoded in 76-column lines (RFC 2045 section 6.8).
func (g *Generator) appendRandomBase64(dst []byte, magic string, n int) []byte {
	if cap(g.scratch) < n {
		g.scratch = make([]byte, n)
	}
	raw := g.scratch[:n]
	g.r.fill(raw)
	copy(raw, magic)
	lines := (n + 56) / 57
	dst = slices.Grow(dst, lines*77)
	for len(raw) > 0 {
		k := min(57, len(raw))
		l := len(dst)
		enc := base64.StdEncoding.EncodedLen(k)
		dst = dst[:l+enc+1]
		base64.StdEncoding.Encode(dst[l:], raw[:k])
		dst[l+enc] = '\n'
		raw = raw[k:]
	}
	return dst
}

// boundary returns a boundary in the style of client.
func (g *Generator) boundary(client string) string {
	switch client {
	case "gmail":
		return "000000000000" + g.r.hex(12)
	case "outlook", "outlook-2019", "outlook-live", "exchange":
		return fmt.Sprintf("_%03d_%s%s_", g.r.IntN(8), strings.ToUpper(g.r.hex(16)), g.r.upperAlnum(20))
	case "thunderbird":
		return "------------" + g.r.upperAlnum(24)
	case "apple-mail":
		return "Apple-Mail=_" + g.r.uuid(true)
	case "yahoo":
		return "----=_Part_" + fmt.Sprintf("%d_%d.%d", g.r.IntN(9999999), g.r.IntN(999999999), 1700000000000+g.r.Int64N(99999999999))
	}
	return "=_" + g.r.hex(24)
}

// sentence returns one sentence of business filler.
func (g *Generator) sentence() string {
	n := g.r.between(6, 16)
	var b strings.Builder
	for i := range n {
		w := pick(g.r, words)
		if i == 0 {
			if g.r.chance(0.04) {
				w = "From" // exercises mbox From-quoting when it starts a line
			}
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if g.r.chance(0.15) {
		b.WriteByte('?')
	} else {
		b.WriteByte('.')
	}
	return b.String()
}

// paragraph returns 1-5 sentences wrapped at 72 columns.
func (g *Generator) paragraph() string {
	n := g.r.between(1, 5)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return wrap(strings.Join(s, " "), 72)
}

func wrap(s string, width int) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		if i > 0 {
			if col+1+n > width {
				b.WriteByte('\n')
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}

// letter returns a greeting, paragraphs and a signature.
func (g *Generator) letter(to, from person) string {
	var b strings.Builder
	first := strings.Fields(to.name)
	greet := "Hi"
	if len(first) > 0 {
		fmt.Fprintf(&b, "%s %s,\n\n", pick(g.r, []string{"Hi", "Hello", "Dear", "Hey"}), first[0])
	} else {
		b.WriteString(greet + ",\n\n")
	}
	for i, n := 0, g.r.between(1, 4); i < n; i++ {
		b.WriteString(g.paragraph())
		b.WriteString("\n\n")
	}
	b.WriteString(pick(g.r, closings))
	b.WriteString(",\n")
	b.WriteString(from.name)
	b.WriteString("\n")
	if g.r.chance(0.6) {
		fmt.Fprintf(&b, "\n-- \n%s\n%s | %s\n+%d %d %d\n", from.name,
			pick(g.r, []string{"Account Manager", "Finance", "Engineering Lead", "Procurement", "Legal Counsel", "Operations"}),
			strings.Split(from.dom.name, ".")[0], 1+g.r.IntN(98), 100+g.r.IntN(900), 1000000+g.r.IntN(9000000))
	}
	return b.String()
}

// textPart encodes text as text/plain: 7bit when ASCII, else
// quoted-printable (or 8bit, as some clients send).
func (g *Generator) textPart(text string) *part {
	return g.textual("text/plain", text)
}

func (g *Generator) textual(mediaType, text string) *part {
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	long := false
	for _, l := range strings.Split(text, "\n") {
		if len(l) > 76 {
			long = true
			break
		}
	}
	p := &part{ctype: mediaType + "; charset=\"UTF-8\""}
	switch {
	case ascii && !long:
		p.cte = "7bit"
		p.content = []byte(text)
	case !long && g.r.chance(0.3):
		p.cte = "8bit"
		p.content = []byte(text)
	default:
		p.cte = "quoted-printable"
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(text))
		w.Close()
		// quotedprintable.Writer breaks lines with CRLF; messages use LF.
		p.content = bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), []byte("\n"))
		if !bytes.HasSuffix(p.content, []byte("\n")) {
			p.content = append(p.content, '\n')
		}
	}
	return p
}

// htmlPart renders text as simple HTML, quoted-printable encoded.
func (g *Generator) htmlPart(text string) *part {
	var b strings.Builder
	b.WriteString("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n</head>\n<body>\n")
	for _, para := range strings.Split(strings.TrimRight(text, "\n"), "\n\n") {
		b.WriteString("<div dir=\"ltr\">")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
		b.WriteString("</div>\n<div><br></div>\n")
	}
	b.WriteString("</body>\n</html>\n")
	p := &part{ctype: "text/html; charset=\"UTF-8\"", cte: "quoted-printable"}
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	w.Write([]byte(b.String()))
	w.Close()
	p.content = append(bytes.ReplaceAll(out.Bytes(), []byte("\r\n"), []byte("\n")), '\n')
	return p
}

// alternative wraps text as multipart/alternative (text + HTML).
func (g *Generator) alternative(client, text string) *part {
	return &part{ctype: "multipart/alternative", boundary: g.boundary(client),
		children: []*part{g.textPart(text), g.htmlPart(text)}}
}

// attachment returns a random binary attachment of a realistic size.
func (g *Generator) attachment() *part {
	k := pick(g.r, attachmentKinds)
	var size int
	if !g.cfg.NoLarge && g.r.chance(g.cfg.LargeRate) {
		size = g.r.logUniform(100<<10, 5<<20)
	} else {
		size = g.r.logUniform(2<<10, 100<<10)
	}
	name := fmt.Sprintf("%s_%d.%s", strings.ReplaceAll(pick(g.r, topics), " ", "_"), 1+g.r.IntN(40), k.ext)
	return &part{
		ctype:  fmt.Sprintf("%s; name=\"%s\"", k.ctype, name),
		cte:    "base64",
		disp:   fmt.Sprintf("attachment; filename=\"%s\"; size=%d", name, size),
		attach: size,
		magic:  k.magic,
	}
}
