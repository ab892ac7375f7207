package evtx

import (
	"fmt"
	"sync"
)

// The template compiler: one pass over a template definition (or a plain
// fragment) producing the literal XML with holes and the ops (binxml.go).

// compiler parses binary XML in [pos, end) of the chunk into ops, literal
// XML and holes.
type compiler struct {
	c     *chunkCtx
	pos   int
	end   int
	depth int // current element depth, template depth included
	base  int // depth at the top level
	// plain is set for XML outside template definitions. There Windows may
	// omit the dependency identifier of OpenStartElement (seen in records
	// written without templates).
	plain    bool
	attr     bool // inside an attribute value
	maxIndex int
	maxLevel int
	start    int // start of the definition data (name references are relative to it)
	ops      []op
	lits     []byte
	pieces   []piece
	refs     []nameRef
}

// compileScratch holds a compiler's buffers between uses.
var compileScratch = sync.Pool{New: func() any { return new(compiler) }}

func newCompiler(c *chunkCtx, pos, end, depth int, plain bool) *compiler {
	p := compileScratch.Get().(*compiler)
	*p = compiler{c: c, pos: pos, end: end, depth: depth, base: depth, plain: plain,
		maxIndex: -1, maxLevel: -1, start: pos,
		ops: p.ops[:0], lits: p.lits[:0], pieces: p.pieces[:0], refs: p.refs[:0]}
	return p
}

func (p *compiler) release() {
	p.c = nil
	if cap(p.lits) > 1<<20 || cap(p.ops) > 1<<14 {
		return // do not keep outsized buffers
	}
	clear(p.ops[:cap(p.ops)]) // drop references to names and chunks
	clear(p.refs[:cap(p.refs)])
	compileScratch.Put(p)
}

func (p *compiler) lit(s string) { p.lits = append(p.lits, s...) }

// noDepID reports whether the OpenStartElement at start lacks the 2-byte
// dependency identifier. Only plain XML is checked: the name offset read
// either way must be inline (the position right after the fixed fields) or
// point back to a name earlier in the chunk; the identifier is assumed
// present when both or neither fit.
func (p *compiler) noDepID(start int) bool {
	if !p.plain {
		return false
	}
	b := p.c.b
	fits := func(at, inline int) bool {
		if at+4 > p.end {
			return false
		}
		off := int(le.Uint32(b[at:]))
		return off == inline || off >= chunkHeaderSize && off < start
	}
	if fits(start+7, start+11) {
		return false
	}
	return fits(start+5, start+9)
}

func (p *compiler) fail(sentinel error, format string, a ...any) error {
	return errAt(p.pos, sentinel, fmt.Sprintf(format, a...))
}

func (p *compiler) need(n int) error {
	if p.pos+n > p.end {
		return p.fail(ErrTruncated, "need %d bytes", n)
	}
	return nil
}

// name reads a name reference whose offset field is at p.pos.
func (p *compiler) name() (string, error) {
	if err := p.need(4); err != nil {
		return "", err
	}
	field := p.pos
	off := le.Uint32(p.c.b[p.pos:])
	p.pos += 4
	s, n, err := p.c.name(off, p.pos, p.end)
	if err != nil {
		return "", err
	}
	ref := nameRef{rel: int32(field - p.start)}
	if int(off) == p.pos {
		ref.inline = true
		p.pos += n
	} else {
		ref.raw = p.c.b[off+6 : int(off)+n-2] // length and characters
	}
	if !p.plain {
		p.refs = append(p.refs, ref)
	}
	return s, nil
}

// content parses nodes until EndElement (consumed) or, at the top level,
// EndOfStream (consumed) or the end of the data.
func (p *compiler) content(top bool) error {
	b := p.c.b
	for {
		if p.pos >= p.end {
			if top {
				return nil
			}
			return p.fail(ErrTruncated, "element not closed")
		}
		tok := b[p.pos]
		switch tok & 0x0f {
		case 0x00:
			if !top {
				return p.fail(ErrBadXML, "end of stream inside element")
			}
			p.pos++
			return nil
		case 0x0f:
			if !top {
				return p.fail(ErrBadXML, "fragment header inside element")
			}
			if err := p.need(4); err != nil {
				return err
			}
			p.pos += 4
		case 0x01:
			if err := p.element(); err != nil {
				return err
			}
		case 0x04:
			if top {
				return p.fail(ErrBadXML, "end element at top level")
			}
			p.pos++
			return nil
		case 0x05, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0e:
			if err := p.charData(tok & 0x0f); err != nil {
				return err
			}
		case 0x0c:
			return p.fail(ErrBadXML, "template instance inside a template definition")
		default:
			return p.fail(ErrBadXML, "unexpected token %#02x", tok)
		}
	}
}

func (p *compiler) element() error {
	b := p.c.b
	if p.depth >= p.c.opts.MaxDepth {
		return p.fail(ErrLimit, "element nesting deeper than %d", p.c.opts.MaxDepth)
	}
	if lvl := p.depth - p.base; lvl > p.maxLevel {
		p.maxLevel = lvl
	}
	if err := p.need(11); err != nil {
		return err
	}
	tok := b[p.pos]
	if p.noDepID(p.pos) {
		p.pos += 5 // token, data size
	} else {
		p.pos += 7 // token, dependency id, data size
	}
	name, err := p.name()
	if err != nil {
		return err
	}
	ei := len(p.ops)
	p.ops = append(p.ops, op{kind: opElem, name: name})
	p.lit("<")
	p.lit(name)
	if tok&0x40 != 0 {
		if err := p.need(4); err != nil {
			return err
		}
		p.pos += 4 // attribute list size
		for p.pos < p.end && b[p.pos]&0x0f == 0x06 {
			p.pos++
			an, err := p.name()
			if err != nil {
				return err
			}
			ai := len(p.ops)
			p.ops = append(p.ops, op{kind: opAttr, name: an})
			p.lit(" ")
			p.lit(an)
			p.lit("=\"")
			p.attr = true
			for p.pos < p.end {
				k := b[p.pos] & 0x0f
				if k != 0x05 && k != 0x08 && k != 0x09 && k != 0x0d && k != 0x0e {
					break
				}
				if err := p.charData(k); err != nil {
					return err
				}
			}
			p.attr = false
			p.lit("\"")
			p.ops[ai].next = int32(len(p.ops))
		}
	}
	p.ops[ei].attrEnd = int32(len(p.ops))
	if err := p.need(1); err != nil {
		return err
	}
	switch b[p.pos] & 0x0f {
	case 0x03:
		p.pos++
	case 0x02:
		p.pos++
		p.lit(">")
		p.depth++
		err := p.content(false)
		p.depth--
		if err != nil {
			return err
		}
		p.lit("</")
		p.lit(name)
		p.lit(">\n")
		p.ops = append(p.ops, op{kind: opEnd})
		p.ops[ei].next = int32(len(p.ops))
		return nil
	default:
		return p.fail(ErrBadXML, "expected close start element, got token %#02x", b[p.pos])
	}
	// Empty element: rendered closed explicitly, as python-evtx does.
	p.lit("></")
	p.lit(name)
	p.lit(">\n")
	p.ops = append(p.ops, op{kind: opEnd})
	p.ops[ei].next = int32(len(p.ops))
	return nil
}

// charData parses one Value, Substitution, CDATA, CharRef, EntityRef or PI
// token.
func (p *compiler) charData(kind byte) error {
	b := p.c.b
	switch kind {
	case 0x05:
		if err := p.need(2); err != nil {
			return err
		}
		typ := b[p.pos+1]
		p.pos += 2
		v, err := p.literal(typ)
		if err != nil {
			return err
		}
		// Literal values are rendered at compile time.
		p.lits = p.c.appendValueXML(p.lits, &v, p.attr)
		p.ops = append(p.ops, op{kind: opValue, typ: typ, raw: p.c.bytes(&v)})
		return nil
	case 0x0d, 0x0e:
		if err := p.need(4); err != nil {
			return err
		}
		idx := le.Uint16(b[p.pos+1:])
		p.pos += 4
		if int(idx) > p.maxIndex {
			p.maxIndex = int(idx)
		}
		p.pieces = append(p.pieces, piece{end: uint32(len(p.lits)), sub: int32(idx), attr: p.attr})
		p.ops = append(p.ops, op{kind: opSubst, index: idx, cond: kind == 0x0e})
		return nil
	case 0x07, 0x0b:
		s, err := p.text()
		if err != nil {
			return err
		}
		if kind == 0x07 {
			p.lit("<![CDATA[")
			p.lits = appendEscString(p.lits, s, p.attr)
			p.lit("]]>")
			p.ops = append(p.ops, op{kind: opCDATA, text: s})
			return nil
		}
		p.pi("", s)
		return nil
	case 0x08:
		if err := p.need(3); err != nil {
			return err
		}
		ch := le.Uint16(b[p.pos+1:])
		p.pos += 3
		p.lits = appendEscString(p.lits, string(rune(ch)), p.attr)
		p.ops = append(p.ops, op{kind: opCharRef, index: ch})
		return nil
	case 0x09, 0x0a:
		p.pos++
		name, err := p.name()
		if err != nil {
			return err
		}
		if kind == 0x09 {
			p.lit("&")
			p.lit(name)
			p.lit(";")
			p.ops = append(p.ops, op{kind: opEntityRef, name: name})
			return nil
		}
		// A PI target is followed by its PI data.
		text := ""
		if p.pos < p.end && b[p.pos]&0x0f == 0x0b {
			if text, err = p.text(); err != nil {
				return err
			}
		}
		p.pi(name, text)
		return nil
	}
	return p.fail(ErrBadXML, "unexpected token %#02x", b[p.pos])
}

// text reads a CDATASection or PIData token: length(2, chars) UTF-16.
func (p *compiler) text() (string, error) {
	if err := p.need(3); err != nil {
		return "", err
	}
	b := p.c.b
	n := int(le.Uint16(b[p.pos+1:]))
	p.pos += 3
	if err := p.need(2 * n); err != nil {
		return "", err
	}
	s := decodeUTF16(b[p.pos : p.pos+2*n])
	p.pos += 2 * n
	return s, nil
}

func (p *compiler) pi(target, data string) {
	p.lit("<?")
	p.lit(target)
	if data != "" {
		p.lit(" ")
		p.lits = appendEscString(p.lits, data, p.attr)
	}
	p.lit("?>")
	p.ops = append(p.ops, op{kind: opPI, name: target, text: data})
}

// literal reads the value of a Value token: strings and binary carry their
// length, other types have their fixed size.
func (p *compiler) literal(typ uint8) (value, error) {
	b := p.c.b
	var size int
	switch typ {
	case tWString, tString, tWStringArr:
		if err := p.need(2); err != nil {
			return value{}, err
		}
		size = int(le.Uint16(b[p.pos:]))
		if typ == tWString {
			size *= 2
		}
		p.pos += 2
	case tBinary:
		if err := p.need(4); err != nil {
			return value{}, err
		}
		size = int(le.Uint32(b[p.pos:]))
		p.pos += 4
	case tSID:
		if err := p.need(2); err != nil {
			return value{}, err
		}
		size = 8 + 4*int(b[p.pos+1])
	case tNull:
		size = 0
	default:
		size = fixedSize(typ)
		if size == 0 {
			return value{}, p.fail(ErrBadXML, "value token of type %#02x", typ)
		}
	}
	if err := p.need(size); err != nil {
		return value{}, err
	}
	v := value{typ: typ, off: uint32(p.pos), size: uint32(size)}
	p.pos += size
	return v, nil
}
