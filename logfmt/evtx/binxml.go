package evtx

import (
	"fmt"
	"unicode/utf16"
)

// Binary XML (MS-EVEN6 §2.2.12 "BinXml", libyal "binary XML"). Tokens, the
// low nibble selecting the kind and 0x40 marking "more data" (attributes
// follow, or another attribute follows):
//
//	0x00 EndOfStream
//	0x01 OpenStartElement  dependency-id(2) size(4) name-offset(4) [name] [attr-list-size(4) if 0x40]
//	0x02 CloseStartElement
//	0x03 CloseEmptyElement
//	0x04 EndElement
//	0x05 Value             type(1) value
//	0x06 Attribute         name-offset(4) [name] value-tokens
//	0x07 CDATASection      length(2, chars) UTF-16
//	0x08 CharRef           code unit(2)
//	0x09 EntityRef         name-offset(4) [name]
//	0x0A PITarget          name-offset(4) [name]
//	0x0B PIData            length(2, chars) UTF-16
//	0x0C TemplateInstance  unknown(1) template-id(4) definition-offset(4) [definition]
//	0x0D NormalSubstitution      index(2) type(1)
//	0x0E ConditionalSubstitution index(2) type(1)
//	0x0F FragmentHeader    major(1) minor(1) flags(1)
//
// Grammar (MS-EVEN6):
//
//	Fragment        = [FragmentHeader] (Element | TemplateInstance)
//	Element         = OpenStartElement *Attribute (CloseStartElement Content EndElement | CloseEmptyElement)
//	Content         = *(Element | CharData | CharRef | EntityRef | CDATASection | PI)
//	CharData        = Value | Substitution
//	Attribute       = AttributeToken Name 1*(CharData | CharRef | EntityRef)
//	TemplateInstance= TemplateInstanceToken ... [TemplateDefinition] TemplateInstanceData
//	TemplateDefinition = next-offset(4) guid(16) data-size(4) Fragment EndOfStream
//	TemplateInstanceData = count(4) count*(size(2) type(1) pad(1)) values
//
// A name is a chunk offset of a name string: next-offset(4) hash(2)
// length(2, chars) UTF-16 NUL(2); when the offset is the position right after
// the referring token's fixed fields, the string is stored there ("inline").
// A template definition is stored inline the same way.
//
// A template definition is compiled once per chunk into a tree of nodes
// (for Fields) and a flat list of literal XML pieces with substitution
// holes (for rendering).

type nodeKind uint8

const (
	nElement nodeKind = iota
	nValue            // literal value (v describes it, chunk-relative)
	nSubst            // substitution hole
	nCDATA
	nCharRef
	nEntityRef
	nPI
)

type node struct {
	kind     nodeKind
	cond     bool   // conditional substitution
	index    uint16 // substitution index
	name     string // element name, entity name, PI target
	text     string // CDATA, PI data
	char     uint16 // CharRef
	v        value  // nValue
	attrs    []attr
	children []node
}

type attr struct {
	name  string
	value []node
}

// piece: the literal bytes lits[prevEnd:end] followed, when sub >= 0, by
// substitution value number sub.
type piece struct {
	end  uint32
	sub  int32
	attr bool // the hole is inside an attribute value: escape '"' too
}

type template struct {
	off      uint32
	nodes    []node
	lits     []byte
	pieces   []piece
	maxIndex int // highest substitution index used, -1 if none
}

// value is a typed value in the chunk: a substitution or a literal Value.
type value struct {
	typ  uint8
	off  uint32 // chunk-relative
	size uint32
	frag *fragment // for binary XML (0x21)
}

// fragment is a template instance with its values (or a plain fragment
// compiled as a template without holes).
type fragment struct {
	tmpl *template
	vals []value
	est  int // upper bound of the rendered size
}

type bxParser struct {
	c     *chunkCtx
	pos   int
	end   int
	depth int
	tmpl  *template
	// plain is set for XML outside template definitions. There Windows may
	// omit the dependency identifier of OpenStartElement (seen in records
	// written without templates).
	plain bool
}

// noDepID reports whether the OpenStartElement at start lacks the 2-byte
// dependency identifier. Only plain XML is checked: the name offset read
// either way must be inline (the position right after the fixed fields) or
// point back to a name earlier in the chunk; the identifier is assumed
// present when both or neither fit.
func (p *bxParser) noDepID(start int) bool {
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

func (p *bxParser) fail(sentinel error, format string, a ...any) error {
	return errAt(p.pos, sentinel, fmt.Sprintf(format, a...))
}

func (p *bxParser) need(n int) error {
	if p.pos+n > p.end {
		return p.fail(ErrTruncated, "need %d bytes", n)
	}
	return nil
}

// name reads a name reference whose offset field is at p.pos.
func (p *bxParser) name() (string, error) {
	if err := p.need(4); err != nil {
		return "", err
	}
	off := le.Uint32(p.c.b[p.pos:])
	p.pos += 4
	s, n, err := p.c.name(off, p.pos, p.end)
	if err != nil {
		return "", err
	}
	if int(off) == p.pos {
		p.pos += n
	}
	return s, nil
}

// name decodes the name string at chunk offset off; n is its stored size.
// pos and end bound an inline string (off == pos).
func (c *chunkCtx) name(off uint32, pos, end int) (string, int, error) {
	b := c.b
	if int(off) > pos {
		return "", 0, errAt(pos-4, ErrBadXML, fmt.Sprintf("name offset %#x points forward but not inline", off))
	}
	lim := len(b)
	if int(off) == pos {
		lim = end
	}
	if int(off)+8 > lim {
		return "", 0, errAt(pos-4, ErrTruncated, fmt.Sprintf("name at %#x", off))
	}
	n := int(le.Uint16(b[off+6:]))
	size := 8 + 2*n + 2
	if int(off)+size > lim {
		return "", 0, errAt(int(off), ErrTruncated, fmt.Sprintf("name of %d chars", n))
	}
	if s, ok := c.names[off]; ok {
		return s, size, nil
	}
	s := decodeUTF16(b[off+8 : int(off)+8+2*n])
	if c.names == nil {
		c.names = make(map[uint32]string, 64)
	}
	c.names[off] = s
	return s, size, nil
}

func decodeUTF16(b []byte) string {
	ascii := true
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] >= 0x80 || b[i+1] != 0 {
			ascii = false
			break
		}
	}
	if ascii {
		s := make([]byte, len(b)/2)
		for i := range s {
			s[i] = b[2*i]
		}
		return string(s)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// template returns the compiled template definition at chunk offset off.
func (c *chunkCtx) template(off uint32, depth int) (*template, error) {
	if t, ok := c.templates[off]; ok {
		return t, nil
	}
	b := c.b
	if int(off) < chunkHeaderSize || int(off)+24 > len(b) {
		return nil, errAt(int(off), ErrBadXML, "template definition offset out of chunk")
	}
	size := int(le.Uint32(b[off+20:]))
	start := int(off) + 24
	if size > len(b)-start {
		return nil, errAt(int(off), ErrTruncated, fmt.Sprintf("template definition of %d bytes", size))
	}
	t := &template{off: off, maxIndex: -1, lits: make([]byte, 0, 3*size)}
	p := &bxParser{c: c, pos: start, end: start + size, depth: depth, tmpl: t}
	nodes, err := p.content(true)
	if err != nil {
		return nil, err
	}
	t.nodes = nodes
	t.flatten(c)
	if c.templates == nil {
		c.templates = make(map[uint32]*template, 16)
	}
	c.templates[off] = t
	return t, nil
}

// content parses nodes until EndElement (consumed) or, at the top level,
// EndOfStream (consumed) or the end of the data.
func (p *bxParser) content(top bool) ([]node, error) {
	var out []node
	b := p.c.b
	for {
		if p.pos >= p.end {
			if top {
				return out, nil
			}
			return nil, p.fail(ErrTruncated, "element not closed")
		}
		tok := b[p.pos]
		switch tok & 0x0f {
		case 0x00:
			if !top {
				return nil, p.fail(ErrBadXML, "end of stream inside element")
			}
			p.pos++
			return out, nil
		case 0x0f:
			if !top {
				return nil, p.fail(ErrBadXML, "fragment header inside element")
			}
			if err := p.need(4); err != nil {
				return nil, err
			}
			p.pos += 4
		case 0x01:
			n, err := p.element()
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		case 0x04:
			if top {
				return nil, p.fail(ErrBadXML, "end element at top level")
			}
			p.pos++
			return out, nil
		case 0x05, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0e:
			n, err := p.charData(tok & 0x0f)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		case 0x0c:
			return nil, p.fail(ErrBadXML, "template instance inside a template definition")
		default:
			return nil, p.fail(ErrBadXML, "unexpected token %#02x", tok)
		}
	}
}

func (p *bxParser) element() (node, error) {
	b := p.c.b
	if p.depth >= p.c.opts.MaxDepth {
		return node{}, p.fail(ErrLimit, "element nesting deeper than %d", p.c.opts.MaxDepth)
	}
	if err := p.need(11); err != nil {
		return node{}, err
	}
	tok := b[p.pos]
	if p.noDepID(p.pos) {
		p.pos += 5 // token, data size
	} else {
		p.pos += 7 // token, dependency id, data size
	}
	name, err := p.name()
	if err != nil {
		return node{}, err
	}
	n := node{kind: nElement, name: name}
	if tok&0x40 != 0 {
		if err := p.need(4); err != nil {
			return node{}, err
		}
		p.pos += 4 // attribute list size
		for p.pos < p.end && b[p.pos]&0x0f == 0x06 {
			p.pos++
			an, err := p.name()
			if err != nil {
				return node{}, err
			}
			a := attr{name: an}
			for p.pos < p.end {
				k := b[p.pos] & 0x0f
				if k != 0x05 && k != 0x08 && k != 0x09 && k != 0x0d && k != 0x0e {
					break
				}
				v, err := p.charData(k)
				if err != nil {
					return node{}, err
				}
				a.value = append(a.value, v)
			}
			n.attrs = append(n.attrs, a)
		}
	}
	if err := p.need(1); err != nil {
		return node{}, err
	}
	switch b[p.pos] & 0x0f {
	case 0x03:
		p.pos++
		return n, nil
	case 0x02:
		p.pos++
		p.depth++
		n.children, err = p.content(false)
		p.depth--
		return n, err
	default:
		return node{}, p.fail(ErrBadXML, "expected close start element, got token %#02x", b[p.pos])
	}
}

// charData parses one Value, Substitution, CDATA, CharRef, EntityRef or PI token.
func (p *bxParser) charData(kind byte) (node, error) {
	b := p.c.b
	switch kind {
	case 0x05:
		if err := p.need(2); err != nil {
			return node{}, err
		}
		typ := b[p.pos+1]
		p.pos += 2
		v, err := p.literal(typ)
		if err != nil {
			return node{}, err
		}
		return node{kind: nValue, v: v}, nil
	case 0x0d, 0x0e:
		if err := p.need(4); err != nil {
			return node{}, err
		}
		idx := le.Uint16(b[p.pos+1:])
		p.pos += 4
		if int(idx) > p.tmpl.maxIndex {
			p.tmpl.maxIndex = int(idx)
		}
		return node{kind: nSubst, index: idx, cond: kind == 0x0e}, nil
	case 0x07, 0x0b:
		if err := p.need(3); err != nil {
			return node{}, err
		}
		n := int(le.Uint16(b[p.pos+1:]))
		p.pos += 3
		if err := p.need(2 * n); err != nil {
			return node{}, err
		}
		s := decodeUTF16(b[p.pos : p.pos+2*n])
		p.pos += 2 * n
		if kind == 0x07 {
			return node{kind: nCDATA, text: s}, nil
		}
		return node{kind: nPI, text: s}, nil
	case 0x08:
		if err := p.need(3); err != nil {
			return node{}, err
		}
		ch := le.Uint16(b[p.pos+1:])
		p.pos += 3
		return node{kind: nCharRef, char: ch}, nil
	case 0x09, 0x0a:
		p.pos++
		name, err := p.name()
		if err != nil {
			return node{}, err
		}
		if kind == 0x09 {
			return node{kind: nEntityRef, name: name}, nil
		}
		// A PI target is followed by its PI data.
		n := node{kind: nPI, name: name}
		if p.pos < p.end && b[p.pos]&0x0f == 0x0b {
			d, err := p.charData(0x0b)
			if err != nil {
				return node{}, err
			}
			n.text = d.text
		}
		return n, nil
	}
	return node{}, p.fail(ErrBadXML, "unexpected token %#02x", b[p.pos])
}

// literal reads the value of a Value token: strings and binary carry their
// length, other types have their fixed size.
func (p *bxParser) literal(typ uint8) (value, error) {
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

// parseFragment parses a binary XML fragment in [pos, end): a template
// instance with its substitution values, or plain XML. est is an upper bound
// of its rendered size.
func (c *chunkCtx) parseFragment(pos, end, depth int) (*fragment, int, error) {
	b := c.b
	if depth > c.opts.MaxTemplateDepth {
		return nil, 0, errAt(pos, ErrLimit, fmt.Sprintf("binary xml values nested deeper than %d", c.opts.MaxTemplateDepth))
	}
	if pos < end && b[pos]&0x0f == 0x0f {
		pos += 4
	}
	if pos >= end {
		return nil, 0, errAt(pos, ErrTruncated, "empty fragment")
	}
	if b[pos]&0x0f != 0x0c {
		// Plain XML, no template: compile it as a template without holes.
		t := &template{maxIndex: -1}
		p := &bxParser{c: c, pos: pos, end: end, depth: depth, tmpl: t, plain: true}
		nodes, err := p.content(true)
		if err != nil {
			return nil, 0, err
		}
		if t.maxIndex >= 0 {
			return nil, 0, errAt(pos, ErrBadXML, "substitution outside a template")
		}
		t.nodes = nodes
		t.flatten(c)
		fr := c.newFragment()
		*fr = fragment{tmpl: t, est: len(t.lits)}
		return fr, len(t.lits), nil
	}
	inst := pos
	if pos+10 > end {
		return nil, 0, errAt(pos, ErrTruncated, "template instance")
	}
	defOff := le.Uint32(b[pos+6:])
	pos += 10
	if int(defOff) > inst {
		if int(defOff) != pos {
			return nil, 0, errAt(inst, ErrBadXML, fmt.Sprintf("template definition offset %#x points forward but not inline", defOff))
		}
		if pos+24 > end {
			return nil, 0, errAt(pos, ErrTruncated, "inline template definition")
		}
		pos += 24 + int(le.Uint32(b[pos+20:]))
		if pos > end {
			return nil, 0, errAt(inst, ErrTruncated, "inline template definition")
		}
	}
	t, err := c.template(defOff, depth)
	if err != nil {
		return nil, 0, err
	}
	if pos+4 > end {
		return nil, 0, errAt(pos, ErrTruncated, "substitution count")
	}
	count := int(le.Uint32(b[pos:]))
	pos += 4
	if count > c.opts.MaxSubstitutions {
		return nil, 0, errAt(pos-4, ErrLimit, fmt.Sprintf("%d substitutions (max %d)", count, c.opts.MaxSubstitutions))
	}
	if count > (end-pos)/4 {
		return nil, 0, errAt(pos-4, ErrTruncated, fmt.Sprintf("%d substitution descriptors", count))
	}
	if t.maxIndex >= count {
		return nil, 0, errAt(inst, ErrBadXML, fmt.Sprintf("template uses substitution %d of %d", t.maxIndex, count))
	}
	// Reserve the slots first: nested binary XML values append their own.
	// Values live in blocks that are never grown in place, so earlier
	// fragments' slices stay valid without copying.
	if cap(c.vals)-len(c.vals) < count {
		c.vals = make([]value, 0, max(256, count))
	}
	start := len(c.vals)
	c.vals = c.vals[:start+count]
	vals := c.vals[start : start+count : start+count]
	desc := pos
	pos += 4 * count
	for i := 0; i < count; i++ {
		size := int(le.Uint16(b[desc+4*i:]))
		typ := b[desc+4*i+2]
		if size > end-pos {
			return nil, 0, errAt(desc+4*i, ErrTruncated, fmt.Sprintf("substitution %d of %d bytes", i, size))
		}
		v := value{typ: typ, off: uint32(pos), size: uint32(size)}
		if typ == tBinXML {
			sub, _, err := c.parseFragment(pos, pos+size, depth+1)
			if err != nil {
				return nil, 0, err
			}
			v.frag = sub
		} else {
			if fs := fixedSize(typ); fs > 0 && size < fs && typ != tSizeT {
				return nil, 0, errAt(desc+4*i, ErrBadXML, fmt.Sprintf("substitution %d of type %#02x has %d bytes", i, typ, size))
			}
		}
		vals[i] = v
		pos += size
	}
	est := len(t.lits)
	limit := c.opts.MaxXMLSize
	for _, pc := range t.pieces {
		if pc.sub < 0 {
			continue
		}
		v := &vals[pc.sub]
		if v.frag != nil {
			est += v.frag.est
		} else {
			est += 16*int(v.size) + 32
		}
		if est > limit {
			est = limit + 1 // saturate: nested values may repeat exponentially
			break
		}
	}
	fr := c.newFragment()
	*fr = fragment{tmpl: t, vals: vals, est: est}
	return fr, est, nil
}

// newFragment allocates a fragment from the chunk's current block.
func (c *chunkCtx) newFragment() *fragment {
	if len(c.frags) == cap(c.frags) {
		c.frags = make([]fragment, 0, 64)
	}
	c.frags = c.frags[:len(c.frags)+1]
	return &c.frags[len(c.frags)-1]
}
