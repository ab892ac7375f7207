package mbox

import (
	"bytes"
	"testing"
)

func BenchmarkMicroCopy(b *testing.B) {
	data := benchData()
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		for i := 0; i < len(data); i += len(buf) {
			copy(buf, data[i:])
		}
	}
}

func BenchmarkMicroIndexByteNL(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		for p := 0; ; {
			j := bytes.IndexByte(data[p:], '\n')
			if j < 0 {
				break
			}
			p += j + 1
			n++
		}
	}
}

func BenchmarkMicroIndexByteSpace(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		for p := 0; ; {
			j := bytes.IndexByte(data[p:], ' ')
			if j < 0 {
				break
			}
			p += j + 1
			n++
		}
	}
}

func BenchmarkMicroIndexFrom(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		for p := 0; ; {
			j := bytes.Index(data[p:], []byte("\nFrom "))
			if j < 0 {
				break
			}
			p += j + 1
			n++
		}
	}
}

func BenchmarkMicroCount(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		bytes.Count(data, []byte{'Z'})
	}
}
