package evtx

import (
	"io"
	"time"
)

// Record is one event record. Its methods read the chunk it came from, which
// it keeps alive; a Record is safe for concurrent reads.
type Record struct {
	ID      uint64    // event record identifier (EventRecordID)
	Written time.Time // written time from the record header
	Offset  int64     // absolute file offset of the record
	Chunk   int       // index of its chunk
	c       *chunkCtx
	root    *fragment
}

// XML renders the record as one XML document without declaration, in
// python-evtx's evtx_dump.py layout: every element is closed explicitly and
// followed by a newline, text is escaped with &amp; &lt; &gt; and non-ASCII
// characters as decimal character references. Timestamps are RFC 3339 UTC
// instants (python-evtx writes "YYYY-MM-DD HH:MM:SS.ffffff").
func (r *Record) XML() string { return string(r.AppendXML(nil)) }

// AppendXML appends the XML rendering (see XML) to dst.
func (r *Record) AppendXML(dst []byte) []byte {
	if r.root == nil {
		return dst
	}
	return r.c.appendFrag(dst, r.root)
}

// WriteXML writes the XML rendering (see XML) to w.
func (r *Record) WriteXML(w io.Writer) error {
	_, err := w.Write(r.AppendXML(make([]byte, 0, 2048)))
	return err
}

func (c *chunkCtx) appendFrag(dst []byte, fr *fragment) []byte {
	t := fr.tmpl
	prev := uint32(0)
	for _, p := range t.pieces {
		dst = append(dst, t.lits[prev:p.end]...)
		prev = p.end
		if p.sub >= 0 {
			dst = c.appendValueXML(dst, &fr.vals[p.sub], p.attr)
		}
	}
	return dst
}

// flatten compiles the node tree into literal pieces and substitution holes,
// as python-evtx's render_root_node_with_subs lays them out.
func (t *template) flatten(c *chunkCtx) {
	f := flattener{t: t, c: c}
	f.nodes(t.nodes)
	t.pieces = append(t.pieces, piece{end: uint32(len(t.lits)), sub: -1})
}

type flattener struct {
	t    *template
	c    *chunkCtx
	attr bool // inside an attribute value
}

func (f *flattener) lit(s string) { f.t.lits = append(f.t.lits, s...) }

func (f *flattener) nodes(ns []node) {
	for i := range ns {
		f.node(&ns[i])
	}
}

func (f *flattener) node(n *node) {
	t := f.t
	switch n.kind {
	case nElement:
		f.lit("<")
		f.lit(n.name)
		for _, a := range n.attrs {
			f.lit(" ")
			f.lit(a.name)
			f.lit("=\"")
			f.attr = true
			f.nodes(a.value)
			f.attr = false
			f.lit("\"")
		}
		f.lit(">")
		f.nodes(n.children)
		f.lit("</")
		f.lit(n.name)
		f.lit(">\n")
	case nSubst:
		t.pieces = append(t.pieces, piece{end: uint32(len(t.lits)), sub: int32(n.index), attr: f.attr})
	case nValue:
		// Literal values are rendered at compile time from the chunk the
		// template belongs to.
		t.lits = f.c.appendValueXML(t.lits, &n.v, f.attr)
	case nCDATA:
		f.lit("<![CDATA[")
		t.lits = appendEscString(t.lits, n.text, f.attr)
		f.lit("]]>")
	case nCharRef:
		t.lits = appendEscString(t.lits, string(rune(n.char)), f.attr)
	case nEntityRef:
		f.lit("&")
		f.lit(n.name)
		f.lit(";")
	case nPI:
		f.lit("<?")
		f.lit(n.name)
		if n.text != "" {
			f.lit(" ")
			t.lits = appendEscString(t.lits, n.text, f.attr)
		}
		f.lit("?>")
	}
}
