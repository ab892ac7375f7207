package header

import (
	"bytes"
	"html"
)

// stripHTML turns an HTML body into lines of text, enough to find the
// separators mail clients write: tags are dropped, block-level tags end a
// line, <hr> becomes a line of underscores (Outlook writes an <hr> where
// its plain-text form has "________________________________"), the
// content of <script>, <style>, <title> and comments is dropped, source
// line ends are spaces, and character references are decoded with
// html.UnescapeString. It is no HTML parser: a "<" that starts no tag is
// kept, an unterminated tag ends the text.
func stripHTML(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	hasAmp := false
	for i := 0; i < len(b); {
		c := b[i]
		if c != '<' {
			switch c {
			case '\r', '\n', '\t':
				c = ' '
			case '&':
				hasAmp = true
			}
			out = append(out, c)
			i++
			continue
		}
		if bytes.HasPrefix(b[i:], []byte("<!--")) {
			k := bytes.Index(b[i+4:], []byte("-->"))
			if k < 0 {
				break
			}
			i += 4 + k + 3
			continue
		}
		// Tag name: optional "/", then letters and digits.
		j := i + 1
		closing := false
		if j < len(b) && b[j] == '/' {
			closing = true
			j++
		}
		ns := j
		for j < len(b) && j-ns < 16 && isAlnum(b[j]) {
			j++
		}
		if j == ns && !(j < len(b) && (b[j] == '!' || b[j] == '?')) {
			out = append(out, '<') // not a tag
			i++
			continue
		}
		var nb [16]byte
		name := nb[:0]
		for _, x := range b[ns:j] {
			name = append(name, lower(x))
		}
		end := tagEnd(b, j)
		if end < 0 {
			break
		}
		i = end
		switch string(name) {
		case "script", "style", "title":
			if closing {
				continue
			}
			// Skip to the matching end tag.
			k := indexFoldCloseTag(b[i:], name)
			if k < 0 {
				i = len(b)
				continue
			}
			i += k
		case "br", "p", "div", "tr", "li", "table", "blockquote", "pre",
			"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dt", "dd", "center":
			out = append(out, '\n')
		case "hr":
			out = append(out, "\n________________________________\n"...)
		case "td", "th":
			out = append(out, ' ')
		}
	}
	if hasAmp {
		return []byte(html.UnescapeString(string(out)))
	}
	return out
}

// tagEnd returns the offset after the ">" that closes a tag whose name
// ends at j, skipping quoted attribute values; -1 if there is none.
func tagEnd(b []byte, j int) int {
	var quote byte
	for ; j < len(b); j++ {
		c := b[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return -1
}

// indexFoldCloseTag returns the offset of "</name" in b, ignoring case.
func indexFoldCloseTag(b, name []byte) int {
	for off := 0; ; {
		k := bytes.Index(b[off:], []byte("</"))
		if k < 0 {
			return -1
		}
		k += off
		rest := b[k+2:]
		if len(rest) >= len(name) {
			ok := true
			for x := range name {
				if lower(rest[x]) != name[x] {
					ok = false
					break
				}
			}
			if ok {
				return k
			}
		}
		off = k + 2
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
