package jsonlog

import (
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
	d := decoder{b: b}
	v, err := d.value(0)
	if err == nil {
		d.space()
		if d.i == len(d.b) {
			return v, nil
		}
	}
	return decodeStd(b)
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

type decoder struct {
	b []byte
	i int
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

func (d *decoder) value(depth int) (any, error) {
	if depth > maxFastDepth {
		return nil, errFallback
	}
	d.space()
	if d.i >= len(d.b) {
		return nil, errFallback
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := make(map[string]any)
		d.space()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, errFallback
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, errFallback
			}
			d.i++
			v, err := d.value(depth + 1)
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
				return m, nil
			default:
				return nil, errFallback
			}
		}
	case c == '[':
		d.i++
		a := []any{}
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return a, nil
		}
		for {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			d.space()
			if d.i >= len(d.b) {
				return nil, errFallback
			}
			switch d.b[d.i] {
			case ',':
				d.i++
			case ']':
				d.i++
				return a, nil
			default:
				return nil, errFallback
			}
		}
	case c == '"':
		return d.str()
	case c == 't':
		return d.lit("true", true)
	case c == 'f':
		return d.lit("false", false)
	case c == 'n':
		return d.lit("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.num()
	}
	return nil, errFallback
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return nil, errFallback
	}
	d.i += len(word)
	return v, nil
}

// num scans number = [ "-" ] int [ frac ] [ exp ].
func (d *decoder) num() (any, error) {
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
	return json.Number(d.b[s:i]), nil
}

// str decodes a string at d.b[d.i] == '"' as encoding/json does: escapes
// resolved, invalid UTF-8 and lone surrogates replaced by U+FFFD.
func (d *decoder) str() (string, error) {
	i := d.i + 1
	// Fast path: no escapes, no control characters, valid UTF-8.
	j := i
	for j < len(d.b) {
		c := d.b[j]
		if c == '"' {
			s := d.b[i:j]
			if utf8.Valid(s) {
				d.i = j + 1
				return string(s), nil
			}
			j = i // redo it byte by byte, replacing what is invalid
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		j++
	}
	if !utf8.Valid(d.b[i:j]) {
		j = i
	}
	buf := make([]byte, 0, j-i+16)
	buf = append(buf, d.b[i:j]...)
	for j < len(d.b) {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			return string(buf), nil
		case c < 0x20:
			return "", errFallback
		case c == '\\':
			if j+1 >= len(d.b) {
				return "", errFallback
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
					return "", errFallback
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
				return "", errFallback
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
	return "", errFallback
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
