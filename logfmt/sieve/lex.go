package sieve

import (
	"bytes"
	"fmt"
	"strings"
)

// Token kinds of the Sieve lexer (RFC 5228 section 8.1).
type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_")
	tTag            // tag = ":" identifier
	tNumber         // number = 1*DIGIT [QUANTIFIER]
	tString         // quoted-string or multi-line (text:)
	tPunct          // one of ; , [ ] ( ) { }
)

type token struct {
	kind tokKind
	text string // identifier/tag name (lower-cased), number, decoded string, punctuation
	line int
	off  int64
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of script"
	case tString:
		return fmt.Sprintf("string %q", clip(t.text, 40))
	case tTag:
		return ":" + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

type lexer struct {
	src  []byte
	pos  int
	line int
}

func (l *lexer) errf(line int, format string, a ...any) error {
	return &ParseError{Line: line, Offset: int64(l.pos), Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, a...)...)}
}

// skip passes white space and comments:
//
//	hash-comment    = "#" *octet-not-crlf CRLF
//	bracket-comment = "/*" *not-star 1*STAR *(not-star-slash *not-star 1*STAR) "/"
func (l *lexer) skip() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r':
			l.pos++
		case c == '#':
			i := bytes.IndexByte(l.src[l.pos:], '\n')
			if i < 0 {
				l.pos = len(l.src)
				return nil
			}
			l.pos += i
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '*':
			start := l.line
			i := bytes.Index(l.src[l.pos+2:], []byte("*/"))
			if i < 0 {
				return l.errf(start, "unterminated /* comment")
			}
			l.line += bytes.Count(l.src[l.pos:l.pos+2+i], []byte("\n"))
			l.pos += 2 + i + 2
		default:
			return nil
		}
	}
	return nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	if l.pos >= len(l.src) {
		return token{kind: tEOF, line: l.line, off: int64(l.pos)}, nil
	}
	t := token{line: l.line, off: int64(l.pos)}
	c := l.src[l.pos]
	switch {
	case strings.IndexByte(";,[](){}", c) >= 0:
		l.pos++
		t.kind, t.text = tPunct, string(c)
	case c == ':':
		l.pos++
		name := l.ident()
		if name == "" {
			return t, l.errf(t.line, "':' not followed by a tag name")
		}
		t.kind, t.text = tTag, strings.ToLower(name)
	case isDigit(c):
		start := l.pos
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		if l.pos < len(l.src) && strings.IndexByte("KMGkmg", l.src[l.pos]) >= 0 {
			l.pos++
		}
		t.kind, t.text = tNumber, string(l.src[start:l.pos])
	case c == '"':
		s, err := l.quoted()
		if err != nil {
			return t, err
		}
		t.kind, t.text = tString, s
	case isAlpha(c):
		name := l.ident()
		if strings.EqualFold(name, "text") && l.pos < len(l.src) && l.src[l.pos] == ':' {
			l.pos++
			s, err := l.multiline(t.line)
			if err != nil {
				return t, err
			}
			t.kind, t.text = tString, s
			return t, nil
		}
		t.kind, t.text = tIdent, strings.ToLower(name)
	default:
		return t, l.errf(t.line, "unexpected character %q", c)
	}
	return t, nil
}

func (l *lexer) ident() string {
	start := l.pos
	if l.pos < len(l.src) && isAlpha(l.src[l.pos]) {
		l.pos++
		for l.pos < len(l.src) && (isAlpha(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
	}
	return string(l.src[start:l.pos])
}

// quoted reads a quoted-string: "\" escapes the next character (RFC 5228
// 2.4.2: an undefined escape stands for the character itself); the
// string may span lines.
func (l *lexer) quoted() (string, error) {
	start := l.line
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '"':
			l.pos++
			return b.String(), nil
		case '\\':
			if l.pos+1 < len(l.src) {
				l.pos++
				c = l.src[l.pos]
			}
		}
		if c == '\n' {
			l.line++
		}
		b.WriteByte(c)
		l.pos++
	}
	return "", l.errf(start, "unterminated string")
}

// multiline reads the rest of a "text:" string:
//
//	multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF)
//	             *(multiline-literal / multiline-dotstart) "." CRLF
//
// A line starting with ".." stands for one starting with "." (dot
// stuffing).
func (l *lexer) multiline(start int) (string, error) {
	for l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t') {
		l.pos++
	}
	switch {
	case l.pos < len(l.src) && l.src[l.pos] == '#':
		i := bytes.IndexByte(l.src[l.pos:], '\n')
		if i < 0 {
			return "", l.errf(start, "unterminated text: string")
		}
		l.pos += i
	case l.pos < len(l.src) && l.src[l.pos] == '\r':
		l.pos++
	}
	if l.pos >= len(l.src) || l.src[l.pos] != '\n' {
		return "", l.errf(start, "text: must be followed by the end of the line")
	}
	l.pos++
	l.line++
	var b strings.Builder
	for l.pos < len(l.src) {
		end := bytes.IndexByte(l.src[l.pos:], '\n')
		var line []byte
		if end < 0 {
			line = l.src[l.pos:]
			l.pos = len(l.src)
		} else {
			line = l.src[l.pos : l.pos+end]
			l.pos += end + 1
		}
		l.line++
		line = bytes.TrimSuffix(line, []byte("\r"))
		if string(line) == "." {
			return b.String(), nil
		}
		if bytes.HasPrefix(line, []byte("..")) {
			line = line[1:]
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return "", l.errf(start, "unterminated text: string (no line with a single \".\")")
}
