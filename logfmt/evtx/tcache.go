package evtx

import (
	"bytes"
	"sync"
	"sync/atomic"
	"unsafe"
)

// templateCache shares compiled template definitions between the chunks of
// a file. Every chunk stores its own copy of each template it uses, at its
// own offset, so the bytes differ between chunks only in the name offset
// fields (absolute chunk offsets). A cached template is reused for a
// definition with the same GUID and data size when its data bytes are equal
// outside the name offset fields, inline names sit inline again, and every
// back-referenced name holds the same characters: compiling the definition
// would then give the same result, so the cache changes no output and no
// error. It is safe for concurrent use.
type templateCache struct {
	mu    sync.RWMutex
	m     map[templateKey][]*template
	n     int // templates
	bytes int // their approximate size
	// hits and misses count lookups (tests check the cache is used).
	hits, misses atomic.Int64
}

type templateKey struct {
	guid [16]byte
	size uint32
}

// The cache is bounded (a file can define a new template in every chunk);
// real logs use a few hundred distinct templates of a few KiB.
const (
	maxCachedTemplates = 4096
	maxCachedBytes     = 64 << 20
)

// size approximates the memory a compiled template holds.
func (t *template) size() int {
	return len(t.data) + len(t.lits) + 16*len(t.pieces) + int(unsafe.Sizeof(op{}))*len(t.ops) + 32*len(t.refs)
}

func newTemplateCache() *templateCache {
	return &templateCache{m: make(map[templateKey][]*template)}
}

func keyAt(b []byte, off int) templateKey {
	var k templateKey
	copy(k.guid[:], b[off+4:off+20])
	k.size = le.Uint32(b[off+20:])
	return k
}

// lookup returns a cached template equal to the definition at chunk offset
// off (its header and data bounds already checked), or nil.
func (tc *templateCache) lookup(c *chunkCtx, off, depth int) *template {
	if tc == nil {
		return nil
	}
	tc.mu.RLock()
	cands := tc.m[keyAt(c.b, off)]
	tc.mu.RUnlock()
	for _, t := range cands {
		if depth+t.maxLevel < c.opts.MaxDepth && t.matches(c.b, off+24) {
			tc.hits.Add(1)
			return t
		}
	}
	tc.misses.Add(1)
	return nil
}

func (tc *templateCache) add(c *chunkCtx, off int, t *template) {
	if tc == nil {
		return
	}
	size := t.size()
	tc.mu.Lock()
	if tc.n < maxCachedTemplates && tc.bytes+size <= maxCachedBytes {
		k := keyAt(c.b, off)
		tc.m[k] = append(tc.m[k], t)
		tc.n++
		tc.bytes += size
	}
	tc.mu.Unlock()
}

// matches reports whether the definition data at chunk offset start of b
// compiles to t (see templateCache).
func (t *template) matches(b []byte, start int) bool {
	data := b[start : start+len(t.data)]
	prev := 0
	for _, r := range t.refs {
		rel := int(r.rel)
		if !bytes.Equal(data[prev:rel], t.data[prev:rel]) {
			return false
		}
		fieldEnd := start + rel + 4
		off := int(le.Uint32(data[rel:]))
		if r.inline {
			// The name string follows; its first field (next offset in the
			// chunk's name hash chain) is an absolute offset too.
			if off != fieldEnd {
				return false
			}
			prev = rel + 8
			continue
		}
		if off >= fieldEnd || off+8 > len(b) {
			return false
		}
		n := int(le.Uint16(b[off+6:]))
		if off+8+2*n+2 > len(b) || !bytes.Equal(b[off+6:off+8+2*n], r.raw) {
			return false
		}
		prev = rel + 4
	}
	return bytes.Equal(data[prev:], t.data[prev:])
}
