package sieve

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that no input panics, that every error is a
// ParseError with a line inside the input, and that records can always
// be made from what was read. Seeds are under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("require [\"copy\"];\nif header :contains \"subject\" \"x\" { redirect :copy \"a@b.example\"; stop; }"), uint8(0))
	f.Add([]byte(":0 c\n* ^Subject: x\n! a@b.example\n"), uint8(2))
	f.Add([]byte("\\alice, a@b.example\n|/bin/cat\n"), uint8(1))
	f.Fuzz(func(t *testing.T, src []byte, which uint8) {
		format := []Format{FormatSieve, FormatForward, FormatProcmail, FormatUnknown}[which%4]
		s, err := Parse(bytes.NewReader(src), Options{Format: format, MaxDepth: 16, MaxActions: 200})
		if s == nil {
			t.Fatal("nil script")
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			if pe.Line < 1 || pe.Line > bytes.Count(src, []byte("\n"))+2 {
				t.Fatalf("line %d outside input of %d lines", pe.Line, bytes.Count(src, []byte("\n"))+1)
			}
		}
		for _, a := range s.Actions {
			if a.Line < 1 || a.Offset < 0 || a.Offset > int64(len(src)) {
				t.Fatalf("bad position %+v", a)
			}
		}
		_ = Records(s)
	})
}
