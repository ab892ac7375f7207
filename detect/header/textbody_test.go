package header

import (
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

func textMsg(ctype, cte, body string) *mailfmt.Message {
	m := &mailfmt.Message{Body: []byte(body)}
	if ctype != "" {
		m.Header = append(m.Header, mailfmt.Field{Name: "Content-Type", Value: ctype})
	}
	if cte != "" {
		m.Header = append(m.Header, mailfmt.Field{Name: "Content-Transfer-Encoding", Value: cte})
	}
	return m
}

func TestBodyText(t *testing.T) {
	tests := []struct {
		name        string
		ctype, cte  string
		body        string
		want        string
		html        bool
		attachments int
	}{
		{"no content type", "", "", "hello\n", "hello\n", false, 0},
		{"plain 8bit utf-8", "text/plain; charset=utf-8", "8bit", "grüße", "grüße", false, 0},
		{"latin1", "text/plain; charset=ISO-8859-1", "", "gr\xfc\xdfe \x93q\x94", "grüße \u201cq\u201d", false, 0},
		{"latin1 quoted label", `text/plain; charset="latin1"`, "", "\xe9", "é", false, 0},
		{"cp1252", "text/plain; charset=windows-1252", "", "\x80 \x9c", "€ œ", false, 0},
		{"latin9", "text/plain; charset=iso-8859-15", "", "\xa4 \xbd", "€ œ", false, 0},
		{"unknown charset, utf-8 bytes", "text/plain; charset=x-mac-roman", "", "é", "é", false, 0},
		{"unknown charset, 8-bit bytes", "text/plain; charset=koi8-r", "", "ab\xe9", "abé", false, 0},
		{"qp soft breaks", "text/plain; charset=utf-8", "quoted-printable", "a=\r\nb=3D=C3=A9 =\nc", "ab=é c", false, 0},
		{"qp broken", "text/plain", "Quoted-Printable", "a=ZZb=4", "a=ZZb=4", false, 0},
		{"qp trailing equals", "text/plain", "quoted-printable", "ab=", "ab", false, 0},
		{"base64", "text/plain", "base64", "aGVs\r\nbG8=\r\n", "hello", false, 0},
		{"base64 junk and truncation", "text/plain", "BASE64", "aGV*s!bG8gd29y", "hello wor", false, 0},
		{"base64 concatenated", "text/plain", "base64", "aGk=aGk=", "hihi", false, 0},
		{"html", "text/html; charset=utf-8", "", "<p>a&amp;b</p><script>x<y</script><STYLE>p{}</STYLE><!-- c --><br>d&nbsp;e<hr>", "a&b\nd\u00a0e\n________________________________\n", true, 0},
		{"html lone lt", "text/html", "", "a < b <3", "a < b <3", true, 0},
		{"html unterminated tag", "text/html", "", "a<b", "a", true, 0},
		{"html attribute with >", "text/html", "", `<a title="x>y">z</a>`, "z", true, 0},
		{
			"alternative prefers plain",
			`multipart/alternative; boundary="b"`, "",
			"pre\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>H</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nP\r\n--b--\r\nepilogue",
			"P", false, 0,
		},
		{
			"html fallback",
			"multipart/alternative; boundary=b", "",
			"--b\nContent-Type: text/html\n\n<b>H</b>\n--b--\n",
			"H", true, 0,
		},
		{
			"nested and default type",
			`multipart/mixed; boundary="o"`, "",
			"--o\nContent-Type: multipart/alternative;\n boundary=\"i\"\n\n--i\n\nplain one\n--i--\n--o\nContent-Type: text/plain\nContent-Disposition: attachment; filename=x.txt\n\nnot me\n--o\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner text\n--o--\n",
			"plain one", false, 1,
		},
		{
			"boundary prefix collision",
			"multipart/mixed; boundary=ab", "",
			"--ab\n\none\n--abc\ntwo\n--ab--\n",
			"one\n--abc\ntwo", false, 0,
		},
		{
			"truncated mid part",
			"multipart/mixed; boundary=z", "",
			"--z\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29y",
			"hello wor", false, 0,
		},
		{
			"truncated in part header",
			"multipart/mixed; boundary=z", "",
			"--z\nContent-Type: text/pl",
			"", false, 0,
		},
		{"multipart without boundary", "multipart/mixed", "", "--z\n\nx\n", "", false, 0},
		{"part without blank line", "multipart/mixed; boundary=z", "", "--z\r\n\r\nbody\r\n--z--", "body", false, 0},
		{"digest member is no attachment", "multipart/digest; boundary=d", "", "--d\n\nFrom: a\n\nx\n--d--", "", false, 0},
		{"report message is no attachment", "multipart/report; boundary=r", "", "--r\nContent-Type: message/rfc822\n\nx\n--r--", "", false, 0},
		{"eml by name", "multipart/mixed; boundary=z", "", "--z\nContent-Type: application/octet-stream; name=\"a.EML\"\n\nx\n--z--", "", false, 1},
		{"msg by rfc2047 name", "multipart/mixed; boundary=z", "", "--z\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"=?utf-8?q?b=C3=A9.msg?=\"\n\nx\n--z--", "", false, 1},
		{"message/global", "multipart/mixed; boundary=z", "", "--z\nContent-Type: message/global\n\nx\n--z--", "", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := bodyText(textMsg(tt.ctype, tt.cte, tt.body))
			if string(ex.text) != tt.want {
				t.Errorf("text = %q, want %q", ex.text, tt.want)
			}
			if ex.html != tt.html {
				t.Errorf("html = %v, want %v", ex.html, tt.html)
			}
			if len(ex.attachments) != tt.attachments {
				t.Errorf("attachments = %+v, want %d", ex.attachments, tt.attachments)
			}
		})
	}
}

func TestBodyTextBounded(t *testing.T) {
	big := strings.Repeat("x", 3*maxBodyText)
	ex := bodyText(textMsg("multipart/mixed; boundary=z", "", "--z\n\n"+big+"\n--z\n\n"+big+"\n--z--"))
	if len(ex.text) != maxBodyText {
		t.Errorf("text length %d, want %d", len(ex.text), maxBodyText)
	}
	// Parts beyond maxParts and nesting beyond maxDepth are ignored.
	var b strings.Builder
	for range 200 {
		b.WriteString("--z\nContent-Type: message/rfc822\n\nx\n")
	}
	ex = bodyText(textMsg("multipart/mixed; boundary=z", "", b.String()))
	if len(ex.attachments) >= maxParts {
		t.Errorf("%d attachments, want fewer than %d", len(ex.attachments), maxParts)
	}
	nested := ""
	for i := range 20 {
		nested = "--z\nContent-Type: multipart/mixed; boundary=z\n\n" + nested
		_ = i
	}
	_ = bodyText(textMsg("multipart/mixed; boundary=z", "", nested+"--z\n\nleaf\n"))
}

func TestPartParam(t *testing.T) {
	tests := []struct{ v, name, want string }{
		{`multipart/mixed; boundary="a;b"`, "boundary", "a;b"},
		{`multipart/mixed; BOUNDARY=x`, "boundary", "x"},
		{`multipart/mixed;boundary= x ;charset=y`, "charset", "y"},
		{`multipart/mixed; a=1; a=2; boundary="q\"r"`, "boundary", `q"r`},
		{`text/plain; junk; charset=utf-8`, "charset", ""},
		{`text/plain`, "charset", ""},
		{`text/plain; charset="unterminated`, "charset", "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			if got := partParam(tt.v, tt.name); got != tt.want {
				t.Errorf("partParam = %q, want %q", got, tt.want)
			}
		})
	}
}
