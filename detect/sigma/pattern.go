package sigma

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Sigma string value is a sequence of literal characters and wildcards.
//
//	value    = *( literal / "*" / "?" / escape )
//	escape   = "\" ( "*" / "?" / "\" )   ; the character itself, literally
//	literal  = any other character        ; "\" before any other character is literal
//
// so `\\*` is a backslash followed by a wildcard, `\\\*` a backslash followed
// by a star, and `\\\\` two backslashes (Sigma specification, "Escape
// Character"). The windash modifier adds a fourth kind of unit, a class of
// dash characters, used when expanding every permutation would be too many.

// unitOp is what one unit of a pattern matches.
type unitOp uint8

const (
	opByte unitOp = iota // one byte, compared case-folded unless cased
	opAny                // "?": exactly one character (rune)
	opStar               // "*": any run of characters, possibly empty
	opDash               // one of the windash characters
)

type unit struct {
	op unitOp
	b  byte
}

// windashChars are the characters the windash modifier treats alike.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// sstring is a Sigma string before compilation: literal text with wildcard
// positions. It is what value modifiers transform.
type sstring struct {
	units []unit
}

// parseSigmaString parses a rule value with wildcards and escapes.
func parseSigmaString(s string) sstring {
	var out sstring
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '*':
			out.units = append(out.units, unit{op: opStar})
		case '?':
			out.units = append(out.units, unit{op: opAny})
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				out.units = append(out.units, unit{op: opByte, b: s[i+1]})
				i++
				continue
			}
			out.units = append(out.units, unit{op: opByte, b: '\\'})
		default:
			out.units = append(out.units, unit{op: opByte, b: c})
		}
	}
	return out
}

// plainString is a string without wildcards (all units literal bytes).
func plainString(s string) sstring {
	out := sstring{units: make([]unit, len(s))}
	for i := 0; i < len(s); i++ {
		out.units[i] = unit{op: opByte, b: s[i]}
	}
	return out
}

// literal returns the text when s has no wildcards.
func (s sstring) literal() (string, bool) {
	b := make([]byte, 0, len(s.units))
	for _, u := range s.units {
		if u.op != opByte {
			return "", false
		}
		b = append(b, u.b)
	}
	return string(b), true
}

func (s sstring) hasPrefixStar() bool { return len(s.units) > 0 && s.units[0].op == opStar }
func (s sstring) hasSuffixStar() bool {
	return len(s.units) > 0 && s.units[len(s.units)-1].op == opStar
}

func (s sstring) prepend(u unit) sstring {
	return sstring{units: append([]unit{u}, s.units...)}
}

func (s sstring) append(u unit) sstring {
	units := append(append([]unit(nil), s.units...), u)
	return sstring{units: units}
}

// String renders s back in Sigma syntax (escaping what needs it).
func (s sstring) String() string {
	var b strings.Builder
	for _, u := range s.units {
		switch u.op {
		case opStar:
			b.WriteByte('*')
		case opAny:
			b.WriteByte('?')
		case opDash:
			b.WriteString("[-/–—―]")
		default:
			if u.b == '*' || u.b == '?' || u.b == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(u.b)
		}
	}
	return b.String()
}

// patKind selects a fast path for the common shapes.
type patKind uint8

const (
	patExact    patKind = iota // literal
	patPrefix                  // literal*
	patSuffix                  // *literal
	patContains                // *literal*
	patGlob                    // anything else
)

// pattern is a compiled Sigma string. Case-insensitive patterns hold their
// literal lower-cased; values are compared with ASCII case folding and
// lower-cased first only when the pattern itself is not ASCII, so matching
// allocates nothing in the common case.
type pattern struct {
	kind  patKind
	cased bool
	ascii bool   // byte-wise ASCII folding is exact: no non-ASCII letter with case
	lit   string // patExact..patContains: the literal, lower-cased unless cased
	units []unit // patGlob: bytes lower-cased unless cased
	src   string // Sigma syntax, for evidence and errors

	isInt  bool // patExact and lit is a decimal integer: numbers compare numerically
	intVal int64
}

func compilePattern(s sstring, cased bool) *pattern {
	p := &pattern{cased: cased, src: s.String()}
	units := s.units
	lead := len(units) > 0 && units[0].op == opStar
	trail := len(units) > 1 && units[len(units)-1].op == opStar
	if len(units) == 1 && lead {
		trail = true
	}
	inner := units
	if lead {
		inner = inner[1:]
	}
	if trail && len(inner) > 0 {
		inner = inner[:len(inner)-1]
	}
	if lit, ok := (sstring{units: inner}).literal(); ok {
		if !cased {
			lit = strings.ToLower(lit)
		}
		p.lit = lit
		p.ascii = caseless(lit)
		switch {
		case lead && trail:
			p.kind = patContains
		case lead:
			p.kind = patSuffix
		case trail:
			p.kind = patPrefix
		default:
			p.kind = patExact
			if n, err := strconv.ParseInt(lit, 10, 64); err == nil && lit != "" && (lit[0] != '0' || lit == "0") && lit[0] != '+' {
				p.isInt, p.intVal = true, n
			}
		}
		return p
	}
	p.kind = patGlob
	p.ascii = true
	p.units = make([]unit, 0, len(units))
	// Lower-case literal runs as whole strings so multi-byte characters fold.
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		r := string(run)
		if !cased {
			r = strings.ToLower(r)
		}
		if !caseless(r) {
			p.ascii = false
		}
		for i := 0; i < len(r); i++ {
			p.units = append(p.units, unit{op: opByte, b: r[i]})
		}
		run = run[:0]
	}
	for i, u := range units {
		if u.op == opByte {
			run = append(run, u.b)
			continue
		}
		flush()
		if u.op == opStar && i > 0 && units[i-1].op == opStar {
			continue
		}
		p.units = append(p.units, u)
	}
	flush()
	return p
}

// matchString reports whether v matches the pattern.
func (p *pattern) matchString(v string) bool {
	if !p.cased && !p.ascii && !isASCII(v) {
		v = strings.ToLower(v)
	}
	fold := !p.cased
	switch p.kind {
	case patExact:
		if len(v) != len(p.lit) {
			return false
		}
		return eqBytes(v, p.lit, fold)
	case patPrefix:
		return len(v) >= len(p.lit) && eqBytes(v[:len(p.lit)], p.lit, fold)
	case patSuffix:
		return len(v) >= len(p.lit) && eqBytes(v[len(v)-len(p.lit):], p.lit, fold)
	case patContains:
		return indexFold(v, p.lit, fold) >= 0
	default:
		return globMatch(p.units, v, fold)
	}
}

// matchValue matches a scalar event value: strings directly, numbers as
// their decimal text (and numerically against integer literals), booleans
// as "true"/"false".
func (p *pattern) matchValue(v any) bool {
	if p.isInt {
		if n, ok := asInt(v); ok {
			return n == p.intVal
		}
	}
	s, ok := scalarString(v)
	if !ok {
		return false
	}
	return p.matchString(s)
}

// caseless reports whether s has no non-ASCII character that case folding
// changes (dashes, symbols and scripts without case are fine), so that
// comparing bytes with ASCII folding is exact.
func caseless(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.SimpleFold(r) != r {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// eqBytes compares a with b (already lower-cased when fold) byte by byte.
func eqBytes(a, b string, fold bool) bool {
	if !fold {
		return a == b
	}
	for i := 0; i < len(b); i++ {
		if lowerASCII(a[i]) != b[i] {
			return false
		}
	}
	return true
}

// indexFold finds lit (lower-cased when fold) in s, folding ASCII letters.
func indexFold(s, lit string, fold bool) int {
	if !fold {
		return strings.Index(s, lit)
	}
	n := len(lit)
	if n == 0 {
		return 0
	}
	if n > len(s) {
		return -1
	}
	c0 := lit[0]
	upper := c0
	if 'a' <= c0 && c0 <= 'z' {
		upper = c0 - ('a' - 'A')
	}
	for i := 0; i+n <= len(s); {
		// Jump to the next candidate first byte.
		j := -1
		if upper == c0 {
			j = strings.IndexByte(s[i:len(s)-n+1], c0)
		} else {
			rest := s[i : len(s)-n+1]
			a, b := strings.IndexByte(rest, c0), strings.IndexByte(rest, upper)
			switch {
			case a < 0:
				j = b
			case b < 0 || a < b:
				j = a
			default:
				j = b
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if eqBytes(s[i+1:i+n], lit[1:], true) {
			return i
		}
		i++
	}
	return -1
}

// globMatch matches s against units with the classic two-pointer algorithm
// that backtracks only to the last star: O(len(s)·len(units)) worst case,
// no allocation, no recursion.
func globMatch(units []unit, s string, fold bool) bool {
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for si < len(s) {
		if pi < len(units) {
			u := units[pi]
			switch u.op {
			case opStar:
				starPi, starSi = pi, si
				pi++
				continue
			case opByte:
				c := s[si]
				if fold {
					c = lowerASCII(c)
				}
				if c == u.b {
					pi++
					si++
					continue
				}
			case opAny:
				_, n := utf8.DecodeRuneInString(s[si:])
				pi++
				si += n
				continue
			case opDash:
				if n := dashAt(s[si:]); n > 0 {
					pi++
					si += n
					continue
				}
			}
		}
		if starPi < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		pi, si = starPi+1, starSi
	}
	for pi < len(units) && units[pi].op == opStar {
		pi++
	}
	return pi == len(units)
}

// dashAt returns the byte length of the windash character at the start of
// s, or 0.
func dashAt(s string) int {
	for _, d := range windashChars {
		if strings.HasPrefix(s, d) {
			return len(d)
		}
	}
	return 0
}

// literalRuns returns the literal byte runs of a compiled pattern (between
// wildcards), lower-cased unless cased: what must occur in a matching value.
func (p *pattern) literalRuns() []string {
	if p.kind != patGlob {
		return []string{p.lit}
	}
	var runs []string
	var cur []byte
	for _, u := range p.units {
		if u.op == opByte {
			cur = append(cur, u.b)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, string(cur))
			cur = cur[:0]
		}
	}
	if len(cur) > 0 {
		runs = append(runs, string(cur))
	}
	return runs
}
