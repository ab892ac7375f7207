package evtx

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// Benchmarks report records/s (wall clock) and records/cpu-s (CPU time of
// the whole process, garbage collector included: on a shared machine the
// fairer single-threaded figure). The performance goals (bench/README.md,
// "EVTX reader") are >= 300k records/cpu-s per thread.

// benchChunks loads every non-empty chunk of the test files into memory.
func benchChunks(b testing.TB) [][]byte {
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

// benchFiles loads the test files into memory.
func benchFiles(b testing.TB) [][]byte {
	b.Helper()
	var files [][]byte
	for _, path := range testFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	return files
}

type rate struct {
	b       *testing.B
	cpu0    time.Duration
	records int
}

func startRate(b *testing.B) *rate {
	b.ResetTimer()
	return &rate{b: b, cpu0: cpuTime()}
}

func (r *rate) report() {
	r.b.ReportMetric(float64(r.records)/r.b.Elapsed().Seconds(), "records/s")
	if cpu := cpuTime() - r.cpu0; cpu > 0 {
		r.b.ReportMetric(float64(r.records)/cpu.Seconds(), "records/cpu-s")
	}
	r.b.ReportMetric(0, "ns/op")
}

// BenchmarkParseAndRenderXML parses every chunk of the test files on its
// own (ParseChunkBytes: no template sharing between chunks) and renders
// every record as XML.
func BenchmarkParseAndRenderXML(b *testing.B) {
	chunks := benchChunks(b)
	var buf []byte
	r := startRate(b)
	for b.Loop() {
		for i, c := range chunks {
			ch, err := ParseChunkBytes(c, i, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			for j := range ch.Records {
				buf = ch.Records[j].AppendXML(buf[:0])
				r.records++
			}
		}
	}
	r.report()
}

// BenchmarkParseAndFields parses every chunk on its own and builds every
// record's Fields.
func BenchmarkParseAndFields(b *testing.B) {
	chunks := benchChunks(b)
	r := startRate(b)
	for b.Loop() {
		for i, c := range chunks {
			ch, err := ParseChunkBytes(c, i, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			for j := range ch.Records {
				_ = ch.Records[j].Fields()
				r.records++
			}
		}
	}
	r.report()
}

// benchFileRecords reads every test file through File.Records (templates
// shared between a file's chunks), doing fn for every record.
func benchFileRecords(b *testing.B, fn func(*Record)) {
	files := benchFiles(b)
	r := startRate(b)
	for b.Loop() {
		for _, data := range files {
			f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
			if err != nil {
				b.Fatal(err)
			}
			for rec, err := range f.Records(context.Background()) {
				if err != nil {
					continue
				}
				fn(rec)
				r.records++
			}
		}
	}
	r.report()
}

// BenchmarkFileXML: File.Records and XML, as `mailtrip dump --format xml`.
func BenchmarkFileXML(b *testing.B) {
	var buf []byte
	benchFileRecords(b, func(r *Record) { buf = r.AppendXML(buf[:0]) })
}

// BenchmarkFileFields: File.Records and Fields, as `mailtrip scan` (ingest).
func BenchmarkFileFields(b *testing.B) {
	benchFileRecords(b, func(r *Record) { _ = r.Fields() })
}

// BenchmarkFileFieldsInto: File.Records and FieldsInto one reused map.
func BenchmarkFileFieldsInto(b *testing.B) {
	m := make(map[string]any)
	benchFileRecords(b, func(r *Record) { r.FieldsInto(m) })
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
