package header

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailtrip/mailtrip/mailfmt"
)

func TestReadMessage(t *testing.T) {
	small := mailfmt.Limits{MaxLineBytes: 100, MaxHeaderBytes: 200, MaxFields: 10, MaxBodyBytes: 8}
	tests := []struct {
		name      string
		in        string
		lim       mailfmt.Limits
		wantErr   error
		subject   string
		body      string
		bodySize  int64
		truncated bool
	}{
		{name: "lf", in: "Subject: hi\nTo: a@b\n\nhello\n", subject: "hi", body: "hello\n", bodySize: 6},
		{name: "crlf", in: "Subject: hi\r\n\r\nhello\r\n", subject: "hi", body: "hello\r\n", bodySize: 7},
		{name: "no body", in: "Subject: hi\n\n", subject: "hi"},
		{name: "body truncated", in: "Subject: hi\n\n0123456789abcdef", lim: small, subject: "hi", body: "01234567", bodySize: 16, truncated: true},
		{name: "missing separator", in: "Subject: hi\nTo: a@b", wantErr: mailfmt.ErrNoSeparator, subject: "hi"},
		{name: "empty file", in: "", wantErr: mailfmt.ErrMalformed},
		{name: "no fields", in: "\nbody only\n", wantErr: mailfmt.ErrMalformed, body: "body only\n", bodySize: 10},
		{name: "garbage", in: "\x00\x01\x02\x03", wantErr: mailfmt.ErrMalformed},
		{name: "nul bytes", in: "Subject: a\x00b\n\n\x00\x00", subject: "a\x00b", body: "\x00\x00", bodySize: 2},
		{name: "long line", in: "Subject: " + strings.Repeat("x", 150) + "\n\nbody", lim: small, wantErr: mailfmt.ErrLimit},
		{name: "header too long", in: strings.Repeat("X: 1234567\n", 50) + "\nbody", lim: mailfmt.Limits{MaxHeaderBytes: 200, MaxFields: 100}, wantErr: mailfmt.ErrLimit},
		{name: "huge line no separator", in: "Subject: " + strings.Repeat("y", 10<<20), wantErr: mailfmt.ErrLimit},
		{name: "broken encoded word kept", in: "Subject: =?utf-8?Q?caf=E?=\n\n", subject: "=?utf-8?Q?caf=E?="},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			if oneByte {
				name += "/one-byte-reads"
			}
			t.Run(name, func(t *testing.T) {
				var r = strings.NewReader(tt.in)
				var src interface{ Read([]byte) (int, error) } = r
				if oneByte {
					src = iotest.OneByteReader(r)
				}
				m, err := ReadMessage(src, tt.lim)
				if tt.wantErr != nil {
					var pe *mailfmt.ParseError
					if !errors.Is(err, tt.wantErr) || !errors.As(err, &pe) {
						t.Fatalf("err = %v, want ParseError wrapping %v", err, tt.wantErr)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if m == nil {
					t.Fatal("nil message")
				}
				if got := m.Header.Get("Subject"); got != tt.subject {
					t.Errorf("subject %q, want %q", got, tt.subject)
				}
				if errors.Is(err, mailfmt.ErrLimit) {
					return
				}
				if string(m.Body) != tt.body || m.BodySize != tt.bodySize || m.BodyTruncated != tt.truncated {
					t.Errorf("body %q size %d trunc %v; want %q %d %v", m.Body, m.BodySize, m.BodyTruncated, tt.body, tt.bodySize, tt.truncated)
				}
				if m.Size != int64(len(tt.in)) {
					t.Errorf("size %d, want %d", m.Size, len(tt.in))
				}
			})
		}
	}
}

// TestReadMessageBounded: a 10 MB header line is not read whole.
func TestReadMessageBounded(t *testing.T) {
	in := "Subject: " + strings.Repeat("y", 10<<20) + "\n\nbody"
	cr := &countingReader{r: strings.NewReader(in)}
	if _, err := ReadMessage(cr, mailfmt.DefaultLimits); !errors.Is(err, mailfmt.ErrLimit) {
		t.Fatalf("err = %v", err)
	}
	if cr.n > int64(mailfmt.DefaultLimits.MaxHeaderBytes)+2*readChunk {
		t.Errorf("read %d bytes of a bad header", cr.n)
	}
}

type countingReader struct {
	r *strings.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FuzzReadMessage: never panics; Size is the input length unless a limit
// stopped the read; Body is within the limits. Seeds:
// testdata/fuzz/FuzzReadMessage.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte("Subject: x\r\nTo: a@b\r\n\r\nbody\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := mailfmt.Limits{MaxLineBytes: 64, MaxHeaderBytes: 256, MaxFields: 8, MaxBodyBytes: 16}
		m, err := ReadMessage(bytes.NewReader(data), lim)
		if m == nil {
			t.Fatalf("nil message (err %v)", err)
		}
		if err != nil {
			var pe *mailfmt.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("not a ParseError: %v", err)
			}
			if errors.Is(err, mailfmt.ErrLimit) {
				return
			}
		}
		if m.Size != int64(len(data)) {
			t.Fatalf("size %d, want %d", m.Size, len(data))
		}
		if len(m.Body) > lim.MaxBodyBytes || int64(len(m.Body)) > m.BodySize {
			t.Fatalf("body %d bytes, body size %d", len(m.Body), m.BodySize)
		}
		m2, err2 := ReadMessage(iotest.OneByteReader(bytes.NewReader(data)), lim)
		if (err == nil) != (err2 == nil) || len(m2.Header) != len(m.Header) || !bytes.Equal(m2.Body, m.Body) {
			t.Fatalf("one-byte reads differ: %v / %v", err, err2)
		}
	})
}

// FuzzParse: never panics, names are valid field names, fields within
// the limit. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: a\r\n b\r\nTo: c\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := mailfmt.Limits{MaxLineBytes: 64, MaxHeaderBytes: 256, MaxFields: 8}
		h, err := Parse(data, lim)
		if err != nil && !errors.Is(err, mailfmt.ErrLimit) {
			t.Fatalf("error %v", err)
		}
		if len(h) > lim.MaxFields {
			t.Fatalf("%d fields", len(h))
		}
		for _, f := range h {
			if !IsFieldName(f.Name) {
				t.Fatalf("bad name %q", f.Name)
			}
			for _, a := range Addresses(f.Value) {
				if !strings.Contains(a, "@") {
					t.Fatalf("address %q", a)
				}
			}
			_ = DecodeWord(f.Value)
		}
	})
}
