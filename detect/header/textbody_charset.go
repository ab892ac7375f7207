package header

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// Charset conversion for the single-byte charsets common in European mail.
// Sources: the WHATWG Encoding Standard index tables for windows-1252 and
// ISO-8859-15 (https://encoding.spec.whatwg.org/), which also maps the
// labels "iso-8859-1", "latin1", "l1", "cp819"... to windows-1252.

type charsetKind uint8

const (
	csUTF8    charsetKind = iota // utf-8, us-ascii and no label
	csCP1252                     // windows-1252 and its ISO-8859-1 aliases
	csLatin9                     // iso-8859-15
	csUnknown                    // anything else
)

// charsetOf classifies a charset label (case-insensitive, quotes removed).
func charsetOf(label string) charsetKind {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "us", "unicode-1-1-utf-8":
		return csUTF8
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1", "l1",
		"cp819", "ibm819", "iso-ir-100", "csisolatin1",
		"windows-1252", "cp1252", "x-cp1252", "win-1252":
		return csCP1252
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin-9", "latin9", "l9", "csisolatin9":
		return csLatin9
	}
	return csUnknown
}

// cp1252High maps bytes 0x80–0x9F of windows-1252 to runes; undefined
// bytes map to the C1 control of the same value, as in the WHATWG index.
var cp1252High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// latin9Rune maps a byte of ISO-8859-15: Latin-1 but for eight code points.
func latin9Rune(c byte) rune {
	switch c {
	case 0xA4:
		return 0x20AC
	case 0xA6:
		return 0x0160
	case 0xA8:
		return 0x0161
	case 0xB4:
		return 0x017D
	case 0xB8:
		return 0x017E
	case 0xBC:
		return 0x0152
	case 0xBD:
		return 0x0153
	case 0xBE:
		return 0x0178
	}
	return rune(c)
}

func cp1252Rune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return cp1252High[c-0x80]
	}
	return rune(c)
}

// toUTF8 converts b from the named charset to UTF-8. ASCII input is
// returned as it is. Invalid UTF-8 in a UTF-8 part is kept: the scanners
// only look for ASCII and well-formed sequences.
func toUTF8(b []byte, charset string) []byte {
	if isASCII(b) {
		return b
	}
	kind := charsetOf(charset)
	switch kind {
	case csUTF8:
		return b
	case csUnknown:
		if utf8.Valid(b) {
			return b
		}
		kind = csCP1252
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		if c < 0x80 {
			out = append(out, c)
			continue
		}
		r := cp1252Rune(c)
		if kind == csLatin9 {
			r = latin9Rune(c)
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// isASCII reports whether b is 7-bit, eight bytes at a time.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
