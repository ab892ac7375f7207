package evtx

import (
	"context"
	"os"
	"testing"
)

// benchChunks loads every non-empty chunk of the test files into memory.
func benchChunks(b *testing.B) [][]byte {
	b.Helper()
	var chunks [][]byte
	for _, path := range testFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for off := FileHeaderSize; off+ChunkSize <= len(data); off += ChunkSize {
			c := data[off : off+ChunkSize]
			if string(c[:8]) == string(chunkMagic) {
				chunks = append(chunks, c)
			}
		}
	}
	return chunks
}

// BenchmarkParseAndRenderXML parses every chunk of the test files and renders
// every record as XML: the work `mailtrip dump --format xml` does per record.
func BenchmarkParseAndRenderXML(b *testing.B) {
	chunks := benchChunks(b)
	var buf []byte
	records := 0
	b.ResetTimer()
	for b.Loop() {
		for i, c := range chunks {
			ch, err := ParseChunkBytes(c, i, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			for j := range ch.Records {
				buf = ch.Records[j].AppendXML(buf[:0])
				records++
			}
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseAndFields parses every chunk and builds every record's Fields.
func BenchmarkParseAndFields(b *testing.B) {
	chunks := benchChunks(b)
	records := 0
	b.ResetTimer()
	for b.Loop() {
		for i, c := range chunks {
			ch, err := ParseChunkBytes(c, i, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			for j := range ch.Records {
				_ = ch.Records[j].Fields()
				records++
			}
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkFileRecords reads a test file through File.Records.
func BenchmarkFileRecords(b *testing.B) {
	path := testFiles(b)[0]
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := Open(fh, st.Size(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for r, err := range f.Records(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			_ = r
		}
	}
}
