package jsonlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/mailtrip/mailtrip/logfmt"
)

// FuzzReader checks that no input makes the Reader panic or loop, that
// origins only move forward, that every error is a ParseError, and that
// one-byte reads give the same records as large ones.
// Seeds: testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":\n{\"c\":[1,2,{\"d\":\"\\\"}\"}]}\n"))
	f.Add([]byte("a,b\r\n\"x\"\"y\",\"{\"\"k\"\":1}\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opt := range []Options{{}, {Kind: KindCSV}, {Limits: logfmt.Limits{MaxRecordBytes: 64, MaxDepth: 3, MaxFields: 4}}} {
			want := fuzzRead(t, bytes.NewReader(data), opt, len(data))
			got := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), opt, len(data))
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			if !bytes.Equal(a, b) {
				t.Fatalf("one-byte reads differ:\n%s\n%s", a, b)
			}
		}
	})
}

func fuzzRead(t *testing.T, src io.Reader, opt Options, n int) []any {
	r := NewReader(src, opt)
	var out []any
	lastIdx, lastOff := -1, int64(-1)
	for i := 0; ; i++ {
		if i > 2*n+10 {
			t.Fatalf("no progress after %d calls", i)
		}
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		var o logfmt.Origin
		if err != nil {
			var pe *logfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			o = pe.Origin
			out = append(out, err.Error())
		} else {
			o = rec.Origin
			if rec.Fields == nil {
				t.Fatalf("record without fields at %v", o)
			}
			out = append(out, rec)
		}
		if o.Index < lastIdx || o.Offset < lastOff && err == nil {
			t.Fatalf("origin went back: %+v after index %d offset %d", o, lastIdx, lastOff)
		}
		if err == nil {
			lastOff = o.Offset
		}
		lastIdx = o.Index
	}
}

// FuzzDecode checks that the fast decoder agrees with encoding/json on
// every input: same value, or both an error.
// Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5e+3,"\u00e9\ud83d\ude00\ud800x",true,null,{}],"b\"":"\t"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err1 := decodeJSON(data)
		want, err2 := decodeStd(data)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) {
			t.Fatalf("values differ:\n%s\n%s", a, b)
		}
		d := decoder{b: data}
		if v, err := d.value(0); err == nil {
			d.space()
			if d.i == len(data) {
				a, _ := json.Marshal(v)
				if !bytes.Equal(a, b) || err2 != nil {
					t.Fatalf("fast path differs:\n%s\n%s (%v)", a, b, err2)
				}
			}
		}
	})
}
