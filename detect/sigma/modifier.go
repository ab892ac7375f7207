package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// modifiers is a parsed modifier chain ("Field|contains|all").
type modifiers struct {
	transforms []string // in order: contains, startswith, endswith, base64, base64offset, utf16*, wide, windash
	all        bool
	cased      bool
	neq        bool
	exists     bool
	fieldref   bool
	expand     bool
	re         bool
	reFlags    string // i, m, s
	cidr       bool
	cmp        string // gt, gte, lt, lte
	timePart   string // minute, hour, day, week, month, year
}

// UnsupportedError marks a rule feature this engine does not implement; the
// loader counts such rules separately from malformed ones.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return "unsupported: " + e.What }

func parseModifiers(list []string) (modifiers, error) {
	var m modifiers
	for _, s := range list {
		switch s {
		case "contains", "startswith", "endswith", "base64", "base64offset",
			"utf16le", "utf16be", "utf16", "wide", "windash":
			m.transforms = append(m.transforms, s)
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "neq":
			m.neq = true
		case "exists":
			m.exists = true
		case "fieldref":
			m.fieldref = true
		case "expand":
			m.expand = true
		case "re":
			m.re = true
		case "i", "m", "s":
			if !m.re {
				return m, fmt.Errorf("modifier %q needs re before it", s)
			}
			if !strings.Contains(m.reFlags, s) {
				m.reFlags += s
			}
		case "cidr":
			m.cidr = true
		case "gt", "gte", "lt", "lte":
			if m.cmp != "" {
				return m, fmt.Errorf("two comparison modifiers (%s, %s)", m.cmp, s)
			}
			m.cmp = s
		case "minute", "hour", "day", "week", "month", "year":
			m.timePart = s
		case "":
			return m, fmt.Errorf("empty modifier")
		default:
			return m, &UnsupportedError{What: fmt.Sprintf("modifier %q", s)}
		}
	}
	special := 0
	for _, b := range []bool{m.re, m.cidr, m.exists, m.cmp != "" && m.timePart == "", m.timePart != ""} {
		if b {
			special++
		}
	}
	if special > 1 {
		return m, fmt.Errorf("modifiers %s cannot be combined", strings.Join(list, "|"))
	}
	if special == 1 && len(m.transforms) > 0 {
		return m, fmt.Errorf("modifiers %s cannot be combined", strings.Join(list, "|"))
	}
	if m.fieldref && (special > 0 || m.expand) {
		return m, fmt.Errorf("fieldref cannot be combined with %s", strings.Join(list, "|"))
	}
	return m, nil
}

// valueMatcher matches one scalar event value.
type valueMatcher interface {
	matchScalar(v any, r *Record) bool
}

// reMatcher: the re modifier. The regexp is compiled once, at load.
type reMatcher struct {
	re *regexp.Regexp
	// lits are literals of which one occurs (folding ASCII case) in
	// every text the expression matches (see regexpLiterals); nil when
	// the expression requires none.
	lits []string
}

// maxRegexpPrecheck bounds the literals searched before running a
// regular expression.
const maxRegexpPrecheck = 4

func (m *reMatcher) matchScalar(v any, _ *Record) bool {
	s, ok := scalarString(v)
	if !ok {
		return false
	}
	if len(m.lits) > 0 && len(m.lits) <= maxRegexpPrecheck {
		found := false
		for _, l := range m.lits {
			if indexFold(s, l, true) >= 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return m.re.MatchString(s)
}

// cidrMatcher: the cidr modifier.
type cidrMatcher struct{ prefix netip.Prefix }

func (m *cidrMatcher) matchScalar(v any, _ *Record) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	addr, err := netip.ParseAddr(s)
	if err != nil {
		if ap, err2 := netip.ParseAddrPort(s); err2 == nil {
			addr = ap.Addr()
		} else {
			return false
		}
	}
	return m.prefix.Contains(addr.Unmap().WithZone(""))
}

// numMatcher: gt, gte, lt, lte, and the time modifiers' comparisons.
type numMatcher struct {
	op  string // "", gt, gte, lt, lte ("" is equality)
	val float64
}

func (m *numMatcher) cmp(x float64) bool {
	switch m.op {
	case "gt":
		return x > m.val
	case "gte":
		return x >= m.val
	case "lt":
		return x < m.val
	case "lte":
		return x <= m.val
	}
	return x == m.val
}

func (m *numMatcher) matchScalar(v any, _ *Record) bool {
	x, ok := asFloat(v)
	return ok && m.cmp(x)
}

// timeMatcher: minute, hour, day, week, month, year, compared as numbers.
type timeMatcher struct {
	part string
	num  numMatcher
}

func (m *timeMatcher) matchScalar(v any, _ *Record) bool {
	t, ok := asTime(v)
	if !ok {
		return false
	}
	var x int
	switch m.part {
	case "minute":
		x = t.Minute()
	case "hour":
		x = t.Hour()
	case "day":
		x = t.Day()
	case "week":
		_, x = t.ISOWeek()
	case "month":
		x = int(t.Month())
	case "year":
		x = t.Year()
	}
	return m.num.cmp(float64(x))
}

// fieldrefMatcher: the fieldref modifier; compares with another field of
// the same event, as equality, or contains/startswith/endswith when those
// modifiers come with it.
type fieldrefMatcher struct {
	other *fieldRef
	how   string // "", contains, startswith, endswith
	cased bool
}

func (m *fieldrefMatcher) matchScalar(v any, r *Record) bool {
	s, ok := scalarString(v)
	if !ok {
		return false
	}
	ov, ok := r.get(m.other)
	if !ok {
		return false
	}
	o, ok := scalarString(ov)
	if !ok {
		return false
	}
	if !m.cased {
		if isASCII(s) && isASCII(o) {
			return m.matchFoldASCII(s, o)
		}
		s, o = strings.ToLower(s), strings.ToLower(o)
	}
	switch m.how {
	case "contains":
		return strings.Contains(s, o)
	case "startswith":
		return strings.HasPrefix(s, o)
	case "endswith":
		return strings.HasSuffix(s, o)
	}
	return s == o
}

// matchFoldASCII is matchScalar's comparison for ASCII texts, where
// lower-casing both is folding ASCII letters: no copies.
func (m *fieldrefMatcher) matchFoldASCII(s, o string) bool {
	switch m.how {
	case "contains":
		for i := 0; i+len(o) <= len(s); i++ {
			if asciiEqualFold(s[i:i+len(o)], o) {
				return true
			}
		}
		return false
	case "startswith":
		return len(s) >= len(o) && asciiEqualFold(s[:len(o)], o)
	case "endswith":
		return len(s) >= len(o) && asciiEqualFold(s[len(s)-len(o):], o)
	}
	return len(s) == len(o) && asciiEqualFold(s, o)
}

// asciiEqualFold compares two ASCII strings of equal length, folding case.
func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// acMatcher stands for many case-insensitive "contains" patterns of one
// field: one Aho-Corasick pass instead of one search per pattern.
type acMatcher struct {
	ac   *acAutomaton
	pats []*pattern
}

func (m *acMatcher) matchScalar(v any, _ *Record) bool {
	s, ok := scalarString(v)
	return ok && m.ac.any(s)
}

func (p *pattern) matchScalar(v any, _ *Record) bool { return p.matchValue(v) }

// MaxExpansion bounds how many values one rule value may expand into
// (windash permutations, placeholders).
const MaxExpansion = 256

// transformValue applies the transformation modifiers, in order, to one
// Sigma string; encodings need a value without wildcards.
func transformValue(s sstring, transforms []string) ([]sstring, error) {
	vals := []sstring{s}
	for _, t := range transforms {
		var next []sstring
		for _, v := range vals {
			switch t {
			case "contains":
				if !v.hasPrefixStar() {
					v = v.prepend(unit{op: opStar})
				}
				if !v.hasSuffixStar() {
					v = v.append(unit{op: opStar})
				}
				next = append(next, v)
			case "startswith":
				if !v.hasSuffixStar() {
					v = v.append(unit{op: opStar})
				}
				next = append(next, v)
			case "endswith":
				if !v.hasPrefixStar() {
					v = v.prepend(unit{op: opStar})
				}
				next = append(next, v)
			case "windash":
				next = append(next, windash(v)...)
			default:
				lit, ok := v.literal()
				if !ok {
					return nil, fmt.Errorf("%s of a value with wildcards (%s)", t, v)
				}
				for _, enc := range encode(t, lit) {
					next = append(next, plainString(enc))
				}
			}
		}
		vals = next
	}
	return vals, nil
}

// encode implements base64, base64offset and the UTF-16 modifiers.
func encode(t, lit string) []string {
	switch t {
	case "base64":
		return []string{base64.StdEncoding.EncodeToString([]byte(lit))}
	case "base64offset":
		// pySigma's three shifted variants: the part of the encoding that
		// does not depend on the bytes around the value.
		start := [3]int{0, 2, 3}
		endOff := [3]int{0, -3, -2}
		b := []byte(lit)
		out := make([]string, 0, 3)
		for i := 0; i < 3; i++ {
			enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), b...))
			end := len(enc)
			if e := endOff[(len(b)+i)%3]; e != 0 {
				end += e
			}
			if start[i] > end {
				continue
			}
			out = append(out, enc[start[i]:end])
		}
		return out
	case "utf16le", "wide":
		return []string{utf16Bytes(lit, false, false)}
	case "utf16be":
		return []string{utf16Bytes(lit, true, false)}
	case "utf16":
		return []string{utf16Bytes(lit, false, true)}
	}
	return []string{lit}
}

func utf16Bytes(s string, be, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if be {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// windash expands every dash-like character ("-", "/", en dash, em dash,
// horizontal bar) into each of them. Values with more than a few dashes
// get a character-class unit instead of MaxExpansion-busting permutations.
func windash(v sstring) []sstring {
	type pos struct{ start, n int }
	var dashes []pos
	for i := 0; i < len(v.units); i++ {
		u := v.units[i]
		if u.op != opByte {
			continue
		}
		if u.b == '-' || u.b == '/' {
			dashes = append(dashes, pos{i, 1})
			continue
		}
		// The three multi-byte dashes are E2 80 93/94/95.
		if u.b == 0xe2 && i+2 < len(v.units) && v.units[i+1].op == opByte && v.units[i+1].b == 0x80 &&
			v.units[i+2].op == opByte && v.units[i+2].b >= 0x93 && v.units[i+2].b <= 0x95 {
			dashes = append(dashes, pos{i, 3})
			i += 2
		}
	}
	if len(dashes) == 0 {
		return []sstring{v}
	}
	total := 1
	for range dashes {
		total *= len(windashChars)
		if total > 125 {
			break
		}
	}
	if total > 125 {
		var units []unit
		last := 0
		for _, d := range dashes {
			units = append(units, v.units[last:d.start]...)
			units = append(units, unit{op: opDash})
			last = d.start + d.n
		}
		units = append(units, v.units[last:]...)
		return []sstring{{units: units}}
	}
	out := []sstring{{}}
	last := 0
	for _, d := range dashes {
		var grown []sstring
		for _, o := range out {
			for _, c := range windashChars {
				units := append(append([]unit(nil), o.units...), v.units[last:d.start]...)
				units = append(units, plainString(c).units...)
				grown = append(grown, sstring{units: units})
			}
		}
		out = grown
		last = d.start + d.n
	}
	for i := range out {
		out[i].units = append(out[i].units, v.units[last:]...)
	}
	return out
}

// expandPlaceholders replaces %name% placeholders (a backslash before "%"
// keeps it literal) with each configured value. A placeholder without
// values expands to nothing: the value matches no event.
func expandPlaceholders(raw string, values map[string][]string) (out []string, missing []string) {
	out = []string{""}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) && raw[i+1] == '%' {
			for j := range out {
				out[j] += "%"
			}
			i++
			continue
		}
		if c == '%' {
			if end := strings.IndexByte(raw[i+1:], '%'); end > 0 {
				name := raw[i+1 : i+1+end]
				vals, ok := values[name]
				if !ok {
					missing = append(missing, name)
				}
				var grown []string
				for _, o := range out {
					for _, v := range vals {
						if len(grown) >= MaxExpansion {
							break
						}
						grown = append(grown, o+v)
					}
				}
				out = grown
				i += end + 1
				continue
			}
		}
		for j := range out {
			out[j] += string(c)
		}
	}
	return out, missing
}

// compileRegexp turns a Sigma re value and its i/m/s sub-modifiers into a
// Go regexp (RE2: no lookaround or backreferences).
func compileRegexp(expr, flags string) (*regexp.Regexp, error) {
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, &UnsupportedError{What: fmt.Sprintf("regular expression %q: %v", expr, err)}
	}
	return re, nil
}

func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}
