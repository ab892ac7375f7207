package header

import (
	"bytes"
	"html"
)

// stripHTML turns an HTML body into lines of text, enough to find the
// separators mail clients write: tags are dropped, block-level tags end a
// line (a run of them one line break), <hr> becomes a line of underscores (Outlook writes an <hr> where
// its plain-text form has "________________________________"), the
// content of <script>, <style>, <title> and comments is dropped, source
// line ends are spaces, and character references are decoded with
// html.UnescapeString. It is no HTML parser: a "<" that starts no tag is
// kept, an unterminated tag ends the text.
func stripHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	hasAmp := false
	for i := 0; i < len(b); {
		if b[i] != '<' {
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				k = len(b) - i
			}
			start := len(out)
			out = append(out, b[i:i+k]...)
			for x, c := range out[start:] {
				switch c {
				case '\r', '\n', '\t':
					out[start+x] = ' '
				case '&':
					hasAmp = true
				}
			}
			i += k
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
		if j < len(b) && asciiAlnum(b[j]) && b[j] > '9' { // a name starts with a letter
			for j < len(b) && j-ns < 16 && asciiAlnum(b[j]) {
				j++
			}
		}
		if j == ns && !(j < len(b) && (b[j] == '!' || b[j] == '?')) {
			out = append(out, '<') // not a tag
			i++
			continue
		}
		var nb [16]byte
		name := nb[:0]
		for _, x := range b[ns:j] {
			name = append(name, asciiLower(x))
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
			out = newline(out)
		case "hr":
			out = append(newline(out), "________________________________\n"...)
		case "td", "th":
			out = append(out, ' ')
		}
	}
	if hasAmp {
		return []byte(html.UnescapeString(string(out)))
	}
	return out
}

// newline ends the current line of out, dropping trailing blanks; it
// writes no empty line: a run of block tags is one line break.
func newline(out []byte) []byte {
	for len(out) > 0 && (out[len(out)-1] == ' ' || out[len(out)-1] == '\t') {
		out = out[:len(out)-1]
	}
	if len(out) == 0 || out[len(out)-1] == '\n' {
		return out
	}
	return append(out, '\n')
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
				if asciiLower(rest[x]) != name[x] {
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

func asciiAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
