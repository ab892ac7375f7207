package decoy

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestWriteQP: the encoding decodes back to the input, keeps lines within
// 76 characters, and copies short safe lines unchanged.
func TestWriteQP(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "abc XYZ=\t.,é€\r\n0123456789"
	for n := range 2000 {
		var sb strings.Builder
		for range r.IntN(300) {
			if r.IntN(20) == 0 {
				sb.WriteString("\r\n")
				continue
			}
			runes := []rune(alphabet)
			c := runes[r.IntN(len(runes))]
			if c == '\r' || c == '\n' {
				continue // only CRLF pairs, as the generator writes
			}
			sb.WriteRune(c)
		}
		in := sb.String()
		var b bytes.Buffer
		writeQP(&b, in)
		got, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b.Bytes())))
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		if string(got) != in {
			t.Fatalf("case %d: round trip\n in %q\nout %q\nqp  %q", n, in, got, b.String())
		}
		for _, l := range strings.Split(b.String(), "\r\n") {
			if len(l) > 76 {
				t.Fatalf("case %d: line of %d characters: %q", n, len(l), l)
			}
		}
	}
	var b bytes.Buffer
	writeQP(&b, "Hello there,\r\nsee you.\r\n")
	if b.String() != "Hello there,\r\nsee you.\r\n" {
		t.Errorf("safe text changed: %q", b.String())
	}
}
