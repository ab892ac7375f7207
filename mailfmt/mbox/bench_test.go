package mbox

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

var benchData = sync.OnceValue(func() []byte { return genMbox(1, 64<<20, false) })

// BenchmarkReader reads a 64 MiB synthetic mbox held in memory.
func BenchmarkReader(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), Options{})
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n), "msgs/op")
	}
}
