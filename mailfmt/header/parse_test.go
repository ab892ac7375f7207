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
		defects []string // what each reported defect mentions, in order
	}{
		{"lf", "From: a@b\nTo: c@d\n\nbody", fields("From", "a@b", "To", "c@d"), nil},
		{"crlf", "From: a@b\r\nTo: c@d\r\n\r\nbody", fields("From", "a@b", "To", "c@d"), nil},
		{"mixed line ends", "A: 1\r\nB: 2\n\r\nC: 3", fields("A", "1", "B", "2"), nil},
		{"no blank line", "A: 1\nB: 2", fields("A", "1", "B", "2"), nil},
		{"no final newline value keeps CR", "A: 1\r", fields("A", "1"), nil},
		{"folded", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n", fields("Subject", "a b\tc", "X", "y"), nil},
		{"folded first line empty", "Subject:\n  hello\n", fields("Subject", "hello"), nil},
		{"space before colon", "Subject : hi\n", fields("Subject", "hi"), nil},
		{"empty value", "X-Empty:\nY:   \n", fields("X-Empty", "", "Y", ""), nil},
		{"colon in value", "Date: Mon, 1 Jan 2024 10:00:00 +0000\n", fields("Date", "Mon, 1 Jan 2024 10:00:00 +0000"), nil},
		{"stray from line", ">From a@b Mon\nSubject: x\n", fields("Subject", "x"), []string{"neither"}},
		{"garbage and continuation before field", " cont\ngarbage line\n\x00\x01:\nA: 1\n", fields("A", "1"), []string{"NUL byte", "neither"}},
		{"continuation after garbage is dropped", "A: 1\njunk\n more\n", fields("A", "1"), []string{"neither"}},
		{"nul in value", "A: x\x00y\n", fields("A", "x\x00y"), []string{"NUL byte"}},
		{"8-bit value", "Subject: caf\xe9\n", fields("Subject", "caf\xe9"), nil},
		{"starts with blank line", "\nA: 1\n", nil, nil},
		{"empty", "", nil, nil},
		{"name with non-ascii is junk", "Sübject: x\n", nil, []string{"neither"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, defects, err := ParseCount([]byte(tt.in), mailfmt.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) == 0 && len(tt.want) == 0 {
				h = nil
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Errorf("got %q, want %q", h, tt.want)
			}
			if len(defects) != len(tt.defects) {
				t.Fatalf("defects %v, want ones mentioning %q", defects, tt.defects)
			}
			for i, d := range defects {
				if !strings.Contains(d.What, tt.defects[i]) {
					t.Errorf("defect %d is %q, want one mentioning %q", i, d.What, tt.defects[i])
				}
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

func TestEncodedWordDefects(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{"=?utf-8?B?Y2Fmw6k=?=", ""},
		{"Re: =?utf-8?Q?a?= =?utf-8?Q?b?=", ""},
		{"=?utf-8?Q?a?==?utf-8?Q?b?=", ""},
		{"console=?", ""},
		{"plain =? text", ""},
		{"a =?utf-8 b", ""},
		{"x =?utf-8?Q?unterminated more", "unterminated"},
		{"=?utf-8?B?!!notbase64?=", "undecodable"},
		{"=?x-unknown?Q?caf=E9?=", "undecodable"},
		{"=?utf-8?Q?unterminated", "unterminated"},
		{"=?utf-8?X?abc?=", "undecodable"},
		{"=?utf-8Q?abc?=", "malformed"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			_, defects, err := ParseCount([]byte("Subject: "+tc.value+"\n\n"), mailfmt.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(defects) > 0:
				t.Errorf("defects %v for a valid word", defects)
			case tc.want != "" && (len(defects) != 1 || !strings.Contains(defects[0].What, tc.want) || defects[0].Offset != 0):
				t.Errorf("defects %v, want one at offset 0 mentioning %q", defects, tc.want)
			}
		})
	}
}
