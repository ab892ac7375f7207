package decoy

import (
	"html"
	"strings"
)

// textOwn renders the message's own part (no quotes) as lines.
func (c *composer) textOwn(m *msg, top bool) []string {
	cl := m.client
	var lines []string
	add := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			lines = append(lines, wrap(l, cl.wrap, cl.flowed)...)
		}
	}
	if m.banner != "" {
		add(m.banner)
		lines = append(lines, "")
	}
	if m.greet != "" {
		add(m.greet)
		lines = append(lines, "")
	}
	for _, p := range m.paras {
		add(textLinks(p, cl))
		lines = append(lines, "")
	}
	add(m.signoff)
	lines = append(lines, m.sig...)
	if m.mobile != "" {
		lines = append(lines, "", m.mobile)
	}
	if len(c.discl) > 0 && !cl.mobile {
		lines = append(lines, "")
		for i, d := range c.discl {
			if i > 0 {
				lines = append(lines, "")
			}
			add(d)
		}
	}
	return lines
}

// textLinks replaces link markers: Outlook writes "anchor<url>", others
// the bare URL.
func textLinks(s string, cl *client) string {
	if strings.IndexByte(s, linkOpen) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 64)
	for {
		i := strings.IndexByte(s, linkOpen)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		mid := strings.IndexByte(s, linkMid)
		end := strings.IndexByte(s, linkEnd)
		url, anchor := s[:mid], s[mid+1:end]
		s = s[end+1:]
		if cl.quote == quoteOutlook && anchor != url {
			b.WriteString(anchor + "<" + url + ">")
		} else {
			b.WriteString(url)
		}
	}
}

// wrap breaks l at width (0 = never) between words; URLs and other long
// words are never split. With flowed, soft breaks keep a trailing space.
func wrap(l string, width int, flowed bool) []string {
	if width == 0 || len(l) <= width {
		return []string{l}
	}
	var out []string
	for len(l) > width {
		cut := strings.LastIndexByte(l[:width+1], ' ')
		if cut <= 0 {
			cut = strings.IndexByte(l, ' ')
			if cut < 0 {
				break
			}
		}
		if flowed {
			out = append(out, l[:cut+1])
		} else {
			out = append(out, l[:cut])
		}
		l = l[cut+1:]
	}
	return append(out, l)
}

// text renders message i with everything it quotes.
func (c *composer) text(i int) []string {
	m := c.msgs[i]
	lines := c.textOwn(m, i == len(c.msgs)-1)
	if i == 0 {
		return lines
	}
	older := c.text(i - 1)
	prev := c.msgs[i-1]
	lines = append(lines, "")
	if m.client.quote == quoteOutlook {
		lines = append(lines, c.outlookBlock(m, prev)...)
		lines = append(lines, "")
		return append(lines, older...)
	}
	lines = append(lines, prev.attr, "")
	for _, l := range older {
		if l == "" {
			lines = append(lines, ">")
		} else if l[0] == '>' {
			lines = append(lines, ">"+l)
		} else {
			lines = append(lines, "> "+l)
		}
	}
	return lines
}

// outlookBlock is the header block Outlook clients put above a quote.
func (c *composer) outlookBlock(m, prev *msg) []string {
	r := c.r
	var out []string
	switch {
	case m.client.name == "owa" && r.IntN(3) == 0:
		out = append(out, "________________________________")
	case m.client.name == "outlook16" && r.IntN(12) == 0:
		out = append(out, "-----Original Message-----")
	}
	out = append(out, "From: "+prev.from.plain())
	if m.client.name == "outlook-mac" {
		out = append(out, "Date: "+prev.date.Format("Monday, January 2, 2006 at 3:04 PM"))
	} else {
		out = append(out, "Sent: "+prev.sent)
	}
	out = append(out, "To: "+plainList(prev.to))
	if len(prev.cc) > 0 {
		out = append(out, "Cc: "+plainList(prev.cc))
	}
	return append(out, "Subject: "+prev.subject)
}

func plainList(ps []*persona) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.plain()
	}
	return strings.Join(s, "; ")
}

// htmlBody renders message i (with quotes) as the inside of <body>.
func (c *composer) htmlBody(b *strings.Builder, i int) {
	m := c.msgs[i]
	c.htmlOwn(b, m, i == len(c.msgs)-1)
	if i == 0 {
		return
	}
	prev := c.msgs[i-1]
	switch m.client.quote {
	case quoteOutlook:
		b.WriteString("\n<div id=\"appendonsend\"></div>\n<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">\n")
		b.WriteString("<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\">")
		b.WriteString("<b>From:</b> " + html.EscapeString(prev.from.plain()) + "<br>\n")
		b.WriteString("<b>Sent:</b> " + prev.sent + "<br>\n")
		b.WriteString("<b>To:</b> " + html.EscapeString(plainList(prev.to)) + "<br>\n")
		if len(prev.cc) > 0 {
			b.WriteString("<b>Cc:</b> " + html.EscapeString(plainList(prev.cc)) + "<br>\n")
		}
		b.WriteString("<b>Subject:</b> " + html.EscapeString(prev.subject) + "</font>\n<div>&nbsp;</div>\n</div>\n")
		c.htmlBody(b, i-1)
	default:
		attr := html.EscapeString(prev.attr)
		switch m.client.html {
		case htmlThunderbird:
			b.WriteString("<div class=\"moz-cite-prefix\">" + attr + "<br>\n</div>\n<blockquote type=\"cite\" cite=\"mid:" +
				html.EscapeString(strings.Trim(prev.id, "<>")) + "\">\n")
		case htmlApple, htmlMobile:
			b.WriteString("<div><br><blockquote type=\"cite\"><div>" + attr + "</div><br>\n")
		default:
			b.WriteString("<div class=\"quote-attrib\">" + attr + "</div>\n<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">\n")
		}
		c.htmlBody(b, i-1)
		b.WriteString("</blockquote>")
		if m.client.html == htmlApple || m.client.html == htmlMobile {
			b.WriteString("</div>")
		}
		b.WriteString("\n")
	}
}

// htmlOwn renders one message's own part.
func (c *composer) htmlOwn(b *strings.Builder, m *msg, top bool) {
	open, close := "<div>", "</div>"
	blank := "<div><br></div>"
	switch m.client.html {
	case htmlOutlook:
		open, close, blank = `<p class="MsoNormal">`, "<o:p></o:p></p>", `<p class="MsoNormal"><o:p>&nbsp;</o:p></p>`
	case htmlThunderbird:
		open, close, blank = "<p>", "</p>", ""
	case htmlMobile:
		open, close, blank = `<div dir="ltr">`, "</div>", `<div dir="ltr"><br></div>`
	}
	para := func(s string) {
		b.WriteString(open)
		b.WriteString(htmlLinks(s))
		b.WriteString(close)
		b.WriteString("\n")
		if blank != "" {
			b.WriteString(blank + "\n")
		}
	}
	if m.banner != "" {
		b.WriteString(`<p style="color:#C00000;font-weight:bold">` + html.EscapeString(m.banner) + "</p>\n")
	}
	if m.greet != "" {
		para(m.greet)
	}
	for _, p := range m.paras {
		para(p)
	}
	b.WriteString(open + html.EscapeString(m.signoff))
	for _, s := range m.sig {
		b.WriteString("<br>")
		b.WriteString(html.EscapeString(s))
	}
	b.WriteString(close + "\n")
	if m.sigImage {
		u := html.EscapeString(c.crumbs.ImageURL)
		if c.r.IntN(2) == 0 {
			b.WriteString(`<p><img src="` + u + `" alt="` + html.EscapeString(c.org.Name) + `" width="` +
				pick(c.r, []string{"120", "140", "160", "96"}) + `" height="` + pick(c.r, []string{"32", "36", "40", "28"}) + `" style="border:0"></p>` + "\n")
		} else {
			b.WriteString(`<img src="` + u + `" width="1" height="1" alt="" style="display:block;border:0">` + "\n")
		}
	}
	if m.mobile != "" {
		b.WriteString(open + html.EscapeString(m.mobile) + close + "\n")
	}
	if len(c.discl) > 0 && !m.client.mobile {
		b.WriteString(`<p style="font-size:8pt;color:#808080">`)
		for i, d := range c.discl {
			if i > 0 {
				b.WriteString("<br><br>")
			}
			b.WriteString(html.EscapeString(d))
		}
		b.WriteString("</p>\n")
	}
}

// htmlLinks escapes s and turns link markers into <a> elements; hard
// line breaks become <br>.
func htmlLinks(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for {
		i := strings.IndexByte(s, linkOpen)
		if i < 0 {
			b.WriteString(brs(html.EscapeString(s)))
			return b.String()
		}
		b.WriteString(brs(html.EscapeString(s[:i])))
		s = s[i+1:]
		mid := strings.IndexByte(s, linkMid)
		end := strings.IndexByte(s, linkEnd)
		url, anchor := s[:mid], s[mid+1:end]
		s = s[end+1:]
		b.WriteString(`<a href="` + html.EscapeString(url) + `">` + html.EscapeString(anchor) + "</a>")
	}
}

func brs(s string) string { return strings.ReplaceAll(s, "\n", "<br>\n") }

// htmlDoc wraps the body in the top client's skeleton.
func (c *composer) htmlDoc() string {
	var b strings.Builder
	b.Grow(16 << 10)
	top := c.msgs[len(c.msgs)-1]
	switch top.client.html {
	case htmlOutlook:
		b.WriteString(`<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">` + "\n")
		b.WriteString("<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\n")
		b.WriteString("<style><!--\n@font-face\n\t{font-family:\"Cambria Math\";}\n@font-face\n\t{font-family:" + pick(c.r, []string{"Calibri", "Aptos", "Segoe UI"}) + ";}\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0in;\n\tfont-size:" + pick(c.r, []string{"11.0pt", "12.0pt", "10.5pt"}) + ";}\n--></style>\n</head>\n")
		b.WriteString(`<body lang="EN-US" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">` + "\n<div class=\"WordSection1\">\n")
		c.htmlBody(&b, len(c.msgs)-1)
		b.WriteString("</div>\n</body>\n</html>\n")
	case htmlApple:
		b.WriteString(`<html aria-label="message body"><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">`)
		c.htmlBody(&b, len(c.msgs)-1)
		b.WriteString("</body></html>")
	case htmlThunderbird:
		b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n  </head>\n  <body>\n")
		c.htmlBody(&b, len(c.msgs)-1)
		b.WriteString("  </body>\n</html>\n")
	case htmlMobile:
		b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body dir=\"auto\">")
		c.htmlBody(&b, len(c.msgs)-1)
		b.WriteString("</body></html>")
	default:
		b.WriteString("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} </style>\n</head>\n<body dir=\"ltr\">\n<div style=\"font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);\">\n")
		c.htmlBody(&b, len(c.msgs)-1)
		b.WriteString("</div>\n</body>\n</html>\n")
	}
	return b.String()
}
