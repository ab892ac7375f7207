package evtx

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"testing"
)

// TestTemplateCache reads files whose chunks share templates with earlier,
// intact chunks but were damaged (random bytes changed, checksums off)
// through File, whose template cache then offers the intact chunks'
// templates, and compares every record and error with parsing each chunk
// on its own (no cache).
func TestTemplateCache(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	opts := &Options{SkipChecksums: true, MaxXMLSize: 1 << 20}
	var hits, misses int64
	defer func() {
		t.Logf("template cache: %d hits, %d misses", hits, misses)
		if hits == 0 {
			t.Error("the template cache was never used")
		}
	}()
	for _, p := range testFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var chunks [][]byte
		for off := FileHeaderSize; off+ChunkSize <= len(data); off += ChunkSize {
			if bytes.Equal(data[off:off+8], chunkMagic) {
				chunks = append(chunks, data[off:off+ChunkSize])
			}
		}
		if len(chunks) == 0 {
			continue
		}
		// Intact chunks first, then damaged copies of them.
		file := append([]byte(nil), data[:FileHeaderSize]...)
		for _, c := range chunks {
			file = append(file, c...)
		}
		for k := range 8 {
			for _, c := range chunks {
				d := append([]byte(nil), c...)
				free := int(le.Uint32(d[48:]))
				if free > ChunkSize || free <= chunkHeaderSize {
					free = ChunkSize
				}
				// Half the copies are damaged anywhere, half in a name
				// string or a template definition, which the cache must
				// notice.
				var spots []int
				if ch, err := ParseChunkBytes(c, 0, 0, opts); k%2 == 1 && err == nil && len(ch.Records) > 0 {
					cc := ch.Records[0].c
					for off := range cc.names {
						spots = append(spots, int(off)+6+rng.Intn(2+2*int(le.Uint16(c[off+6:]))))
					}
					for off := range cc.templates {
						if size := int(le.Uint32(c[off+20:])); size > 0 {
							spots = append(spots, int(off)+24+rng.Intn(size))
						}
					}
				}
				for range 1 + rng.Intn(3) {
					pos := chunkHeaderSize + rng.Intn(free-chunkHeaderSize)
					if len(spots) > 0 {
						pos = spots[rng.Intn(len(spots))]
					}
					d[pos] = byte(rng.Intn(256))
				}
				file = append(file, d...)
			}
		}
		f, err := Open(bytes.NewReader(file), int64(len(file)), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			hits += f.templates.hits.Load()
			misses += f.templates.misses.Load()
		}()
		for i := range f.NumChunks() {
			got, gerr := f.ParseChunk(context.Background(), i)
			off := f.ChunkOffset(i)
			want, werr := ParseChunkBytes(file[off:off+ChunkSize], i, off, opts)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("%s chunk %d: error %v, want %v", relName(p), i, gerr, werr)
			}
			if gerr != nil {
				continue
			}
			if g, w := describe(got), describe(want); g != w {
				t.Fatalf("%s chunk %d differs with the template cache:\n%s\nwant\n%s", relName(p), i, firstDiff(g, w), w[:min(len(w), 2000)])
			}
			for j := range got.Records {
				if g, w := got.Records[j].Fields(), want.Records[j].Fields(); !reflect.DeepEqual(g, w) {
					t.Fatalf("%s chunk %d record %d: Fields differ:\n%v\nwant\n%v", relName(p), i, j, g, w)
				}
			}
		}
	}
}

func describe(ch *Chunk) string {
	var sb bytes.Buffer
	for r, err := range ch.All() {
		if err != nil {
			fmt.Fprintf(&sb, "error: %v\n", err)
			continue
		}
		fmt.Fprintf(&sb, "record %d at %#x\n%s", r.ID, r.Offset, r.XML())
	}
	return sb.String()
}
