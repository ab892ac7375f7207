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
