package mbox

import (
	"bytes"
	"encoding/json"
	"testing"
	"testing/iotest"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// FuzzReader checks that no input makes the Reader panic or loop, that
// messages tile the input, that reading one byte at a time with a tiny
// buffer gives the same result as large reads, and that the pieces from
// Boundaries read in parallel give the same result as a sequential read.
// Seeds: testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte("From a@b\nSubject: x\n\nbody\n>From y\n\nFrom c@d\r\nA: b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opt := range []Options{
			{},
			{Limits: mailfmt.Limits{MaxLineBytes: 40, MaxHeaderBytes: 100, MaxFields: 4, MaxBodyBytes: 8}},
		} {
			want := readAll(t, bytes.NewReader(data), opt)
			checkInvariants(t, data, want)
			slow := newReader(iotest.OneByteReader(bytes.NewReader(data)), opt, 7)
			got := readAllFrom(t, slow)
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			if !bytes.Equal(a, b) {
				t.Fatalf("one-byte reads differ:\n%s\n%s", a, b)
			}
			checkSplit(t, data, opt, want)
			checkInMemory(t, data, opt, want)
		}
	})
}
