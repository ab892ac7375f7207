package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Condition grammar (Sigma specification, "Condition"), precedence from
// least to most binding: or, and, not, "x of", parentheses. Keywords are
// matched case-insensitively.
//
//	condition  = or-expr
//	or-expr    = and-expr *( "or" and-expr )
//	and-expr   = not-expr *( "and" not-expr )
//	not-expr   = "not" not-expr / primary
//	primary    = "(" or-expr ")" / quantifier / identifier
//	quantifier = ( "1" / "any" / "all" / number ) "of" ( "them" / pattern )
//	pattern    = identifier with "*" wildcards
//
// The Sigma 1 aggregation syntax ("selection | count() > 5") is obsolete
// and rejected: correlation rules replace it.

// condNode is a parsed condition.
type condNode struct {
	op    condOp
	ident string // condIdent: search identifier; condOf: pattern or "them"
	n     int    // condOf: how many must match; 0 means all
	kids  []*condNode
}

type condOp uint8

const (
	condIdent condOp = iota
	condAnd
	condOr
	condNot
	condOf
)

func (c *condNode) String() string {
	switch c.op {
	case condIdent:
		return c.ident
	case condNot:
		return "not " + c.kids[0].String()
	case condOf:
		if c.n == 0 {
			return "all of " + c.ident
		}
		return strconv.Itoa(c.n) + " of " + c.ident
	}
	sep := " and "
	if c.op == condOr {
		sep = " or "
	}
	parts := make([]string, len(c.kids))
	for i, k := range c.kids {
		parts[i] = k.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// MaxConditionDepth bounds nesting of parentheses and "not".
const MaxConditionDepth = 64

type condToken struct {
	text string
	pos  int
}

func lexCondition(s string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{string(c), i})
			i++
		case c == '|':
			return nil, &UnsupportedError{What: fmt.Sprintf("column %d: Sigma 1 aggregation expression (\"| count()\"); use a correlation rule", i+1)}
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, condToken{s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("column %d: unexpected character %q", i+1, c)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c >= 0x80
}

type condParser struct {
	toks  []condToken
	i     int
	depth int
}

// parseCondition parses one condition expression.
func parseCondition(s string) (*condNode, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	p := &condParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, fmt.Errorf("column %d: unexpected %q", t.pos+1, t.text)
	}
	return n, nil
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i].text)
	}
	return ""
}

func (p *condParser) errf(format string, args ...any) error {
	pos := -1
	if p.i < len(p.toks) {
		pos = p.toks[p.i].pos
	}
	if pos < 0 {
		return fmt.Errorf("end of condition: "+format, args...)
	}
	return fmt.Errorf("column %d: "+format, append([]any{pos + 1}, args...)...)
}

func (p *condParser) or() (*condNode, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*condNode{first}
	for p.peek() == "or" {
		p.i++
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &condNode{op: condOr, kids: kids}, nil
}

func (p *condParser) and() (*condNode, error) {
	first, err := p.not()
	if err != nil {
		return nil, err
	}
	kids := []*condNode{first}
	for p.peek() == "and" {
		p.i++
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &condNode{op: condAnd, kids: kids}, nil
}

func (p *condParser) not() (*condNode, error) {
	if p.peek() != "not" {
		return p.primary()
	}
	p.i++
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxConditionDepth {
		return nil, p.errf("condition nested too deeply")
	}
	n, err := p.not()
	if err != nil {
		return nil, err
	}
	return &condNode{op: condNot, kids: []*condNode{n}}, nil
}

func (p *condParser) primary() (*condNode, error) {
	t := p.peek()
	switch t {
	case "":
		return nil, p.errf("expression expected")
	case "(":
		p.i++
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > MaxConditionDepth {
			return nil, p.errf("condition nested too deeply")
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errf("\")\" expected")
		}
		p.i++
		return n, nil
	case ")", "and", "or", "of", "them":
		return nil, p.errf("unexpected %q", t)
	}
	// Quantifier?
	if p.i+1 < len(p.toks) && strings.ToLower(p.toks[p.i+1].text) == "of" {
		var n int
		switch t {
		case "all":
			n = 0
		case "any":
			n = 1
		default:
			v, err := strconv.Atoi(t)
			if err != nil || v < 1 {
				return nil, p.errf("quantifier %q: want 1, all, any or a positive number", t)
			}
			n = v
		}
		p.i += 2
		target := p.peek()
		if target == "" || target == "(" || target == ")" || target == "and" || target == "or" || target == "not" {
			return nil, p.errf("search identifier pattern or \"them\" expected after \"of\"")
		}
		ident := p.toks[p.i].text
		if target == "them" {
			ident = "them"
		}
		p.i++
		return &condNode{op: condOf, n: n, ident: ident}, nil
	}
	p.i++
	return &condNode{op: condIdent, ident: p.toks[p.i-1].text}, nil
}

// resolve replaces identifiers by indexes into names and expands
// quantifiers over the identifiers they name. "them" covers identifiers
// not starting with "_".
func (c *condNode) resolve(names []string) (*condNode, error) {
	switch c.op {
	case condIdent:
		for _, n := range names {
			if n == c.ident {
				return c, nil
			}
		}
		return nil, fmt.Errorf("condition names %q, which the detection does not define", c.ident)
	case condOf:
		var kids []*condNode
		for _, n := range names {
			ok := false
			if c.ident == "them" {
				ok = !strings.HasPrefix(n, "_")
			} else {
				ok, _ = path.Match(globToPath(c.ident), n)
			}
			if ok {
				kids = append(kids, &condNode{op: condIdent, ident: n})
			}
		}
		if len(kids) == 0 {
			return nil, fmt.Errorf("%q matches no search identifier", c.ident)
		}
		switch {
		case c.n == 0:
			return &condNode{op: condAnd, kids: kids}, nil
		case c.n == 1:
			return &condNode{op: condOr, kids: kids}, nil
		default:
			return &condNode{op: condOf, n: c.n, ident: c.ident, kids: kids}, nil
		}
	}
	out := &condNode{op: c.op}
	for _, k := range c.kids {
		r, err := k.resolve(names)
		if err != nil {
			return nil, err
		}
		out.kids = append(out.kids, r)
	}
	return out, nil
}

// globToPath escapes everything path.Match treats specially except "*".
func globToPath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
