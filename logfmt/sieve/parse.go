package sieve

import (
	"fmt"
	"strings"
)

// arg is one argument: a tag, a number or a string list.
type arg struct {
	tag  string   // tag name without ':' when a tag
	num  string   // number as written
	strs []string // string list (a single string is a list of one)
	list bool     // written as [...]
}

// node is a command or a test.
type node struct {
	name  string
	args  []arg
	tests []*node // a test, or a test-list
	block []*node
	line  int
	off   int64
}

type parser struct {
	lx    lexer
	tok   token
	opt   Options
	depth int
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	p.tok = t
	return err
}

func (p *parser) errf(format string, a ...any) error {
	return &ParseError{Line: p.tok.line, Offset: p.tok.off, Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, a...)...)}
}

func (p *parser) punct(c string) bool { return p.tok.kind == tPunct && p.tok.text == c }

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.opt.MaxDepth {
		return &ParseError{Line: p.tok.line, Offset: p.tok.off, Err: fmt.Errorf("%w: nesting deeper than %d", ErrLimit, p.opt.MaxDepth)}
	}
	return nil
}

// commands = *command, up to "}" or the end.
func (p *parser) commands(out *[]*node) error {
	for p.tok.kind != tEOF && !p.punct("}") {
		c, err := p.command()
		if c != nil {
			*out = append(*out, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// command = identifier arguments (";" / block)
func (p *parser) command() (*node, error) {
	if p.tok.kind != tIdent {
		return nil, p.errf("expected a command, found %v", p.tok)
	}
	n := &node{name: p.tok.text, line: p.tok.line, off: p.tok.off}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.arguments(n); err != nil {
		return nil, err
	}
	if len(n.tests) > 0 && n.name != "if" && n.name != "elsif" {
		// Only if and elsif take a test (RFC 5228 section 3); an action
		// followed by an identifier lacks its ";".
		return nil, &ParseError{Line: n.tests[0].line, Offset: n.tests[0].off,
			Err: fmt.Errorf("%w: expected ';' after %q, found %q", ErrSyntax, n.name, n.tests[0].name)}
	}
	switch {
	case p.punct(";"):
		return n, p.advance()
	case p.punct("{"):
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		err := p.commands(&n.block)
		if err != nil {
			return n, err
		}
		if !p.punct("}") {
			return n, p.errf("block of %q not closed with '}'", n.name)
		}
		p.depth--
		return n, p.advance()
	}
	return nil, p.errf("expected ';' or '{' after %q, found %v", n.name, p.tok)
}

// arguments = *argument [ test / test-list ]
func (p *parser) arguments(n *node) error {
	for {
		switch {
		case p.tok.kind == tTag:
			n.args = append(n.args, arg{tag: p.tok.text})
		case p.tok.kind == tNumber:
			n.args = append(n.args, arg{num: p.tok.text})
		case p.tok.kind == tString:
			n.args = append(n.args, arg{strs: []string{p.tok.text}})
		case p.punct("["):
			a, err := p.stringList()
			if err != nil {
				return err
			}
			n.args = append(n.args, a)
			continue
		default:
			goto tests
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
tests:
	switch {
	case p.tok.kind == tIdent:
		t, err := p.test()
		if t != nil {
			n.tests = append(n.tests, t)
		}
		return err
	case p.punct("("):
		if err := p.advance(); err != nil {
			return err
		}
		for {
			t, err := p.test()
			if t != nil {
				n.tests = append(n.tests, t)
			}
			if err != nil {
				return err
			}
			if p.punct(")") {
				return p.advance()
			}
			if !p.punct(",") {
				return p.errf("expected ',' or ')' in test list, found %v", p.tok)
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
	}
	return nil
}

// string-list = "[" string *("," string) "]"
func (p *parser) stringList() (arg, error) {
	a := arg{list: true}
	if err := p.advance(); err != nil {
		return a, err
	}
	for {
		if p.tok.kind != tString {
			return a, p.errf("expected a string in list, found %v", p.tok)
		}
		a.strs = append(a.strs, p.tok.text)
		if err := p.advance(); err != nil {
			return a, err
		}
		if p.punct("]") {
			return a, p.advance()
		}
		if !p.punct(",") {
			return a, p.errf("expected ',' or ']' in string list, found %v", p.tok)
		}
		if err := p.advance(); err != nil {
			return a, err
		}
	}
}

// test = identifier arguments
func (p *parser) test() (*node, error) {
	if p.tok.kind != tIdent {
		return nil, p.errf("expected a test, found %v", p.tok)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &node{name: p.tok.text, line: p.tok.line, off: p.tok.off}
	if err := p.advance(); err != nil {
		return n, err
	}
	return n, p.arguments(n)
}

// parseSieve parses a Sieve script and lists its actions.
func parseSieve(src []byte, opt Options) (*Script, error) {
	s := &Script{Format: FormatSieve}
	p := &parser{lx: lexer{src: src, line: 1}, opt: opt}
	var cmds []*node
	err := p.advance()
	if err == nil {
		err = p.commands(&cmds)
	}
	if err == nil && p.tok.kind != tEOF {
		err = p.errf("unexpected '}'")
	}
	w := walker{s: s, opt: opt}
	if werr := w.walk(cmds, nil); err == nil {
		err = werr
	}
	return s, err
}

type walker struct {
	s      *Script
	opt    Options
	blocks int
}

// walk lists the actions of cmds under conds; if/elsif/else add the
// tests of their chain.
func (w *walker) walk(cmds []*node, conds []string) error {
	block := w.blocks
	w.blocks++
	var chain []string // rendered tests of the current if/elsif chain
	first := len(w.s.Actions)
	for _, c := range cmds {
		switch c.name {
		case "require":
			for _, a := range c.args {
				w.s.Require = append(w.s.Require, a.strs...)
			}
			continue
		case "if", "elsif", "else":
			if c.name == "if" {
				chain = chain[:0]
			}
			sub := append([]string(nil), conds...)
			for _, prev := range chain {
				sub = append(sub, "not "+prev)
			}
			if c.name != "else" {
				t := w.renderTests(c.tests)
				sub = append(sub, t)
				chain = append(chain, t)
			}
			if err := w.walk(c.block, sub); err != nil {
				return err
			}
			continue
		}
		chain = chain[:0]
		if len(w.s.Actions) >= w.opt.MaxActions {
			return &ParseError{Line: c.line, Offset: c.off, Err: fmt.Errorf("%w: more than %d actions", ErrLimit, w.opt.MaxActions)}
		}
		a := Action{Type: c.name, Conditions: conds, Line: c.line, Offset: c.off, block: block}
		var tags []string
		for _, ar := range c.args {
			if ar.tag != "" {
				tags = append(tags, ":"+ar.tag)
			}
		}
		a.Flags = strings.Join(tags, " ")
		hasTag := func(t string) bool {
			for _, x := range tags {
				if x == ":"+t {
					return true
				}
			}
			return false
		}
		pos := positional(c.args)
		switch c.name {
		case "redirect":
			a.Copy = hasTag("copy")
			a.Targets = lastStrings(pos)
		case "fileinto":
			a.Copy = hasTag("copy")
			a.Targets = lastStrings(pos)
		case "addflag", "setflag", "removeflag":
			a.Targets = lastStrings(pos) // [variablename] list-of-flags
		case "vacation":
			a.Targets = tagValue(c.args, "addresses")
		case "notify":
			for _, s := range lastStrings(pos) {
				if strings.HasPrefix(strings.ToLower(s), "mailto:") {
					a.Targets = append(a.Targets, mailtoAddrs(s)...)
				} else {
					a.Targets = append(a.Targets, s)
				}
			}
		default:
			for _, ar := range pos {
				a.Targets = append(a.Targets, ar.strs...)
			}
		}
		w.s.Actions = append(w.s.Actions, a)
		if len(c.block) > 0 { // a command with its own block (foreverypart, RFC 5703)
			if err := w.walk(c.block, conds); err != nil {
				return err
			}
		}
	}
	// A redirect keeps a copy when its block also keeps or files the message.
	keeps := false
	for _, a := range w.s.Actions[first:] {
		if a.block == block && (a.Type == ActionKeep || a.Type == ActionFileinto) {
			keeps = true
		}
	}
	if keeps {
		for i := first; i < len(w.s.Actions); i++ {
			if w.s.Actions[i].block == block && w.s.Actions[i].Type == ActionRedirect {
				w.s.Actions[i].Copy = true
			}
		}
	}
	return nil
}

// positional returns the non-tag arguments that do not belong to a tag
// taking a value. Tags that take a value (":days 7", ":subject "x"",
// ":addresses [..]", ":from", ":handle", ":mime"-less ones) are known by
// name.
func positional(args []arg) []arg {
	var out []arg
	for i := 0; i < len(args); i++ {
		if args[i].tag != "" {
			if tagTakesValue[args[i].tag] && i+1 < len(args) && args[i+1].tag == "" {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// tagTakesValue lists tags of the supported commands that are followed by
// a value (RFC 5230 vacation, RFC 5435 notify, RFC 5232 imap4flags,
// RFC 5228 comparator, RFC 3894 has none).
var tagTakesValue = map[string]bool{
	"days": true, "seconds": true, "subject": true, "from": true, "addresses": true, "handle": true,
	"importance": true, "options": true, "message": true, "flags": true, "comparator": true,
}

func tagValue(args []arg, tag string) []string {
	for i, a := range args {
		if a.tag == tag && i+1 < len(args) {
			return args[i+1].strs
		}
	}
	return nil
}

func lastStrings(pos []arg) []string {
	if len(pos) == 0 {
		return nil
	}
	return pos[len(pos)-1].strs
}

// mailtoAddrs returns the addresses of a mailto: URI (RFC 6068), without
// its query.
func mailtoAddrs(uri string) []string {
	s := uri[len("mailto:"):]
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(strings.ReplaceAll(a, "%40", "@")); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// renderTests renders one test (or a list, joined as allof would be).
func (w *walker) renderTests(ts []*node) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		renderTest(&b, t, w.opt.MaxText)
	}
	return clip(b.String(), w.opt.MaxText)
}

func renderTest(b *strings.Builder, t *node, max int) {
	if b.Len() > max {
		return
	}
	b.WriteString(t.name)
	for _, a := range t.args {
		b.WriteByte(' ')
		switch {
		case a.tag != "":
			b.WriteString(":" + a.tag)
		case a.num != "":
			b.WriteString(a.num)
		case a.list || len(a.strs) != 1:
			b.WriteByte('[')
			for i, s := range a.strs {
				if i > 0 {
					b.WriteString(", ")
				}
				quote(b, s)
			}
			b.WriteByte(']')
		default:
			quote(b, a.strs[0])
		}
	}
	switch {
	case len(t.tests) == 1 && t.name == "not":
		b.WriteByte(' ')
		renderTest(b, t.tests[0], max)
	case len(t.tests) > 0:
		b.WriteByte('(')
		for i, s := range t.tests {
			if i > 0 {
				b.WriteString(", ")
			}
			renderTest(b, s, max)
		}
		b.WriteByte(')')
	}
}

func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
