package header

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// benchMessage builds a typical ~20 KB business message: multipart/
// alternative with a quoted-printable text/plain part and its HTML twin,
// prose with a few "Label: value" lines and a signature; forward adds a
// Gmail separator halfway through the text.
func benchMessage(forward, htmlOnly bool) *mailfmt.Message {
	var text strings.Builder
	text.WriteString("Hi team,\r\n\r\n")
	for i := 0; text.Len() < 6500; i++ {
		fmt.Fprintf(&text, "Item %d: the quarterly numbers for the =C3=A9quipe are attached; please review them by Friday and send comments.\r\n", i)
		if i%5 == 4 {
			text.WriteString("\r\n")
		}
		if forward && i == 20 {
			text.WriteString("---------- Forwarded message ---------\r\nFrom: John Doe <john.doe@acme.com>\r\nDate: Wed, Oct 27, 2021 at 9:31 AM\r\nSubject: numbers\r\nTo: <bessie.berry@acme.com>\r\n\r\n")
		}
	}
	text.WriteString("-- \r\nBessie Berry | Finance | Acme Corp\r\nPhone: +1 555 0100\r\n")
	var htm strings.Builder
	htm.WriteString("<html><head><meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3Dutf-8\"><style>p.MsoNormal{margin:0cm;font-size:11.0pt;font-family:\"Calibri\",sans-serif}</style></head><body lang=3DEN-US><div class=3DWordSection1>\r\n")
	for _, line := range strings.Split(text.String(), "\r\n") {
		fmt.Fprintf(&htm, "<p class=3DMsoNormal><span style=3D'font-size:11.0pt'>%s<o:p></o:p></span></p>\r\n", line)
	}
	htm.WriteString("</div></body></html>\r\n")

	var body strings.Builder
	body.WriteString("This is a multi-part message in MIME format.\r\n\r\n")
	if !htmlOnly {
		body.WriteString("--_000_BN6PR\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		body.WriteString(text.String())
		body.WriteString("\r\n")
	}
	body.WriteString("--_000_BN6PR\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	body.WriteString(htm.String())
	body.WriteString("--_000_BN6PR--\r\n")
	return &mailfmt.Message{
		Header: mailfmt.Header{
			{Name: "From", Value: "Bessie Berry <bessie.berry@acme.com>"},
			{Name: "To", Value: "Team <team@acme.com>"},
			{Name: "Subject", Value: "RE: Q3 numbers for review"},
			{Name: "Content-Language", Value: "en-US"},
			{Name: "MIME-Version", Value: "1.0"},
			{Name: "Content-Type", Value: `multipart/alternative; boundary="_000_BN6PR"`},
		},
		Body:     []byte(body.String()),
		BodySize: int64(body.Len()),
	}
}

// BenchmarkManualForward measures the manual-forward rules per message;
// they run on every message of a scan (goal: < 20 µs for typical-20k).
func BenchmarkManualForward(b *testing.B) {
	for _, bc := range []struct {
		name              string
		forward, htmlOnly bool
	}{
		{"typical-20k", false, false},
		{"forward-20k", true, false},
		{"html-only-20k", false, true},
	} {
		m := benchMessage(bc.forward, bc.htmlOnly)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(m.Body)))
			b.ReportAllocs()
			for b.Loop() {
				manualForward(m)
			}
		})
	}
}

func TestBenchMessageShape(t *testing.T) {
	for _, fwd := range []bool{false, true} {
		m := benchMessage(fwd, false)
		if n := len(m.Body); n < 18<<10 || n > 24<<10 {
			t.Errorf("bench message is %d bytes, want about 20 KB", n)
		}
		fs := manualForward(m)
		if got := hasClient(fs, "gmail"); got != fwd {
			t.Errorf("forward=%v: findings %+v", fwd, fs)
		}
	}
}
