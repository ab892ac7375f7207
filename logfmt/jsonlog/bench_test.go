package jsonlog

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchInput repeats the real M365 samples (compacted) to about size
// bytes, giving each copy a distinct Id, in the given container.
func benchInput(b *testing.B, kind Kind, size int) []byte {
	elems, _ := samplesArray(&testing.T{})
	if len(elems) == 0 {
		b.Fatal("no samples")
	}
	var rows [][]byte
	n := 0
	for i := 0; n < size; i++ {
		e := elems[i%len(elems)]
		e = bytes.Replace(e, []byte(`"Id":"`), []byte(fmt.Sprintf(`"Id":"%08d-`, i)), 1)
		rows = append(rows, e)
		n += len(e) + 1
	}
	switch kind {
	case KindArray:
		return append(append([]byte("["), bytes.Join(rows, []byte(","))...), ']')
	case KindCSV:
		return purviewCSV(&testing.T{}, []string{"CreationDate", "UserIds", "Operations", "AuditData"}, rows)
	}
	return append(bytes.Join(rows, []byte("\n")), '\n')
}

func benchRead(b *testing.B, kind Kind) {
	data := benchInput(b, kind, 4<<20)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
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
		b.ReportMetric(float64(n), "records/op")
	}
}

func BenchmarkJSONL(b *testing.B)      { benchRead(b, KindJSONL) }
func BenchmarkArray(b *testing.B)      { benchRead(b, KindArray) }
func BenchmarkPurviewCSV(b *testing.B) { benchRead(b, KindCSV) }
