package evtx

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

var updateSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite testdata/fuzz seeds from the shared test files")

// fuzzChunk puts data at the start of a zeroed 64 KiB chunk.
func fuzzChunk(data []byte) []byte {
	c := make([]byte, ChunkSize)
	copy(c, data)
	return c
}

// exercise parses a chunk and renders everything; it must never panic.
func exercise(t *testing.T, c []byte) {
	const maxXML = 256 << 10
	ch, err := ParseChunkBytes(c, 0, FileHeaderSize, &Options{SkipChecksums: true, MaxXMLSize: maxXML})
	if err != nil {
		return
	}
	// Render a bounded number of records: each may legitimately expand to
	// maxXML, and fuzzing wants many executions per second.
	n := 0
	for r, err := range ch.All() {
		if err != nil {
			continue
		}
		if x := r.AppendXML(nil); len(x) > maxXML {
			t.Fatalf("record rendered to %d bytes, limit %d", len(x), maxXML)
		}
		_ = r.Fields()
		if n++; n == 32 {
			break
		}
	}
}

// FuzzChunk feeds a whole chunk (header, tables, records) to the parser.
// Seeds are the used part of real chunks.
func FuzzChunk(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		exercise(t, fuzzChunk(data))
	})
}

// FuzzBinXML feeds one record's binary XML: data becomes the payload of the
// chunk's only record at offset 512, where real first records sit, so the
// template and name offsets of the seeds (real first records) stay valid.
func FuzzBinXML(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > ChunkSize-512-28 {
			return
		}
		c := make([]byte, ChunkSize)
		copy(c, chunkMagic)
		size := 24 + len(data) + 4
		copy(c[512:], "**\x00\x00")
		binary.LittleEndian.PutUint32(c[516:], uint32(size))
		copy(c[536:], data)
		binary.LittleEndian.PutUint32(c[512+size-4:], uint32(size))
		binary.LittleEndian.PutUint32(c[48:], uint32(512+size))
		exercise(t, c)
	})
}

// TestFuzzSeeds checks the committed seeds parse as real data does, and with
// -update-fuzz-seeds rewrites them from the smallest chunks of the test files.
func TestFuzzSeeds(t *testing.T) {
	if *updateSeeds {
		writeSeeds(t)
	}
	for _, target := range []string{"FuzzChunk", "FuzzBinXML"} {
		files, _ := filepath.Glob(filepath.Join("testdata/fuzz", target, "*"))
		if len(files) == 0 {
			t.Errorf("no seeds in testdata/fuzz/%s (run go test -run TestFuzzSeeds ./logfmt/evtx -update-fuzz-seeds)", target)
		}
		if target != "FuzzChunk" {
			continue
		}
		for _, p := range files {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			q := bytes.TrimSuffix(bytes.TrimPrefix(raw, []byte("go test fuzz v1\n[]byte(")), []byte(")\n"))
			s, err := strconv.Unquote(string(q))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			ch, err := ParseChunkBytes(fuzzChunk([]byte(s)), 0, FileHeaderSize, nil)
			if err != nil || len(ch.Records) == 0 || len(ch.Errors) != 0 {
				t.Errorf("%s: seed is not a valid chunk: %v, %d records, %v", p, err, len(ch.Records), ch.Errors)
			}
		}
	}
}

func writeSeeds(t *testing.T) {
	type seed struct {
		name          string
		chunk, record []byte
	}
	var seeds []seed
	for _, p := range testFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < FileHeaderSize+ChunkSize || !bytes.Equal(data[FileHeaderSize:FileHeaderSize+8], chunkMagic) {
			continue
		}
		c := data[FileHeaderSize : FileHeaderSize+ChunkSize]
		free := int(binary.LittleEndian.Uint32(c[48:]))
		size := int(binary.LittleEndian.Uint32(c[516:]))
		if free > ChunkSize || size < 28 || 512+size > free {
			continue
		}
		seeds = append(seeds, seed{filepath.Base(p), c[:free], c[536 : 512+size-4]})
	}
	sort.Slice(seeds, func(i, j int) bool { return len(seeds[i].chunk) < len(seeds[j].chunk) })
	seeds = seeds[:min(len(seeds), 8)]
	for _, target := range []string{"FuzzChunk", "FuzzBinXML"} {
		dir := filepath.Join("testdata/fuzz", target)
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			b := s.chunk
			if target == "FuzzBinXML" {
				b = s.record
			}
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("real-%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
