package header

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// FuzzManualForward runs the manual-forward rules on arbitrary messages
// (header and body split by manualParse) and checks that they never panic
// and only report well-formed findings. Seeds: testdata/fuzz/FuzzManualForward
// plus every message under testdata/manual.
func FuzzManualForward(f *testing.F) {
	for _, pat := range []string{"testdata/manual/*/*.eml", "testdata/manual/crisp/*.txt"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := manualParse(raw)
		for _, cut := range []int{len(m.Body), len(m.Body) / 2} {
			mm := *m
			mm.Body = m.Body[:cut]
			mm.BodyTruncated = cut < len(m.Body)
			fs := manualForward(&mm)
			if len(fs) > 1+maxBodySigns+2 {
				t.Fatalf("%d findings", len(fs))
			}
			for _, fd := range fs {
				if fd.Kind != ManualForward || len(fd.Evidence) != 1 {
					t.Fatalf("malformed finding %+v", fd)
				}
				e := fd.Evidence[0]
				if e.Where == "" || e.Name == "" || e.Value == "" || len(e.Value) > 200 {
					t.Fatalf("malformed evidence %+v", e)
				}
				if fd.Rule == RuleBodyForwardSeparator && (e.Line < 1 || e.Line > maxBodyText+1) {
					t.Fatalf("line %d", e.Line)
				}
			}
		}
	})
}

// FuzzBodyText runs the text extractor on arbitrary MIME bodies. Seeds:
// testdata/fuzz/FuzzBodyText.
func FuzzBodyText(f *testing.F) {
	f.Add("multipart/alternative; boundary=b", "", []byte("--b\nContent-Type: text/plain; charset=latin1\nContent-Transfer-Encoding: quoted-printable\n\na=E9=\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--"))
	f.Add("text/html; charset=windows-1252", "base64", []byte("PGI+RnJvbTo8L2I+IGE8YnI+"))
	f.Add("multipart/mixed; boundary=z", "", []byte("--z\nContent-Type: message/rfc822\n\nx\n--z\nContent-Disposition: attachment; filename*=utf-8''a%2Eeml\n\n--z"))
	f.Fuzz(func(t *testing.T, ctype, cte string, body []byte) {
		m := &mailfmt.Message{
			Header: mailfmt.Header{{Name: "Content-Type", Value: ctype}, {Name: "Content-Transfer-Encoding", Value: cte}},
			Body:   body,
		}
		ex := bodyText(m)
		if len(ex.text) > maxBodyText {
			t.Fatalf("text of %d bytes", len(ex.text))
		}
		if len(ex.attachments) > maxParts {
			t.Fatalf("%d attachments", len(ex.attachments))
		}
		for _, s := range scanSeparators(ex.text) {
			if !utf8.ValidString(s.client) || s.line < 1 {
				t.Fatalf("bad sign %+v", s)
			}
		}
	})
}
