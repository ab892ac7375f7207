package smtptrap

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/token"
)

// FuzzScanMessage checks the candidate extraction from message bytes: no
// panic, only well-formed sub-ids, limits kept, header values bounded;
// and, for input where no decoding view applies (no '=' and no
// base64-looking line), every candidate token.Find sees in the raw bytes.
func FuzzScanMessage(f *testing.F) {
	f.Add([]byte("To: ap-team." + subA + "@c.example\r\n\r\nbody\r\n"))
	f.Add([]byte("Message-ID: <" + subA + ".1718031234@corp.example>\r\nReferences: <a@b>\r\n\r\n> fwd\r\n"))
	f.Add([]byte("Subject: s\n\nhttps://f.example/s/" + subA[:7] + "=\r\n" + subA[7:] + "/x.pdf\r\n"))
	f.Add([]byte("Subject: s\n\n" + base64Lines("see https://f.example/d/"+subB+"/doc.pdf")))
	f.Add([]byte("Received: from a\r\n by b\r\nSubject: =?utf-8?b?w6k=?=\r\n\r\n"))
	f.Add([]byte("\r\n\r\n" + subC))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m message
		if err := scanMessage(bytes.NewReader(data), &m); err != nil {
			t.Fatalf("scanMessage: %v", err)
		}
		if m.size != int64(len(data)) {
			t.Fatalf("size %d, want %d", m.size, len(data))
		}
		if len(m.subs.list) > MaxSubs || len(m.header) > MaxHeaderBytes {
			t.Fatalf("limits: %d subs, %d header bytes", len(m.subs.list), len(m.header))
		}
		for _, s := range m.subs.list {
			if _, err := token.ParseSubID(string(s)); err != nil {
				t.Fatalf("candidate %q: %v", s, err)
			}
		}
		for k, v := range parseHeaders(m.header) {
			vals, _ := v.([]string)
			if s, ok := v.(string); ok {
				vals = []string{s}
			}
			if k == "Received" && len(vals) > MaxReceived {
				t.Fatalf("%d Received fields", len(vals))
			}
			for _, s := range vals {
				if len(s) > MaxHeaderValue || !utf8.ValidString(s) {
					t.Fatalf("%s: %d bytes, valid UTF-8 %v", k, len(s), utf8.ValidString(s))
				}
			}
		}
		if m.subs.truncated || bytes.IndexByte(data, '=') >= 0 {
			return
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if isBase64Line([]byte(strings.TrimRight(line, "\r\n"))) {
				return
			}
		}
		for _, c := range token.Find(string(data)) {
			if !slices.Contains(m.subs.list, c) {
				t.Fatalf("missed %s (found %v)", c, m.subs.list)
			}
		}
	})
}

// FuzzRunScanner checks that feeding text in pieces finds what token.Find
// finds in the whole.
func FuzzRunScanner(f *testing.F) {
	f.Add("x "+subA+" %2F"+subB+" =3D"+subC, uint8(3), uint8(1))
	f.Add(strings.Repeat("z", 40)+subA+" "+subB, uint8(5), uint8(7))
	f.Fuzz(func(t *testing.T, text string, step, flushAt uint8) {
		want := token.Find(text)
		got := runPieces(text, int(step)%64+1, int(flushAt))
		if len(want) > MaxSubs {
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pieces of %d, flush at %d: %v, want %v", int(step)%64+1, flushAt, got, want)
		}
	})
}
