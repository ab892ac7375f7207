package header

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Single-byte charsets seen in the subjects of European (notably Turkish
// and Central European) mail. A table maps bytes 0x80-0xFF to runes; bytes
// below 0x80 are ASCII in every one of them. Where a charset leaves a
// byte undefined the table holds U+FFFD. The ISO 8859 tables map
// 0x80-0x9F to the C1 controls, as ISO 8859 does.
type sbcs [128]rune

// latin1Based builds a table that equals ISO 8859-1 except for diffs.
func latin1Based(c1 *[32]rune, diffs map[byte]rune) *sbcs {
	var t sbcs
	for i := range t {
		t[i] = rune(0x80 + i)
	}
	if c1 != nil {
		copy(t[:32], c1[:])
	}
	for b, r := range diffs {
		t[b-0x80] = r
	}
	return &t
}

// cp1252C1 is windows-1252 at 0x80-0x9F (Microsoft's cp1252 mapping).
var cp1252C1 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

// turkish are the six letters ISO 8859-9 (and windows-1254) put where
// ISO 8859-1 has Icelandic ones.
var turkish = map[byte]rune{
	0xD0: 'Ğ', 0xDD: 'İ', 0xDE: 'Ş', 0xF0: 'ğ', 0xFD: 'ı', 0xFE: 'ş',
}

// iso88592High is ISO 8859-2 at 0xA0-0xFF.
var iso88592High = [96]rune{
	0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7,
	0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
	0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7,
	0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C,
	0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
	0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
	0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,
	0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
	0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,
	0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
	0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
	0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
}

// cp1250C1 is windows-1250 at 0x80-0x9F.
var cp1250C1 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0xFFFD, 0x201E, 0x2026, 0x2020, 0x2021,
	0xFFFD, 0x2030, 0x0160, 0x2039, 0x015A, 0x0164, 0x017D, 0x0179,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0xFFFD, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A,
}

// cp1250Diffs is where windows-1250 differs from ISO 8859-2 at 0xA0-0xBF
// (0xC0-0xFF are the same).
var cp1250Diffs = map[byte]rune{
	0xA1: 0x02C7, 0xA5: 0x0104, 0xA6: 0x00A6, 0xA9: 0x00A9, 0xAB: 0x00AB,
	0xAC: 0x00AC, 0xAE: 0x00AE, 0xB1: 0x00B1, 0xB5: 0x00B5, 0xB6: 0x00B6,
	0xB7: 0x00B7, 0xB9: 0x0105, 0xBB: 0x00BB, 0xBC: 0x013D, 0xBE: 0x013E,
}

func iso88592Based(c1 *[32]rune, diffs map[byte]rune) *sbcs {
	t := latin1Based(c1, nil)
	copy(t[0x20:], iso88592High[:])
	for b, r := range diffs {
		t[b-0x80] = r
	}
	return t
}

var (
	tabCP1252   = latin1Based(&cp1252C1, nil)
	tabISO15    = latin1Based(nil, map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'})
	tabISO9     = latin1Based(nil, turkish)
	tabCP1254   = cp1254()
	tabISO2     = iso88592Based(nil, nil)
	tabCP1250   = iso88592Based(&cp1250C1, cp1250Diffs)
	tabLatin1   = latin1Based(nil, nil)
	errCharset  = errors.New("unsupported charset")
	charsetTabs = map[string]*sbcs{
		"iso88591": tabLatin1, "latin1": tabLatin1, "l1": tabLatin1, "iso885911987": tabLatin1,
		"windows1252": tabCP1252, "cp1252": tabCP1252, "xcp1252": tabCP1252,
		"iso885915": tabISO15, "latin9": tabISO15, "latin0": tabISO15,
		"iso88599": tabISO9, "latin5": tabISO9, "l5": tabISO9,
		"windows1254": tabCP1254, "cp1254": tabCP1254, "xcp1254": tabCP1254,
		"iso88592": tabISO2, "latin2": tabISO2, "l2": tabISO2,
		"windows1250": tabCP1250, "cp1250": tabCP1250, "xcp1250": tabCP1250,
	}
)

// cp1254 is windows-1252 with the Turkish letters, and 0x8E/0x9E (Ž, ž
// in windows-1252) undefined.
func cp1254() *sbcs {
	t := latin1Based(&cp1252C1, turkish)
	t[0x8E-0x80], t[0x9E-0x80] = 0xFFFD, 0xFFFD
	return t
}

// normCharset lower-cases a charset name, drops an RFC 2231 language
// suffix ("utf-8*en") and the punctuation that varies between spellings
// ("ISO_8859-9" and "iso8859-9" are both "iso88599").
func normCharset(name string) string {
	if i := strings.IndexByte(name, '*'); i >= 0 {
		name = name[:i]
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c == '-' || c == '_' || c == ' ' || c == ':' || c == '.':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// charsetReader is the mime.WordDecoder CharsetReader: it converts
// content in a supported charset to UTF-8 and refuses the others, which
// leaves those encoded words undecoded.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	name := normCharset(charset)
	switch name {
	case "utf8", "usascii", "ascii", "ansix341968", "us":
		// Encoded words are short; ASCII is a subset of UTF-8 and a
		// stray 8-bit byte is repaired below like any invalid UTF-8.
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(strings.ToValidUTF8(string(b), "\uFFFD")), nil
	}
	t := charsetTabs[name]
	if t == nil {
		return nil, errCharset
	}
	b, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(t.decode(b)), nil
}

func (t *sbcs) decode(b []byte) string {
	out := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		if c < 0x80 {
			out = append(out, c)
			continue
		}
		out = utf8.AppendRune(out, t[c-0x80])
	}
	return string(out)
}

// ToUTF8 converts text in a charset this package knows to UTF-8: UTF-8 and
// US-ASCII are returned as they are (invalid sequences kept), the
// single-byte charsets of charsetTabs are converted. ISO-8859-1 and its
// aliases are read as windows-1252, as the WHATWG Encoding Standard and
// every browser do, because mail labelled Latin-1 is so often windows-1252
// (curly quotes, the euro sign in 0x80-0x9F); DecodeWord keeps the strict
// table. known is false for a charset it does not know, and b is returned.
func ToUTF8(b []byte, charset string) (out []byte, known bool) {
	if isASCII(b) {
		return b, true
	}
	name := normCharset(strings.Trim(strings.TrimSpace(charset), `"'`))
	switch name {
	case "", "utf8", "usascii", "ascii", "ansix341968", "us", "unicode11utf8":
		return b, true
	case "iso88591", "latin1", "l1", "iso885911987", "cp819", "ibm819", "isoir100", "csisolatin1":
		name = "windows1252"
	}
	t := charsetTabs[name]
	if t == nil {
		return b, false
	}
	out = make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		if c < 0x80 {
			out = append(out, c)
			continue
		}
		out = utf8.AppendRune(out, t[c-0x80])
	}
	return out, true
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
