package header

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

func fields(kv ...string) mailfmt.Header {
	var h mailfmt.Header
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, mailfmt.Field{Name: kv[i], Value: kv[i+1]})
	}
	return h
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    mailfmt.Header
		skipped int
	}{
		{"lf", "From: a@b\nTo: c@d\n\nbody", fields("From", "a@b", "To", "c@d"), 0},
		{"crlf", "From: a@b\r\nTo: c@d\r\n\r\nbody", fields("From", "a@b", "To", "c@d"), 0},
		{"mixed line ends", "A: 1\r\nB: 2\n\r\nC: 3", fields("A", "1", "B", "2"), 0},
		{"no blank line", "A: 1\nB: 2", fields("A", "1", "B", "2"), 0},
		{"no final newline value keeps CR", "A: 1\r", fields("A", "1"), 0},
		{"folded", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n", fields("Subject", "a b\tc", "X", "y"), 0},
		{"folded first line empty", "Subject:\n  hello\n", fields("Subject", "hello"), 0},
		{"space before colon", "Subject : hi\n", fields("Subject", "hi"), 0},
		{"empty value", "X-Empty:\nY:   \n", fields("X-Empty", "", "Y", ""), 0},
		{"colon in value", "Date: Mon, 1 Jan 2024 10:00:00 +0000\n", fields("Date", "Mon, 1 Jan 2024 10:00:00 +0000"), 0},
		{"stray from line", ">From a@b Mon\nSubject: x\n", fields("Subject", "x"), 1},
		{"garbage and continuation before field", " cont\ngarbage line\n\x00\x01:\nA: 1\n", fields("A", "1"), 3},
		{"continuation after garbage is dropped", "A: 1\njunk\n more\n", fields("A", "1"), 2},
		{"nul in value", "A: x\x00y\n", fields("A", "x\x00y"), 0},
		{"8-bit value", "Subject: caf\xe9\n", fields("Subject", "caf\xe9"), 0},
		{"starts with blank line", "\nA: 1\n", nil, 0},
		{"empty", "", nil, 0},
		{"name with non-ascii is junk", "Sübject: x\n", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, skipped, err := ParseCount([]byte(tt.in), mailfmt.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) == 0 && len(tt.want) == 0 {
				h = nil
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Errorf("got %q, want %q", h, tt.want)
			}
			if skipped != tt.skipped {
				t.Errorf("skipped %d, want %d", skipped, tt.skipped)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	lim := mailfmt.Limits{MaxLineBytes: 100, MaxHeaderBytes: 1000, MaxFields: 3}
	tests := []struct {
		name       string
		in         string
		wantOffset int64
		wantFields int
	}{
		{"long line", "A: 1\nB: " + strings.Repeat("x", 200) + "\n", 5, 1},
		{"long continuation", "A: 1\n " + strings.Repeat("x", 200) + "\n", 5, 1},
		{"too many fields", "A: 1\nB: 2\nC: 3\nD: 4\n", 15, 3},
		{"header too long", strings.Repeat("A: 123456789\n", 100), 1000, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "header too long" {
				lim.MaxFields = 1000
			}
			h, err := Parse([]byte(tt.in), lim)
			var pe *mailfmt.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, mailfmt.ErrLimit) {
				t.Fatalf("err = %v, want ParseError(ErrLimit)", err)
			}
			if pe.Offset != tt.wantOffset {
				t.Errorf("offset %d, want %d", pe.Offset, tt.wantOffset)
			}
			if tt.name != "header too long" && len(h) != tt.wantFields {
				t.Errorf("%d fields, want %d", len(h), tt.wantFields)
			}
		})
	}
}

func TestSplitHeader(t *testing.T) {
	tests := []struct {
		in             string
		hdrEnd, bStart int
		ok             bool
	}{
		{"A: 1\n\nbody", 5, 6, true},
		{"A: 1\r\n\r\nbody", 6, 8, true},
		{"A: 1\n\r\nbody", 5, 7, true},
		{"A: 1\r\n\nbody", 6, 7, true},
		{"\nbody", 0, 1, true},
		{"\r\nbody", 0, 2, true},
		{"A: 1\nB: 2\n", 0, 0, false},
		{"A: 1\r\n\r", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.in, "\n", "|"), func(t *testing.T) {
			he, bs, ok := SplitHeader([]byte(tt.in))
			if he != tt.hdrEnd || bs != tt.bStart || ok != tt.ok {
				t.Errorf("got (%d, %d, %v), want (%d, %d, %v)", he, bs, ok, tt.hdrEnd, tt.bStart, tt.ok)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	block := []byte(strings.Repeat("Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mail.example.com with ESMTPS id abc\r\n", 8) +
		"From: \"Alice\" <alice@example.org>\r\nTo: bob@example.com\r\nSubject: =?utf-8?Q?hello?=\r\n" +
		"Message-ID: <1234@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n")
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(block, mailfmt.DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}
