package mbox

import (
	"bytes"
	"io"
	"runtime"
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

// BenchmarkReaderParallel splits the same data with Boundaries and reads
// the pieces on GOMAXPROCS goroutines, the way a scanner uses all cores.
func BenchmarkReaderParallel(b *testing.B) {
	data := benchData()
	ra := bytes.NewReader(data)
	parts := runtime.GOMAXPROCS(0)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		starts, err := Boundaries(ra, int64(len(data)), parts)
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		for i, s := range starts {
			end := int64(len(data))
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			wg.Go(func() {
				r := NewReader(io.NewSectionReader(ra, s, end-s), Options{BaseOffset: s})
				for {
					if _, err := r.Next(); err == io.EOF {
						return
					} else if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
