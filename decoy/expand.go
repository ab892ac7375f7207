package decoy

import (
	"math/rand/v2"
	"net/url"
	"path"
	"strings"
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Link markers inside expanded text: linkOpen URL linkMid anchor linkEnd.
// Renderers turn them into a bare URL (text) or an <a> element (HTML).
const (
	linkOpen = '\x01'
	linkMid  = '\x02'
	linkEnd  = '\x03'
)

// Template syntax (see doc.go):
//
//	text    = *( literal / group )
//	group   = "{" alt *( "|" alt ) "}"   ; one alternative, chosen uniformly
//	group   =/ "{" name "}"              ; a variable, else a phrase pool
//	alt     = text                       ; may be empty, may nest groups
//
// A name is letters, digits and '_'. Pools are expanded recursively.

// expand appends the expansion of t to b.
func (c *composer) expand(b *strings.Builder, t string) {
	for len(t) > 0 {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return
		}
		b.WriteString(t[:i])
		end := matchBrace(t, i)
		inner := t[i+1 : end]
		t = t[end+1:]
		if isName(inner) {
			c.lookup(b, inner)
			continue
		}
		c.expand(b, chooseAlt(c.r, inner))
	}
}

// expandString is expand into a fresh string.
func (c *composer) expandString(t string) string {
	var b strings.Builder
	b.Grow(len(t) + len(t)/2)
	c.expand(&b, t)
	return tidy(b.String())
}

// matchBrace returns the index of the '}' closing the '{' at i, or the
// last index when unbalanced (templates are checked by tests).
func matchBrace(t string, i int) int {
	depth := 0
	for j := i; j < len(t); j++ {
		switch t[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(t) - 1
}

// chooseAlt returns one top-level alternative of inner.
func chooseAlt(r *rand.Rand, inner string) string {
	n, depth := 1, 0
	for j := 0; j < len(inner); j++ {
		switch inner[j] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				n++
			}
		}
	}
	k := r.IntN(n)
	start := 0
	depth = 0
	for j := 0; j < len(inner); j++ {
		switch inner[j] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				if k == 0 {
					return inner[start:j]
				}
				k--
				start = j + 1
			}
		}
	}
	return inner[start:]
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// linkDocName is the document a link's path names (its last segment when
// that has an extension), or "".
func linkDocName(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	seg := path.Base(u.Path)
	if i := strings.LastIndexByte(seg, '.'); i <= 0 || i == len(seg)-1 || strings.ContainsAny(seg, "{}") {
		return ""
	}
	return seg
}

// lookup writes a variable or expands a pool.
func (c *composer) lookup(b *strings.Builder, name string) {
	if name == "link" {
		url := c.crumbs.Links[c.curLink%len(c.crumbs.Links)]
		b.WriteByte(linkOpen)
		b.WriteString(url)
		b.WriteByte(linkMid)
		if c.anchor != "" {
			anchor := c.anchor
			// A link shown as a file name shows the file it opens.
			if doc := linkDocName(url); doc != "" && strings.Contains(anchor, "{file}") {
				anchor = strings.ReplaceAll(anchor, "{file}", doc)
			}
			c.expand(b, anchor)
		} else {
			b.WriteString(url)
		}
		b.WriteByte(linkEnd)
		return
	}
	if v, ok := c.vars[name]; ok {
		if b.Len() == 0 && crumbVars[name] {
			b.WriteByte(noCap) // a breadcrumb opens the text: keep its case
		}
		b.WriteString(v)
		return
	}
	if v, ok := c.lazyVar(name); ok {
		b.WriteString(v)
		return
	}
	if p, ok := c.theme.pools[name]; ok {
		c.expand(b, pick(c.r, p))
		return
	}
	if p, ok := pools[name]; ok {
		c.expand(b, pick(c.r, p))
		return
	}
	b.WriteString(name) // unreachable for checked templates
}

// crumbVars are the variables holding breadcrumbs, which tidy must never
// alter.
var crumbVars = map[string]bool{"host": true, "user": true, "pass": true, "service": true, "canary": true, "servicename": true, "vpnhost": true}

const noCap = '\x04'

// tidy collapses the double spaces and stray spaces before punctuation
// that empty alternatives leave, and capitalises the first letter.
// tidyAlready reports, in one pass, whether tidy would leave s as it is:
// no leading space, no lower-case first letter, and no space followed by a
// space or by , . ! ?
func tidyAlready(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] >= 'a' && s[0] <= 'z' {
		return false
	}
	for i := strings.IndexByte(s, ' '); i >= 0 && i+1 < len(s); {
		switch s[i+1] {
		case ' ', ',', '.', '!', '?':
			return false
		}
		j := strings.IndexByte(s[i+1:], ' ')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

func tidy(s string) string {
	if len(s) > 0 && s[0] == noCap {
		s = s[1:]
		t := tidy("\x05" + s)
		return t[1:]
	}
	if tidyAlready(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' {
			if len(b) == 0 || b[len(b)-1] == ' ' || b[len(b)-1] == '\n' {
				continue
			}
			if i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '!' || s[i+1] == '?' || s[i+1] == '.' && (i+2 >= len(s) || s[i+2] == ' ')) {
				continue
			}
		}
		b = append(b, ch)
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}
