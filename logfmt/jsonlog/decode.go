package jsonlog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// errFallback makes decodeJSON hand the value to encoding/json, which
// either decodes it (a case the fast decoder leaves alone) or words the
// error.
var errFallback = errors.New("fallback")

// decodeJSON decodes one JSON value (RFC 8259) into the same Go values
// encoding/json's Decoder.UseNumber gives: map[string]any, []any, string,
// json.Number, bool, nil. A direct recursive-descent decoder does this
// about twice as fast as encoding/json, which scans every value twice;
// on any error or unusual input it defers to encoding/json, so results
// and error messages are encoding/json's (FuzzDecode checks they agree).
func decodeJSON(b []byte) (any, error) {
	var d decoder
	return d.decode(b)
}

// decode is decodeJSON reusing d's scratch space (and its interner, when
// it has one) from one value to the next.
func (d *decoder) decode(b []byte) (any, error) {
	d.b, d.i = b, 0
	d.top = d.top[:0]
	v, err := d.value(0)
	d.space()
	ok := err == nil && d.i == len(d.b)
	d.reset()
	d.topOK = ok
	if ok {
		return v, nil
	}
	return decodeStd(b)
}

// decodePrefix decodes the value at the start of b (a '{' or '['),
// which may be followed by anything, with the fast path only: ok is
// false wherever the fast path would defer to encoding/json, where b
// ends first, and where the scanner would object to the value (see
// decoder.stream). On success n is the length of the value.
func (d *decoder) decodePrefix(b []byte, maxDepth int) (v any, n int, ok bool) {
	d.b, d.i = b, 0
	d.top = d.top[:0]
	d.stream, d.maxDepth = true, maxDepth
	v, err := d.value(0)
	n = d.i
	d.reset()
	d.stream = false
	d.topOK = err == nil
	if err != nil {
		return nil, 0, false
	}
	return v, n, true
}

func decodeStd(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytesReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

// decoder is a recursive-descent JSON decoder over b. The zero value
// (with b set) works; a Reader keeps one so that its scratch stacks and
// interner serve every record.
type decoder struct {
	b []byte
	i int
	// in, when set, shares the strings and numbers that repeat from
	// record to record (keys, operation names, users) instead of
	// allocating them again.
	in *interner
	// Scratch, reused: members of the objects and elements of the arrays
	// being decoded (all levels, each level above its parent's), and the
	// text of a string with escapes.
	members []member
	elems   []any
	sbuf    []byte
	// top holds the member names of the last top-level object decoded,
	// in source order (duplicates kept), when topOK (the fast path
	// decoded it).
	top   []string
	topOK bool
	// stream, set by decodePrefix, makes the decoder give up (so that
	// the scanner decides) on what the scanner reports even in valid
	// JSON: nesting deeper than maxDepth, a '{' that starts a line
	// inside a value.
	stream   bool
	maxDepth int
}

// emptyArray is every empty JSON array, boxed once: a slice of no
// elements and no capacity cannot be changed through, so sharing it is
// safe (append makes a new one).
var emptyArray any = []any{}

type member struct {
	k string
	v any
}

// reset empties the scratch stacks (they are empty after a value decoded,
// not after a fallback). Their stale entries are overwritten by the next
// values rather than cleared, which would cost a write barrier each; that
// keeps at most the previous values of a few thousand entries alive, and
// stacks grown larger than that by a huge record are dropped.
func (d *decoder) reset() {
	const keep = 4096
	if cap(d.members) > keep || cap(d.elems) > keep {
		d.members, d.elems = nil, nil
	}
	d.members, d.elems = d.members[:0], d.elems[:0]
	d.b = nil
}

// maxFastDepth bounds the recursion of the fast path; deeper values go to
// encoding/json (and the reader's MaxDepth normally stops them earlier).
const maxFastDepth = 200

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value decodes
//
//	value  = object / array / string / number / "true" / "false" / "null"
//	object = "{" [ member *( "," member ) ] "}"
//	member = string ":" value
//	array  = "[" [ value *( "," value ) ] "]"
//
// with white space around every token. Objects and arrays collect their
// members on the scratch stacks first, so that the map or slice is
// allocated once at its final size.
func (d *decoder) value(depth int) (any, error) { return d.val(depth, nil) }

// val is value for the value of a member named by name (nil: none, or
// an array element). The name is a parameter rather than a field so that
// decoding stores no pointer into the decoder, which would cost a write
// barrier while the collector runs.
func (d *decoder) val(depth int, name *keyEntry) (any, error) {
	if depth > maxFastDepth {
		return nil, errFallback
	}
	d.space()
	if d.i >= len(d.b) {
		return nil, errFallback
	}
	c := d.b[d.i]
	if d.stream && (c == '{' || c == '[') {
		if depth >= d.maxDepth || (c == '{' && depth > 0 && d.b[d.i-1] == '\n') {
			return nil, errFallback
		}
	}
	switch {
	case c == '{':
		d.i++
		d.space()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return make(map[string]any), nil
		}
		if depth > 0 {
			return d.object(depth, name)
		}
		return d.topObject()
	case c == '[':
		d.i++
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return emptyArray, nil
		}
		base := len(d.elems)
		for {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.elems = append(d.elems, v)
			d.space()
			if d.i >= len(d.b) {
				return nil, errFallback
			}
			switch d.b[d.i] {
			case ',':
				d.i++
			case ']':
				d.i++
				es := d.elems[base:]
				a := make([]any, len(es))
				copy(a, es)
				d.elems = d.elems[:base]
				return a, nil
			default:
				return nil, errFallback
			}
		}
	case c == '"':
		s, err := d.strBytes()
		if err != nil {
			return nil, err
		}
		if d.in != nil {
			return d.in.str(s, name), nil
		}
		return string(s), nil
	case c == 't':
		return d.lit("true", true)
	case c == 'f':
		return d.lit("false", false)
	case c == 'n':
		return d.lit("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.num(name)
	}
	return nil, errFallback
}

// topObject decodes a top-level object after its '{'. Its members are
// gathered on the scratch stack first, so that the map is made at its
// final size, with room for the keys a reader derives (m365 adds two or
// three to most records; a map that fits the source's keys in a table of
// half the size still does), and its names are kept in d.top.
func (d *decoder) topObject() (any, error) {
	base := len(d.members)
	for {
		k, kn, err := d.memberName()
		if err != nil {
			return nil, err
		}
		v, err := d.val(1, kn)
		if err != nil {
			return nil, err
		}
		d.members = append(d.members, member{k, v})
		d.space()
		if d.i >= len(d.b) {
			return nil, errFallback
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			ms := d.members[base:]
			m := make(map[string]any, len(ms)+3)
			for _, e := range ms {
				m[e.k] = e.v
			}
			for _, e := range ms {
				d.top = append(d.top, e.k)
			}
			d.members = d.members[:base]
			return m, nil
		default:
			return nil, errFallback
		}
	}
}

// object decodes a nested object after its '{', straight into a map
// sized as the last object under the same member name was (a record's
// nested objects have the same shape from record to record), which
// spares the scratch stack: a small map needs no size, and a large one
// sized wrong only grows.
func (d *decoder) object(depth int, name *keyEntry) (any, error) {
	hint := 0
	if name != nil {
		hint = int(name.size)
	}
	m := make(map[string]any, hint)
	for {
		k, kn, err := d.memberName()
		if err != nil {
			return nil, err
		}
		v, err := d.val(depth+1, kn)
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.space()
		if d.i >= len(d.b) {
			return nil, errFallback
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			if name != nil {
				name.size = uint8(min(len(m), 255))
			}
			return m, nil
		default:
			return nil, errFallback
		}
	}
}

// memberName reads an object member's name and the colon after it: the
// name as a string (interned when the decoder interns) and its entry.
func (d *decoder) memberName() (string, *keyEntry, error) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", nil, errFallback
	}
	s, err := d.strBytes()
	if err != nil {
		return "", nil, err
	}
	var k string
	var kn *keyEntry
	if d.in != nil {
		k, kn = d.in.key(s)
	} else {
		k = string(s)
	}
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != ':' {
		return "", nil, errFallback
	}
	d.i++
	return k, kn, nil
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return nil, errFallback
	}
	d.i += len(word)
	return v, nil
}

// num scans number = [ "-" ] int [ frac ] [ exp ].
func (d *decoder) num(name *keyEntry) (any, error) {
	s := d.i
	i := d.i
	if i < len(d.b) && d.b[i] == '-' {
		i++
	}
	if i >= len(d.b) {
		return nil, errFallback
	}
	if d.b[i] == '0' {
		i++
	} else if d.b[i] >= '1' && d.b[i] <= '9' {
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
	} else {
		return nil, errFallback
	}
	if i < len(d.b) && d.b[i] == '.' {
		i++
		j := i
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
		if i == j {
			return nil, errFallback
		}
	}
	if i < len(d.b) && (d.b[i] == 'e' || d.b[i] == 'E') {
		i++
		if i < len(d.b) && (d.b[i] == '+' || d.b[i] == '-') {
			i++
		}
		j := i
		for i < len(d.b) && d.b[i] >= '0' && d.b[i] <= '9' {
			i++
		}
		if i == j {
			return nil, errFallback
		}
	}
	d.i = i
	if d.in != nil {
		return d.in.num(d.b[s:i], name), nil
	}
	return json.Number(d.b[s:i]), nil
}

// strBytes decodes a string at d.b[d.i] == '"' as encoding/json does:
// escapes resolved, invalid UTF-8 and lone surrogates replaced by
// U+FFFD. The bytes returned are d.b's own when the string needs no
// change, else d.sbuf's; either way they are valid only until the next
// call.
func (d *decoder) strBytes() ([]byte, error) {
	i := d.i + 1
	// Fast path: no escapes, no control characters, valid UTF-8. Plain
	// ASCII is skipped eight bytes at a time.
	j := plainASCII(d.b, i)
	ascii := true
	for j < len(d.b) {
		c := d.b[j]
		if c == '"' {
			s := d.b[i:j]
			if ascii || utf8.Valid(s) {
				d.i = j + 1
				return s, nil
			}
			j = i // redo it byte by byte, replacing what is invalid
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		j++
	}
	if !ascii && !utf8.Valid(d.b[i:j]) {
		j = i
	}
	buf := append(d.sbuf[:0], d.b[i:j]...)
	for j < len(d.b) {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			d.sbuf = buf
			return buf, nil
		case c < 0x20:
			return nil, errFallback
		case c == '\\':
			if j+1 >= len(d.b) {
				return nil, errFallback
			}
			e := d.b[j+1]
			j += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.b, j)
				if !ok {
					return nil, errFallback
				}
				j += 4
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(d.b, j+2); ok && j+1 < len(d.b) && d.b[j] == '\\' && d.b[j+1] == 'u' {
						if dr := utf16.DecodeRune(r, r2); dr != utf8.RuneError {
							buf = utf8.AppendRune(buf, dr)
							j += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return nil, errFallback
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			j++
		default:
			r, size := utf8.DecodeRune(d.b[j:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d.b[j:j+size]...)
			}
			j += size
		}
	}
	return nil, errFallback
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	if err != nil || b[i] == '+' || b[i] == '-' {
		return 0, false
	}
	return rune(n), true
}

type byteReader struct {
	b []byte
}

func bytesReader(b []byte) *byteReader { return &byteReader{b} }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// plainASCII returns the index of the first 8-byte group of b at or
// after i holding a byte that is not printable ASCII other than '"' and
// '\\' (so the index of the group, not of the byte), or where fewer than
// eight bytes remain.
func plainASCII(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		// Zero bytes of q or bs, bytes below 0x20, bytes from 0x80.
		z := ((q - ones) &^ q) | ((bs - ones) &^ bs) | (x - ones*0x20) | x
		if z&highs != 0 {
			break
		}
	}
	return i
}
