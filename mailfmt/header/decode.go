package header

import (
	"mime"
	"strings"
)

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// DecodeWord decodes the RFC 2047 encoded words in a header value for
// display and matching:
//
//	encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="
//	encoding     = "B" / "Q"                          ; case-insensitive
//
// Whitespace between two adjacent encoded words is dropped (RFC 2047
// section 6.2). Supported charsets: UTF-8, US-ASCII, ISO 8859-1, -2, -9,
// -15 and windows-1250, -1252, -1254 under their common aliases. A word
// in another charset, or one whose encoding is broken, is left exactly as
// it was; DecodeWord never fails.
func DecodeWord(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevWord := false // the last thing written was a decoded word
	for {
		i := strings.Index(s, "=?")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		pre := s[:i]
		n := encodedWordLen(s[i:])
		if n == 0 {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			prevWord = false
			continue
		}
		word := s[i : i+n]
		dec, err := wordDecoder.Decode(word)
		if err != nil {
			b.WriteString(pre)
			b.WriteString(word)
			prevWord = false
		} else {
			if !prevWord || strings.Trim(pre, " \t\r\n") != "" {
				b.WriteString(pre)
			}
			b.WriteString(dec)
			prevWord = true
		}
		s = s[i+n:]
	}
}

// encodedWordLen returns the length of the encoded word at the start of s
// ("=?cs?E?text?="), or 0 when s does not start with one. It checks only
// the shape; mime.WordDecoder checks the content.
func encodedWordLen(s string) int {
	// charset: up to the next '?', no whitespace
	q1 := strings.IndexByte(s[2:], '?')
	if q1 <= 0 {
		return 0
	}
	q1 += 2
	if strings.ContainsAny(s[2:q1], " \t\r\n=") {
		return 0
	}
	// encoding: one letter, then '?'
	if len(s) < q1+3 || s[q1+2] != '?' {
		return 0
	}
	switch s[q1+1] {
	case 'B', 'b', 'Q', 'q':
	default:
		return 0
	}
	// encoded-text: up to "?=", no whitespace
	textStart := q1 + 3
	end := strings.Index(s[textStart:], "?=")
	if end < 0 {
		return 0
	}
	if strings.ContainsAny(s[textStart:textStart+end], " \t\r\n?") {
		return 0
	}
	return textStart + end + 2
}
