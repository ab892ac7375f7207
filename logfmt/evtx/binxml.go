package evtx

import (
	"fmt"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
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
// A template definition is compiled once, in one pass, into two forms: a
// flat list of literal XML bytes with substitution holes (for rendering: a
// record is the cached skeleton with its substitution values formatted into
// the holes) and a flat list of ops (for Fields). Compiled templates are
// cached per chunk by offset and, through File, across the chunks of a file
// (tcache.go).

// opKind is the kind of one op of a compiled template, in document order.
// An element is opElem, its attributes (each opAttr followed by its value
// ops), its content, then opEnd.
type opKind uint8

const (
	opElem      opKind = iota // name; attrEnd: first content op; next: op after its opEnd
	opAttr                    // name; next: op after its value ops
	opEnd                     // end of element
	opValue                   // literal value: typ, raw
	opSubst                   // substitution hole: index, cond
	opCDATA                   // text
	opCharRef                 // index holds the code unit
	opEntityRef               // name
	opPI                      // name (target, may be empty), text (data)
)

type op struct {
	kind    opKind
	cond    bool   // conditional substitution
	typ     uint8  // opValue: value type
	index   uint16 // opSubst: substitution index; opCharRef: code unit
	attrEnd int32
	next    int32
	name    string
	text    string
	raw     []byte // opValue: the value's bytes
}

// piece: the literal bytes lits[prevEnd:end] followed, when sub >= 0, by
// substitution value number sub.
type piece struct {
	end  uint32
	sub  int32
	attr bool // the hole is inside an attribute value: escape '"' too
}

type template struct {
	ops      []op
	lits     []byte
	pieces   []piece
	maxIndex int // highest substitution index used, -1 if none
	// maxLevel is the deepest element nesting inside the definition (0: top
	// level elements only, -1: no element); a cached template is reused at
	// template depth d only when d+maxLevel < MaxDepth, as compiling it
	// there would succeed.
	maxLevel int
	// For the file-level cache (tcache.go): the definition's data bytes
	// (which literal values' raw bytes point into) and its name references.
	data []byte
	refs []nameRef
	// Fields plans (fields.go), built on first use.
	plans planSet
	// A plain fragment's ops are compiled on first use (see opsFor) from
	// [plainPos, plainEnd) of its chunk at depth plainDepth.
	plain                          bool
	plainOnce                      sync.Once
	plainPos, plainEnd, plainDepth int32
}

// opsFor returns the template's ops, compiling a plain fragment's on first
// use (XML rendering needs only its literal XML). c is its chunk.
func (t *template) opsFor(c *chunkCtx) []op {
	if !t.plain {
		return t.ops
	}
	t.plainOnce.Do(func() {
		p := newCompiler(c, int(t.plainPos), int(t.plainEnd), int(t.plainDepth), true)
		if p.content(true) == nil { // it compiled before, so it does again
			t.ops = append([]op(nil), p.ops...)
		}
		p.release()
	})
	return t.ops
}

// nameRef is a name reference inside a template definition: the position of
// its offset field relative to the definition data, whether the name is
// stored inline, and (back references) the name's stored length and UTF-16
// characters, which a cached template must find at the referenced offset.
type nameRef struct {
	rel    int32
	inline bool
	raw    []byte
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
	var buf [256]byte
	dst := buf[:0]
	if n := 3 * (len(b) / 2); n > len(buf) {
		dst = make([]byte, 0, n)
	}
	return string(appendUTF16(dst, b))
}

// appendUTF16 appends UTF-16LE text as UTF-8, unpaired surrogates as U+FFFD
// (as utf16.Decode does). It appends at most 3 bytes per code unit.
func appendUTF16(dst, b []byte) []byte {
	n := len(b) / 2
	for i := 0; i < n; i++ {
		lo, hi := b[2*i], b[2*i+1]
		if hi == 0 && lo < 0x80 {
			dst = append(dst, lo)
			continue
		}
		u := rune(lo) | rune(hi)<<8
		if utf16.IsSurrogate(u) {
			r := utf8.RuneError
			if u < 0xdc00 && i+1 < n {
				if d := utf16.DecodeRune(u, rune(le.Uint16(b[2*i+2:]))); d != utf8.RuneError {
					r = d
					i++
				}
			}
			u = r
		}
		dst = utf8.AppendRune(dst, u)
	}
	return dst
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
	t := c.cache.lookup(c, int(off), depth)
	if t == nil {
		p := newCompiler(c, start, start+size, depth, false)
		err := p.content(true)
		if err != nil {
			p.release()
			return nil, err
		}
		t = p.template(b[start : start+size])
		p.release()
		c.cache.add(c, int(off), t)
	}
	if c.templates == nil {
		c.templates = make(map[uint32]*template, 16)
	}
	c.templates[off] = t
	return t, nil
}

// template copies the compiled result into a template of its own, which
// does not refer to the chunk: literal values point into a copy of the
// definition data.
func (p *compiler) template(data []byte) *template {
	t := &template{maxIndex: p.maxIndex, maxLevel: p.maxLevel}
	t.data = append([]byte(nil), data...)
	t.lits = append(make([]byte, 0, len(p.lits)), p.lits...)
	t.pieces = append(make([]piece, 0, len(p.pieces)+1), p.pieces...)
	t.pieces = append(t.pieces, piece{end: uint32(len(t.lits)), sub: -1})
	t.ops = append(make([]op, 0, len(p.ops)), p.ops...)
	for i := range t.ops {
		if o := &t.ops[i]; o.kind == opValue {
			rel := p.c.offsetIn(o.raw) - p.start
			o.raw = t.data[rel : rel+len(o.raw) : rel+len(o.raw)]
		}
	}
	t.refs = make([]nameRef, len(p.refs))
	for i, r := range p.refs {
		t.refs[i] = nameRef{rel: r.rel, inline: r.inline, raw: append([]byte(nil), r.raw...)}
	}
	return t
}

// offsetIn is the chunk offset of b, a slice of the chunk.
func (c *chunkCtx) offsetIn(b []byte) int {
	return cap(c.b) - cap(b)
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
		p := newCompiler(c, pos, end, depth, true)
		defer p.release()
		if err := p.content(true); err != nil {
			return nil, 0, err
		}
		if p.maxIndex >= 0 {
			return nil, 0, errAt(pos, ErrBadXML, "substitution outside a template")
		}
		t := c.plainTemplate(p, pos, end, depth)
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

// plainTemplate copies a compiled plain fragment into the chunk's arenas
// (its literal values keep pointing into the chunk).
func (c *chunkCtx) plainTemplate(p *compiler, pos, end, depth int) *template {
	if len(c.tmpls) == cap(c.tmpls) {
		c.tmpls = make([]template, 0, 16)
	}
	c.tmpls = c.tmpls[:len(c.tmpls)+1]
	t := &c.tmpls[len(c.tmpls)-1]
	*t = template{maxIndex: -1, maxLevel: p.maxLevel, plain: true,
		plainPos: int32(pos), plainEnd: int32(end), plainDepth: int32(depth)}
	t.lits = arena(&c.litArena, p.lits, 4096)
	t.pieces = arena(&c.pieceArena, []piece{{end: uint32(len(t.lits)), sub: -1}}, 64)
	return t
}

// arena copies src into the free capacity of *a (a fresh block of at least
// min elements when it does not fit) and returns the copy. Blocks are never
// grown in place, so earlier copies stay valid.
func arena[T any](a *[]T, src []T, min int) []T {
	if cap(*a)-len(*a) < len(src) {
		*a = make([]T, 0, max(min, len(src)))
	}
	start := len(*a)
	*a = append(*a, src...)
	return (*a)[start:len(*a):len(*a)]
}
