package smtptrap

import (
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/token"
)

const (
	subA = "uhrm25j432hsudnm"
	subB = "abcdefghijklmnop"
	subC = "qrstuvwxyz234567"
)

func scanString(t testing.TB, s string) *message {
	t.Helper()
	var m message
	if err := scanMessage(strings.NewReader(s), &m); err != nil {
		t.Fatalf("scanMessage: %v", err)
	}
	return &m
}

func TestScanMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		want []token.SubID
	}{
		{"header address", "To: ap-team." + subA + "@c.example\r\n\r\nbody\r\n", []token.SubID{subA}},
		{"message-id", "Message-ID: <20250611093012." + subA + "@corp.example>\n\nx\n", []token.SubID{subA}},
		{"body link", "Subject: s\n\nsee https://f.example/s/" + subA + "/Q3-payroll.pdf now\n", []token.SubID{subA}},
		{"upper case", "Subject: s\n\nSID=" + strings.ToUpper(subA) + "\n", []token.SubID{subA}},
		{"qp escaped", "Subject: s\n\n<a href=3D\"https://f.example/login?sid=3D" + subA + "\">\n", []token.SubID{subA}},
		{"qp soft break in token", "Subject: s\n\nhttps://f.example/s/" + subA[:7] + "=\r\n" + subA[7:] + "/x.pdf\r\n", []token.SubID{subA}},
		{"base64 body", "Subject: s\n\n" + base64Lines(strings.Repeat("filler text ", 8)+"https://f.example/d/"+subB+"/doc.pdf "+strings.Repeat("more ", 10)), []token.SubID{subB}},
		{"no candidate", "Subject: hello\n\nnothing to see here\n", nil},
		{"too long run", "Subject: s\n\n" + subA + "x\n", nil},
		{"order and dedup", "To: " + subB + "@x\nCc: " + subA + "@x\n\n" + subB + " " + subC + "\n", []token.SubID{subB, subA, subC}},
		{"lf only and no final newline", "Subject: " + subC, []token.SubID{subC}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := scanString(t, tc.msg)
			if !slices.Equal(m.subs.list, tc.want) {
				t.Errorf("subs = %v, want %v", m.subs.list, tc.want)
			}
			if m.size != int64(len(tc.msg)) {
				t.Errorf("size = %d, want %d", m.size, len(tc.msg))
			}
		})
	}
}

// A base64 body split across lines: the token straddles two encoded lines.
func TestScanBase64Straddle(t *testing.T) {
	text := strings.Repeat("a", 50) + " " + subB + " tail"
	b := base64Lines(text) // 57 bytes a line: the token spans lines 1 and 2
	m := scanString(t, "Subject: s\n\n"+b)
	if !slices.Contains(m.subs.list, subB) {
		t.Fatalf("subs = %v, want %s", m.subs.list, subB)
	}
}

func TestScanHeaderLimit(t *testing.T) {
	long := "X-Junk: " + strings.Repeat("y ", MaxHeaderBytes) + "\r\n"
	m := scanString(t, "Subject: first\r\n"+long+"To: "+subA+"@c\r\n\r\nbody\r\n")
	if !m.hdrCut || len(m.header) > MaxHeaderBytes {
		t.Fatalf("header kept %d bytes, cut %v", len(m.header), m.hdrCut)
	}
	if !slices.Contains(m.subs.list, subA) {
		t.Errorf("a header past the kept part is still scanned: subs = %v", m.subs.list)
	}
}

func TestScanMaxSubs(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: s\n\n")
	for i := range MaxSubs + 10 {
		id := []byte("aaaaaaaaaaaaaaaa")
		for j, k := 0, i; j < 4; j, k = j+1, k/26 {
			id[15-j] = byte('a' + k%26)
		}
		b.Write(id)
		b.WriteByte('\n')
	}
	m := scanString(t, b.String())
	if len(m.subs.list) != MaxSubs || !m.subs.truncated {
		t.Fatalf("%d subs, truncated %v", len(m.subs.list), m.subs.truncated)
	}
}

func TestParseHeaders(t *testing.T) {
	raw := "Received: from a\r\n by b; date\r\nFrom: =?iso-8859-1?q?J=F6rg?= <j@x>\r\nTo: a@x\r\nTo: b@x\r\n" +
		"Subject: " + strings.Repeat("é", MaxHeaderValue) + "\r\nnot a header line\r\nX-Other: dropped\r\n" +
		"Received: from c\r\n\r\nBody: not a header\r\n"
	h := parseHeaders([]byte(raw))
	if got := h["Received"]; !slices.Equal(got.([]string), []string{"from a by b; date", "from c"}) {
		t.Errorf("Received = %q", got)
	}
	if h["From"] != "Jörg <j@x>" || h["To"] != "a@x, b@x" {
		t.Errorf("From %q To %q", h["From"], h["To"])
	}
	if s := h["Subject"].(string); len(s) > MaxHeaderValue || !utf8.ValidString(s) {
		t.Errorf("Subject of %d bytes, valid %v", len(s), utf8.ValidString(s))
	}
	for _, k := range []string{"X-Other", "Body"} {
		if _, ok := h[k]; ok {
			t.Errorf("%s kept", k)
		}
	}
}

// The run scanner gives what token.Find gives on the whole text, however
// the text is cut into pieces.
func TestRunScannerPieces(t *testing.T) {
	text := "x " + subA + " %2F" + subB + " " + strings.Repeat("z", 40) + " =3D" + subC + "." + subA
	want := token.Find(text)
	for step := 1; step <= len(text); step++ {
		for _, flushAt := range []int{1, 7, 64} {
			got := runPieces(text, step, flushAt)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d flush %d: %v, want %v", step, flushAt, got, want)
			}
		}
	}
}

func runPieces(text string, step, flushAt int) []token.SubID {
	var out subSet
	r := runScanner{out: &out, flushAt: flushAt}
	for i := 0; i < len(text); i += step {
		r.write([]byte(text[i:min(i+step, len(text))]))
	}
	r.flush()
	return out.list
}

func TestScanReadError(t *testing.T) {
	var m message
	err := scanMessage(io.MultiReader(strings.NewReader("To: "+subA+"@x\n"), errReader{}), &m)
	if err == nil || !slices.Contains(m.subs.list, subA) {
		t.Fatalf("err %v subs %v: want the error and what came before it", err, m.subs.list)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestIsBase64Line(t *testing.T) {
	for s, want := range map[string]bool{
		"QUJDREVGR0g=":     true,
		"QUJDREVGRw==":     true,
		"abcdefgh":         true,
		"abc=defg":         false,
		"short":            false,
		"has space in it!": false,
		"QUJDREVGR0":       false,
	} {
		if got := isBase64Line([]byte(s)); got != want {
			t.Errorf("isBase64Line(%q) = %v", s, got)
		}
	}
}
