package m365

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/mailtrip/mailtrip/logfmt/internal/logtest"
)

// benchUAL repeats the real UAL samples (compacted) as JSON Lines to
// about size bytes, each copy with its own Id.
func benchUAL(b *testing.B, size int) []byte {
	var elems [][]byte
	for _, f := range logtest.Glob(b, "platform/m365/*.json") {
		raw, _ := os.ReadFile(f)
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			b.Fatal(err)
		}
		elems = append(elems, c.Bytes())
	}
	var out []byte
	for i := 0; len(out) < size; i++ {
		e := bytes.Replace(elems[i%len(elems)], []byte(`"Id":"`), []byte(fmt.Sprintf(`"Id":"%08d-`, i)), 1)
		out = append(append(out, e...), '\n')
	}
	return out
}

// BenchmarkReadUAL measures reading and normalising UAL JSON Lines:
// container split, JSON decode, classification, flattened views, client
// IP, forwarding addresses, time.
func BenchmarkReadUAL(b *testing.B) {
	data := benchUAL(b, 4<<20)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		r := NewReader(bytes.NewReader(data), Options{})
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
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
