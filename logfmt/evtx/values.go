package evtx

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Value types (MS-EVEN6 §2.2.11 / libyal "value types"). An array of a type
// has the 0x80 bit set.
const (
	tNull       = 0x00
	tWString    = 0x01 // UTF-16LE
	tString     = 0x02 // ANSI (decoded as Latin-1)
	tInt8       = 0x03
	tUint8      = 0x04
	tInt16      = 0x05
	tUint16     = 0x06
	tInt32      = 0x07
	tUint32     = 0x08
	tInt64      = 0x09
	tUint64     = 0x0a
	tFloat32    = 0x0b
	tFloat64    = 0x0c
	tBool       = 0x0d // 32-bit
	tBinary     = 0x0e
	tGUID       = 0x0f
	tSizeT      = 0x10 // 4 or 8 bytes
	tFileTime   = 0x11
	tSysTime    = 0x12
	tSID        = 0x13
	tHex32      = 0x14
	tHex64      = 0x15
	tBinXML     = 0x21
	tArray      = 0x80
	tWStringArr = tArray | tWString
)

// fixedSize is the size of a fixed-size type, 0 for variable ones.
func fixedSize(typ uint8) int {
	switch typ {
	case tInt8, tUint8:
		return 1
	case tInt16, tUint16:
		return 2
	case tInt32, tUint32, tFloat32, tBool, tHex32:
		return 4
	case tInt64, tUint64, tFloat64, tFileTime, tHex64, tSizeT:
		return 8
	case tGUID, tSysTime:
		return 16
	}
	return 0
}

func (c *chunkCtx) bytes(v *value) []byte { return c.b[v.off : v.off+v.size] }

// appendValueXML renders a value the way python-evtx's Views do (escaped with
// escape_value), except timestamps, which are RFC 3339 instants in UTC.
func (c *chunkCtx) appendValueXML(dst []byte, v *value, attr bool) []byte {
	b := c.bytes(v)
	switch v.typ {
	case tNull:
		return dst
	case tWString:
		return appendEscUTF16(dst, trimUTF16NUL(b), attr)
	case tString:
		return appendEscLatin1(dst, trimNUL(b), attr)
	case tBinXML:
		if v.frag != nil {
			return c.appendFrag(dst, v.frag)
		}
		return dst
	case tBinary:
		return base64.StdEncoding.AppendEncode(dst, b)
	case tWStringArr:
		return appendWStringArray(dst, b, attr)
	}
	if v.typ&tArray != 0 {
		return c.appendArrayXML(dst, v, attr)
	}
	return appendScalar(dst, v.typ, b, true)
}

// appendScalar formats a fixed-size (or SID) value; py selects python-evtx's
// forms (GUID lower case, hex zero-padded, size_t decimal) over Windows' ones.
func appendScalar(dst []byte, typ uint8, b []byte, py bool) []byte {
	switch typ {
	case tInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case tUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case tInt16:
		return strconv.AppendInt(dst, int64(int16(le.Uint16(b))), 10)
	case tUint16:
		return strconv.AppendUint(dst, uint64(le.Uint16(b)), 10)
	case tInt32:
		return strconv.AppendInt(dst, int64(int32(le.Uint32(b))), 10)
	case tUint32:
		return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
	case tInt64:
		return strconv.AppendInt(dst, int64(le.Uint64(b)), 10)
	case tUint64:
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case tFloat32:
		return appendPyFloat(dst, float64(math.Float32frombits(le.Uint32(b))))
	case tFloat64:
		return appendPyFloat(dst, math.Float64frombits(le.Uint64(b)))
	case tBool:
		if int32(le.Uint32(b)) > 0 {
			return append(dst, "True"...)
		}
		return append(dst, "False"...)
	case tGUID:
		return appendGUID(dst, b, py)
	case tSizeT:
		var n uint64
		if len(b) == 4 {
			n = uint64(le.Uint32(b))
		} else {
			var q [8]byte
			copy(q[:], b)
			n = le.Uint64(q[:])
		}
		if py {
			return strconv.AppendUint(dst, n, 10)
		}
		return strconv.AppendUint(append(dst, "0x"...), n, 16)
	case tFileTime:
		return appendTime(dst, filetime(le.Uint64(b)), 7)
	case tSysTime:
		t, ok := systemtime(b)
		if !ok {
			return dst
		}
		return appendTime(dst, t, 3)
	case tSID:
		return appendSID(dst, b)
	case tHex32:
		if py {
			return appendHexPadded(dst, uint64(le.Uint32(b)), 8)
		}
		return strconv.AppendUint(append(dst, "0x"...), uint64(le.Uint32(b)), 16)
	case tHex64:
		if py {
			return appendHexPadded(dst, le.Uint64(b), 16)
		}
		return strconv.AppendUint(append(dst, "0x"...), le.Uint64(b), 16)
	}
	// Unknown type: its bytes in base64, like binary.
	return base64.StdEncoding.AppendEncode(dst, b)
}

// appendArrayXML renders an array other than of UTF-16 strings (python-evtx
// cannot): each element as python-evtx renders an element of a string array.
func (c *chunkCtx) appendArrayXML(dst []byte, v *value, attr bool) []byte {
	b := c.bytes(v)
	typ := v.typ &^ tArray
	if typ == tString {
		for _, s := range strings.Split(string(trimNUL(b)), "\x00") {
			dst = append(dst, "&lt;string&gt;"...)
			dst = appendEscLatin1(dst, []byte(s), attr)
			dst = append(dst, "&lt;/string&gt;\n"...)
		}
		return dst
	}
	n := fixedSize(typ)
	if n == 0 {
		return base64.StdEncoding.AppendEncode(dst, b)
	}
	for i := 0; i+n <= len(b); i += n {
		dst = append(dst, "&lt;string&gt;"...)
		dst = appendScalar(dst, typ, b[i:i+n], true)
		dst = append(dst, "&lt;/string&gt;\n"...)
	}
	return dst
}

// appendWStringArray follows python-evtx's WstringArrayTypeNode.string()
// byte for byte (a regular expression over the raw bytes) and escapes the
// result.
func appendWStringArray(dst []byte, b []byte, attr bool) []byte {
	for len(b) > 0 {
		// re.search(b"((?:[^\x00].)+)", b): '.' is any byte but '\n'.
		start := -1
		for i := 0; i+1 < len(b); i++ {
			if b[i] != 0 && b[i+1] != '\n' {
				start = i
				break
			}
		}
		if start >= 0 {
			j := start
			for j+1 < len(b) && b[j] != 0 && b[j+1] != '\n' {
				j += 2
			}
			frag := b[start:j]
			dst = append(dst, "&lt;string&gt;"...)
			dst = appendEscUTF16(dst, frag, attr)
			dst = append(dst, "&lt;/string&gt;\n"...)
			// python slices from the start, not from the match.
			skip := len(frag) + 2
			if skip >= len(b) {
				return dst
			}
			b = b[skip:]
		}
		z := 0
		for z < len(b) && b[z] == 0 {
			z++
		}
		if z%2 != 0 {
			return dst // python raises here
		}
		for k := 0; k < z/2; k++ {
			dst = append(dst, "&lt;string&gt;&lt;/string&gt;\n"...)
		}
		b = b[z:]
		if start < 0 && z == 0 {
			return dst // python loops forever on such input
		}
	}
	return dst
}

func trimUTF16NUL(b []byte) []byte {
	b = b[:len(b)&^1]
	for len(b) >= 2 && b[len(b)-1] == 0 && b[len(b)-2] == 0 {
		b = b[:len(b)-2]
	}
	return b
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// escTable: 0 copy, 1 drop (python-evtx's RESTRICTED_CHARS), 2 escape.
var escTable = func() (t [128]uint8) {
	for c := 0x01; c <= 0x08; c++ {
		t[c] = 1
	}
	t[0x0b], t[0x0c] = 1, 1
	for c := 0x0e; c <= 0x1f; c++ {
		t[c] = 1
	}
	t[0x7f] = 1
	t['&'], t['<'], t['>'] = 2, 2, 2
	return
}()

func appendEscASCII(dst []byte, c byte, attr bool) []byte {
	switch escTable[c] {
	case 0:
		if c == '"' && attr {
			return append(dst, "&quot;"...)
		}
		return append(dst, c)
	case 1:
		return dst
	}
	switch c {
	case '&':
		return append(dst, "&amp;"...)
	case '<':
		return append(dst, "&lt;"...)
	default:
		return append(dst, "&gt;"...)
	}
}

func appendCharRef(dst []byte, r rune) []byte {
	dst = append(dst, "&#"...)
	dst = strconv.AppendInt(dst, int64(r), 10)
	return append(dst, ';')
}

// appendEscUTF16 escapes UTF-16LE text as python-evtx's escape_value does:
// &, <, > as entities, non-ASCII as decimal character references, C0
// controls other than tab, LF, CR (and DEL) dropped. A byte-order mark at
// the start is dropped (python's "utf16" codec consumes it); an unpaired
// surrogate becomes U+FFFD (python raises).
func appendEscUTF16(dst []byte, b []byte, attr bool) []byte {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe {
		b = b[2:]
	}
	copyAs := &copyText
	if attr {
		copyAs = &copyAttr
	}
	dst = slices.Grow(dst, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		lo, hi := b[i], b[i+1]
		if hi == 0 && copyAs[lo] {
			dst = append(dst, lo)
			continue
		}
		u := uint16(lo) | uint16(hi)<<8
		if u < 0x80 {
			dst = appendEscASCII(dst, byte(u), attr)
			continue
		}
		r := rune(u)
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			if u < 0xdc00 && i+3 < len(b) {
				u2 := uint16(b[i+2]) | uint16(b[i+3])<<8
				if d := utf16.DecodeRune(rune(u), rune(u2)); d != utf8.RuneError {
					r = d
					i += 2
				}
			}
		}
		dst = appendCharRef(dst, r)
	}
	return dst
}

// copyText and copyAttr mark the ASCII characters copied as they are in
// text and in attribute values.
var copyText, copyAttr = func() (t, a [256]bool) {
	for c := range 0x80 {
		t[c] = escTable[c] == 0
		a[c] = t[c] && c != '"'
	}
	return
}()

func appendEscLatin1(dst []byte, b []byte, attr bool) []byte {
	for _, c := range b {
		if c < 0x80 {
			dst = appendEscASCII(dst, c, attr)
		} else {
			dst = appendCharRef(dst, rune(c))
		}
	}
	return dst
}

func appendEscString(dst []byte, s string, attr bool) []byte {
	for _, r := range s {
		if r < 0x80 {
			dst = appendEscASCII(dst, byte(r), attr)
		} else {
			dst = appendCharRef(dst, r)
		}
	}
	return dst
}

const hexdigits = "0123456789abcdef"

func appendHexPadded(dst []byte, n uint64, digits int) []byte {
	dst = append(dst, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		dst = append(dst, hexdigits[(n>>(4*uint(i)))&0xf])
	}
	return dst
}

// appendGUID renders a GUID as {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx},
// lower case for python-evtx, upper case as Windows does.
func appendGUID(dst []byte, b []byte, lower bool) []byte {
	order := [16]int{3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11}
	digits := hexdigits
	if !lower {
		digits = "0123456789ABCDEF"
	}
	dst = append(dst, '{')
	for _, i := range order {
		if i < 0 {
			dst = append(dst, '-')
			continue
		}
		dst = append(dst, digits[b[i]>>4], digits[b[i]&0xf])
	}
	for i := 12; i < 16; i++ {
		dst = append(dst, digits[b[i]>>4], digits[b[i]&0xf])
	}
	return append(dst, '}')
}

// appendSID renders a SID: S-revision-authority(48-bit big endian)-subauthorities.
func appendSID(dst []byte, b []byte) []byte {
	if len(b) < 8 {
		return dst
	}
	n := int(b[1])
	auth := uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	dst = append(dst, 'S', '-')
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, auth, 10)
	for i := 0; i < n && 8+4*i+4 <= len(b); i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(le.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// appendPyFloat formats like Python's repr(float).
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // -d.ddde±dd
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	ei := 0
	for ei < len(e) && e[ei] != 'e' {
		ei++
	}
	mant := e[:ei]
	exp, _ := strconv.Atoi(string(e[ei+1:]))
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	if neg {
		dst = append(dst, '-')
	}
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	// exp >= 0: integer part has exp+1 digits
	for i := 0; i <= exp; i++ {
		if i < len(digits) {
			dst = append(dst, digits[i])
		} else {
			dst = append(dst, '0')
		}
	}
	dst = append(dst, '.')
	if exp+1 < len(digits) {
		return append(dst, digits[exp+1:]...)
	}
	return append(dst, '0')
}

// systemtime decodes a SYSTEMTIME (year, month, weekday, day, hour, minute,
// second, milliseconds; 16-bit each).
func systemtime(b []byte) (time.Time, bool) {
	if len(b) < 16 {
		return time.Time{}, false
	}
	f := func(i int) int { return int(le.Uint16(b[2*i:])) }
	y, mo, d, h, mi, s, ms := f(0), f(1), f(3), f(4), f(5), f(6), f(7)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || ms > 999 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ms*1e6, time.UTC), true
}

// appendTime writes t as YYYY-MM-DDTHH:MM:SS.fffffffZ with frac digits.
func appendTime(dst []byte, t time.Time, frac int) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	ns := t.Nanosecond()
	if frac > 0 {
		dst = append(dst, '.')
		div := 100_000_000
		for i := 0; i < frac; i++ {
			dst = append(dst, byte('0'+ns/div%10))
			div /= 10
		}
	}
	return append(dst, 'Z')
}

// fieldValue converts a value of the chunk (see fieldValue).
func (c *chunkCtx) fieldValue(v *value) (any, bool) {
	if v.frag != nil {
		return nil, false
	}
	return fieldValue(v.typ, c.bytes(v), nil)
}

// fieldValue converts a value of type typ stored in b to the typed form
// Fields uses: integers as int64 (uint64 above MaxInt64), floats as float64,
// bool, time.Time, and strings rendered as Windows renders them (GUID upper
// case in braces, hex32/hex64/size_t as 0x…, binary as upper-case hex).
// Strings are stored in sl when it is not nil.
func fieldValue(typ uint8, b []byte, sl *slab) (any, bool) {
	switch typ {
	case tNull:
		return nil, false
	case tWString:
		b = trimUTF16NUL(b)
		if sl == nil {
			return decodeUTF16(b), true
		}
		start := sl.room(3 * (len(b) / 2))
		sl.b = appendUTF16(sl.b, b)
		return sl.string(start), true
	case tString:
		if sl == nil {
			return latin1(trimNUL(b)), true
		}
		start := sl.room(2 * len(b))
		for _, c := range trimNUL(b) {
			sl.b = utf8.AppendRune(sl.b, rune(c))
		}
		return sl.string(start), true
	case tInt8:
		return int64(int8(b[0])), true
	case tUint8:
		return int64(b[0]), true
	case tInt16:
		return int64(int16(le.Uint16(b))), true
	case tUint16:
		return int64(le.Uint16(b)), true
	case tInt32:
		return int64(int32(le.Uint32(b))), true
	case tUint32:
		return int64(le.Uint32(b)), true
	case tInt64:
		return int64(le.Uint64(b)), true
	case tUint64:
		if n := le.Uint64(b); n > math.MaxInt64 {
			return n, true
		} else {
			return int64(n), true
		}
	case tFloat32:
		return float64(math.Float32frombits(le.Uint32(b))), true
	case tFloat64:
		return math.Float64frombits(le.Uint64(b)), true
	case tBool:
		return int32(le.Uint32(b)) > 0, true
	case tBinary:
		if sl == nil {
			return upperHex(b), true
		}
		start := sl.room(2 * len(b))
		for _, c := range b {
			sl.b = append(sl.b, upperDigits[c>>4], upperDigits[c&0xf])
		}
		return sl.string(start), true
	case tFileTime:
		return filetime(le.Uint64(b)), true
	case tSysTime:
		t, ok := systemtime(b)
		return t, ok
	case tWStringArr:
		var out []any
		for _, s := range strings.Split(decodeUTF16(trimUTF16NUL(b)), "\x00") {
			out = append(out, s)
		}
		return out, true
	case tBinXML:
		return nil, false
	}
	if typ&tArray != 0 {
		typ := typ &^ tArray
		var out []any
		if typ == tString {
			for _, s := range strings.Split(latin1(trimNUL(b)), "\x00") {
				out = append(out, s)
			}
			return out, true
		}
		n := fixedSize(typ)
		for i := 0; n > 0 && i+n <= len(b); i += n {
			e, _ := fieldValue(typ, b[i:i+n], nil)
			out = append(out, e)
		}
		return out, true
	}
	if sl == nil {
		var buf [80]byte
		return string(appendScalar(buf[:0], typ, b, false)), true
	}
	start := sl.room(80 + 3*len(b))
	sl.b = appendScalar(sl.b, typ, b, false)
	return sl.string(start), true
}

const upperDigits = "0123456789ABCDEF"

// slab holds the characters of the strings Fields makes for one record:
// one allocation for all of them. Bytes are only ever appended, never
// changed, so the strings made from them stay valid (a slab that fills up
// is replaced, and the strings keep the old one alive).
type slab struct{ b []byte }

// room makes room for n more bytes and returns where the next string starts.
func (s *slab) room(n int) int {
	if cap(s.b)-len(s.b) < n {
		s.b = make([]byte, 0, max(2048, n))
	}
	return len(s.b)
}

// string returns the bytes appended since start as a string.
func (s *slab) string(start int) string {
	if len(s.b) == start {
		return ""
	}
	return unsafe.String(&s.b[start], len(s.b)-start)
}

func upperHex(b []byte) string {
	const digits = upperDigits
	var buf [128]byte
	out := buf[:0]
	if 2*len(b) > len(buf) {
		out = make([]byte, 0, 2*len(b))
	}
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0xf])
	}
	return string(out)
}

func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
