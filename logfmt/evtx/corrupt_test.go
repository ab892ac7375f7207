package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"runtime"
	"testing"
)

// realFile returns the first test file with at least three chunks in use.
func realFile(t *testing.T) []byte {
	t.Helper()
	for _, p := range testFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		used := 0
		for off := FileHeaderSize; off+ChunkSize <= len(data); off += ChunkSize {
			if bytes.Equal(data[off:off+8], chunkMagic) {
				used++
			}
		}
		if used >= 3 {
			return data
		}
	}
	t.Skip("no test file with 3 chunks")
	return nil
}

type result struct {
	records int
	errs    []error
}

func readBytes(t *testing.T, data []byte, opts *Options) (result, error) {
	t.Helper()
	f, err := Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return result{}, err
	}
	var r result
	for rec, err := range f.Records(context.Background()) {
		if err != nil {
			r.errs = append(r.errs, err)
			continue
		}
		_ = rec.XML()
		_ = rec.Fields()
		r.records++
	}
	return r, nil
}

func wantParseError(t *testing.T, errs []error, sentinel error, offset int64) {
	t.Helper()
	for _, err := range errs {
		var pe *ParseError
		if errors.As(err, &pe) && errors.Is(err, sentinel) && pe.Offset == offset {
			return
		}
	}
	t.Errorf("no %v error at offset %#x among %v", sentinel, offset, errs)
}

func fixChunkCRCs(c []byte) {
	free := binary.LittleEndian.Uint32(c[48:])
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[512:free]))
	h := crc32.Update(crc32.ChecksumIEEE(c[:120]), crc32.IEEETable, c[128:512])
	binary.LittleEndian.PutUint32(c[124:], h)
}

func TestCorruptFiles(t *testing.T) {
	orig := realFile(t)
	clean, err := readBytes(t, orig, nil)
	if err != nil || len(clean.errs) > 0 {
		t.Fatalf("clean file: %v %v", err, clean.errs)
	}
	chunk1 := int64(FileHeaderSize + ChunkSize)
	perChunk := func(data []byte, i int) int {
		c, err := ParseChunkBytes(data[FileHeaderSize+i*ChunkSize:FileHeaderSize+(i+1)*ChunkSize], i, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(c.Records)
	}
	inChunk1 := perChunk(orig, 1)

	t.Run("truncated mid-chunk", func(t *testing.T) {
		data := orig[:chunk1+ChunkSize/2]
		r, err := readBytes(t, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := perChunk(orig, 0); r.records != want || len(r.errs) != 0 {
			t.Errorf("got %d records %v, want %d (whole chunks only)", r.records, r.errs, want)
		}
	})
	t.Run("truncated header", func(t *testing.T) {
		_, err := readBytes(t, orig[:100], nil)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("err = %v, want ErrTruncated", err)
		}
	})
	t.Run("not evtx", func(t *testing.T) {
		_, err := readBytes(t, bytes.Repeat([]byte("x"), 5000), nil)
		var pe *ParseError
		if !errors.Is(err, ErrBadHeader) || !errors.As(err, &pe) || pe.Offset != 0 {
			t.Errorf("err = %v, want ErrBadHeader at 0", err)
		}
	})
	t.Run("zeroed chunk", func(t *testing.T) {
		data := bytes.Clone(orig)
		clear(data[chunk1 : chunk1+ChunkSize])
		r, err := readBytes(t, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.records != clean.records-inChunk1 || len(r.errs) != 0 {
			t.Errorf("got %d records %v, want %d", r.records, r.errs, clean.records-inChunk1)
		}
	})
	t.Run("garbage chunk", func(t *testing.T) {
		data := bytes.Clone(orig)
		copy(data[chunk1:], bytes.Repeat([]byte{0xA5}, ChunkSize))
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrBadChunk, chunk1)
		if r.records != clean.records-inChunk1 {
			t.Errorf("got %d records, want %d", r.records, clean.records-inChunk1)
		}
	})
	t.Run("chunk header checksum", func(t *testing.T) {
		data := bytes.Clone(orig)
		data[chunk1+60] ^= 0xff
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrChecksum, chunk1)
		if r.records != clean.records-inChunk1 {
			t.Errorf("got %d records, want %d", r.records, clean.records-inChunk1)
		}
		r, _ = readBytes(t, data, &Options{SkipChecksums: true})
		if r.records != clean.records || len(r.errs) != 0 {
			t.Errorf("SkipChecksums: got %d records %v, want %d", r.records, r.errs, clean.records)
		}
	})
	t.Run("records data checksum", func(t *testing.T) {
		data := bytes.Clone(orig)
		data[chunk1+52] ^= 0xff // stored data CRC; header CRC covers it, fix that
		c := data[chunk1 : chunk1+ChunkSize]
		h := crc32.Update(crc32.ChecksumIEEE(c[:120]), crc32.IEEETable, c[128:512])
		binary.LittleEndian.PutUint32(c[124:], h)
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrChecksum, chunk1)
		if r.records != clean.records {
			t.Errorf("got %d records, want all %d (framing intact)", r.records, clean.records)
		}
	})
	t.Run("file header checksum", func(t *testing.T) {
		data := bytes.Clone(orig)
		data[50] ^= 0xff
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrChecksum, 124)
		if r.records != clean.records {
			t.Errorf("got %d records, want %d", r.records, clean.records)
		}
	})
	t.Run("bad record size", func(t *testing.T) {
		data := bytes.Clone(orig)
		c := data[chunk1 : chunk1+ChunkSize]
		size := binary.LittleEndian.Uint32(c[512+4:])
		second := 512 + int(size)
		binary.LittleEndian.PutUint32(c[second+4:], 0xfff0)
		fixChunkCRCs(c)
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrBadRecord, chunk1+int64(second))
		if r.records != clean.records-inChunk1+1 {
			t.Errorf("got %d records, want %d (chunk ends at the bad record)", r.records, clean.records-inChunk1+1)
		}
	})
	t.Run("bad binary xml", func(t *testing.T) {
		data := bytes.Clone(orig)
		c := data[chunk1 : chunk1+ChunkSize]
		size := binary.LittleEndian.Uint32(c[512+4:])
		second := 512 + int(size)
		// Replace the second record's fragment with an unknown token.
		c[second+24] = 0x0f
		c[second+28] = 0x1f
		fixChunkCRCs(c)
		r, _ := readBytes(t, data, nil)
		wantParseError(t, r.errs, ErrBadXML, chunk1+int64(second))
		if r.records != clean.records-1 {
			t.Errorf("got %d records, want %d (only the bad record lost)", r.records, clean.records-1)
		}
	})
}

// synthetic builds a one-chunk file whose records are the given payloads
// (binary XML fragments, chunk offsets computed as if each record started
// where it lands).
func synthetic(payloads ...func(recStart int) []byte) []byte {
	c := make([]byte, ChunkSize)
	copy(c, chunkMagic)
	le := binary.LittleEndian
	pos := 512
	for i, p := range payloads {
		body := p(pos + 24)
		size := 24 + len(body) + 4
		copy(c[pos:], "**\x00\x00")
		le.PutUint32(c[pos+4:], uint32(size))
		le.PutUint64(c[pos+8:], uint64(i+1))
		le.PutUint64(c[pos+16:], 132000000000000000)
		copy(c[pos+24:], body)
		le.PutUint32(c[pos+size-4:], uint32(size))
		pos += size
	}
	le.PutUint64(c[8:], 1)
	le.PutUint64(c[16:], uint64(len(payloads)))
	le.PutUint64(c[24:], 1)
	le.PutUint64(c[32:], uint64(len(payloads)))
	le.PutUint32(c[40:], 128)
	le.PutUint32(c[48:], uint32(pos))
	fixChunkCRCs(c)
	h := make([]byte, FileHeaderSize)
	copy(h, fileMagic)
	le.PutUint64(h[24:], uint64(len(payloads)+1))
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], 4096)
	le.PutUint16(h[42:], 1)
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	return append(h, c...)
}

type bx struct{ b []byte }

func (w *bx) u8(v ...byte) *bx { w.b = append(w.b, v...); return w }
func (w *bx) u16(v uint16) *bx { w.b = binary.LittleEndian.AppendUint16(w.b, v); return w }
func (w *bx) u32(v uint32) *bx { w.b = binary.LittleEndian.AppendUint32(w.b, v); return w }
func (w *bx) utf16(s string) *bx {
	for _, r := range s {
		w.u16(uint16(r))
	}
	return w
}

// inlineName writes a name offset pointing right after itself and the
// name string there; base is the chunk offset of w.b[0].
func (w *bx) inlineName(base int, s string) *bx {
	w.u32(uint32(base + len(w.b) + 4))
	w.u32(0).u16(0).u16(uint16(len(s))).utf16(s).u16(0)
	return w
}

// element writes <name> opening with an inline name, no attributes.
func (w *bx) open(base int, name string) *bx {
	w.u8(0x01).u16(0xffff).u32(0)
	return w.inlineName(base, name).u8(0x02)
}

// nestedFragments: a template <a>{sub0 x n}</a> instantiated depth times,
// each instance's value 0 being the next instance; the innermost value a string.
func nestedFragments(depth, n int) func(int) []byte {
	return func(base int) []byte {
		w := &bx{}
		w.u8(0x0f, 1, 1, 0)
		defOff := base + len(w.b) + 10
		w.u8(0x0c, 0).u32(1).u32(uint32(defOff))
		def := &bx{}
		def.u8(0x0f, 1, 1, 0)
		def.open(defOff+24, "a")
		for i := 0; i < n; i++ {
			def.u8(0x0d).u16(0).u8(0x21)
		}
		def.u8(0x04, 0x00)
		w.u32(0).u8(make([]byte, 16)...).u32(uint32(len(def.b))).u8(def.b...)
		// innermost value first, then wrap.
		val := (&bx{}).utf16("x").b
		typ := byte(0x01)
		for d := 0; d < depth; d++ {
			f := &bx{}
			f.u8(0x0f, 1, 1, 0).u8(0x0c, 0).u32(1).u32(uint32(defOff))
			f.u32(1).u16(uint16(len(val))).u8(typ, 0).u8(val...)
			val, typ = f.b, 0x21
		}
		w.u32(1).u16(uint16(len(val))).u8(typ, 0).u8(val...)
		return w.b
	}
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name     string
		payload  func(int) []byte
		opts     *Options
		sentinel error // nil: must read fine
	}{
		{"nested values within limit", nestedFragments(3, 2), nil, nil},
		{"nested values too deep", nestedFragments(40, 1), nil, ErrLimit},
		{"exponential expansion", nestedFragments(10, 16), nil, ErrLimit},
		{"element depth", deepElements(100), nil, ErrLimit},
		{"element depth within limit", deepElements(10), nil, nil},
		{"template instance in template", recursiveTemplate, nil, ErrBadXML},
		{"substitution out of range", func(base int) []byte {
			b := nestedFragments(1, 1)(base)
			// the outer count: patch the template to use index 5
			i := bytes.Index(b, []byte{0x0d, 0, 0, 0x21})
			b[i+1] = 5
			return b
		}, nil, ErrBadXML},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			data := synthetic(tc.payload)
			r, err := readBytes(t, data, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("allocated %d MiB", grew>>20)
			}
			if tc.sentinel == nil {
				if r.records != 1 || len(r.errs) != 0 {
					t.Fatalf("got %d records, errors %v", r.records, r.errs)
				}
				return
			}
			if r.records != 0 {
				t.Errorf("got %d records, want 0", r.records)
			}
			wantParseError(t, r.errs, tc.sentinel, FileHeaderSize+512)
		})
	}
}

func deepElements(n int) func(int) []byte {
	return func(base int) []byte {
		w := &bx{}
		w.u8(0x0f, 1, 1, 0)
		for i := 0; i < n; i++ {
			w.u8(0x01).u16(0xffff).u32(0)
			w.inlineName(base, "e").u8(0x02)
		}
		for i := 0; i < n; i++ {
			w.u8(0x04)
		}
		w.u8(0x00)
		return w.b
	}
}

// recursiveTemplate: a template whose body instantiates itself.
func recursiveTemplate(base int) []byte {
	w := &bx{}
	w.u8(0x0f, 1, 1, 0)
	defOff := base + len(w.b) + 10
	w.u8(0x0c, 0).u32(1).u32(uint32(defOff))
	def := &bx{}
	def.u8(0x0f, 1, 1, 0).u8(0x0c, 0).u32(1).u32(uint32(defOff)).u8(0x00)
	w.u32(0).u8(make([]byte, 16)...).u32(uint32(len(def.b))).u8(def.b...)
	w.u32(0)
	return w.b
}

func TestSyntheticRendering(t *testing.T) {
	data := synthetic(nestedFragments(2, 2))
	f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for r, err := range f.Records(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		// Three levels of <a>, each holding its value 0 twice.
		inner := "<a>xx</a>\n"
		mid := "<a>" + inner + inner + "</a>\n"
		want := "<a>" + mid + mid + "</a>\n"
		if got := r.XML(); got != want {
			t.Errorf("XML = %q, want %q", got, want)
		}
	}
}
