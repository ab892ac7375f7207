package sigma

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// Literals a regular expression requires, for the prefilter and for a
// quick check before running the expression. The result is a set of
// lower-cased ASCII strings of which at least one occurs, folding ASCII
// case, in every text the expression matches:
//
//	literal         its text
//	concatenation   the best of: runs of adjacent literal text, or a part's set
//	alternation     the union of the alternatives' sets (each must have one)
//	group, x+, x{n,} with n ≥ 1   the set of x
//	anything else   none
//
// Case-insensitive non-ASCII characters end a run. So do "k" and "s" in
// case-insensitive text, which Go's regexp also matches as the Kelvin
// sign and the long s.

// regexpLiterals returns the literals expr requires, or nil.
func regexpLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, ok := reNeed(re.Simplify())
	if !ok || len(lits) == 0 {
		return nil
	}
	for _, l := range lits {
		if l == "" {
			return nil
		}
	}
	return dedupe(lits)
}

func reNeed(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpCharClass:
		text, ok := reText(re)
		if !ok {
			return nil, false
		}
		var best []string
		for _, run := range splitBreaks(text) {
			if best == nil || len(run) > len(best[0]) {
				best = []string{run}
			}
		}
		return best, best != nil
	case syntax.OpCapture, syntax.OpPlus:
		return reNeed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reNeed(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := reNeed(sub)
			if !ok {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, len(out) > 0
	case syntax.OpConcat:
		var best []string
		consider := func(l []string) {
			if len(l) > 0 && (best == nil || betterLits(l, best)) {
				best = l
			}
		}
		var run []byte
		flush := func() {
			for _, r := range splitBreaks(run) {
				consider([]string{r})
			}
			run = run[:0]
		}
		for _, sub := range re.Sub {
			if text, ok := reText(sub); ok {
				run = append(run, text...)
				continue
			}
			flush()
			if l, ok := reNeed(sub); ok {
				consider(l)
			}
		}
		flush()
		return best, best != nil
	}
	return nil, false
}

// betterLits prefers the set whose shortest literal is longest, then the
// smaller set.
func betterLits(a, b []string) bool {
	ma, mb := minLen(a), minLen(b)
	return ma > mb || (ma == mb && len(a) < len(b))
}

func minLen(ls []string) int {
	m := -1
	for _, l := range ls {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m
}

// reText returns the text a literal or single-character class matches,
// lower-cased, with 0 where a run must end; ok false for other nodes.
func reText(re *syntax.Regexp) ([]byte, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		out := make([]byte, 0, len(re.Rune))
		for _, r := range re.Rune {
			out = appendText(out, r, fold)
		}
		return out, true
	case syntax.OpCharClass:
		rs := re.Rune
		switch {
		case len(rs) == 2 && rs[0] == rs[1]:
			return appendText(nil, rs[0], false), true
		case len(rs) == 4 && rs[0] == rs[1] && rs[2] == rs[3] && rs[0] < 0x80 && rs[2] < 0x80 &&
			rs[0] != rs[2] && lowerASCII(byte(rs[0])) == lowerASCII(byte(rs[2])):
			// [Aa]: exactly one letter in either case.
			return appendText(nil, rs[2], false), true
		}
	}
	return nil, false
}

// appendText appends what r requires of the text: its lower-cased ASCII
// byte, its UTF-8 bytes when matched exactly, or a run end (0) for NUL,
// U+FFFD (which also matches invalid bytes) and case-folded non-ASCII.
func appendText(out []byte, r rune, fold bool) []byte {
	switch {
	case r <= 0 || r == utf8.RuneError || r > unicode.MaxRune:
		return append(out, 0)
	case r < 0x80:
		c := lowerASCII(byte(r))
		if fold && (c == 'k' || c == 's') {
			return append(out, 0)
		}
		return append(out, c)
	case fold:
		return append(out, 0)
	}
	return utf8.AppendRune(out, r)
}

// splitBreaks returns the non-empty runs of text between zero bytes.
func splitBreaks(text []byte) []string {
	var out []string
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == 0 {
			if i > start {
				out = append(out, string(text[start:i]))
			}
			start = i + 1
		}
	}
	return out
}
