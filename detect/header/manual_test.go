package header

import (
	"bytes"
	"encoding/base64"
	"html"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// manualParse splits a raw message into a mailfmt.Message for the tests
// and the fuzz targets: header fields until the first blank line (CRLF or
// LF), continuation lines unfolded, the rest as body. It never fails.
func manualParse(raw []byte) *mailfmt.Message {
	m := &mailfmt.Message{}
	rest := raw
	for len(rest) > 0 {
		var line []byte
		n := bytes.IndexByte(rest, '\n')
		if n < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:n], rest[n+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(m.Header) > 0 {
			m.Header[len(m.Header)-1].Value += " " + string(bytes.TrimSpace(line))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		m.Header = append(m.Header, mailfmt.Field{Name: string(name), Value: string(bytes.TrimLeft(value, " \t"))})
	}
	m.Body = rest
	m.BodySize = int64(len(rest))
	return m
}

func readManual(t *testing.T, path string) *mailfmt.Message {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return manualParse(b)
}

func findingsOf(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func hasClient(fs []Finding, client string) bool {
	for _, f := range findingsOf(fs, RuleBodyForwardSeparator) {
		if f.Evidence[0].Name == client {
			return true
		}
	}
	return false
}

func checkFindings(t *testing.T, fs []Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Kind != ManualForward || f.Rule == "" || len(f.Evidence) != 1 {
			t.Errorf("malformed finding %+v", f)
		}
		for _, e := range f.Evidence {
			if e.Where == "" || e.Name == "" || e.Value == "" {
				t.Errorf("incomplete evidence %+v", e)
			}
		}
	}
}

// --- crisp fixtures ---------------------------------------------------

const crispDir = "testdata/manual/crisp"

func TestManualForwardSubjectFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(crispDir, "*_subject.txt"))
	if len(files) < 10 {
		t.Fatalf("found %d subject fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			subj := strings.TrimSpace(string(b))
			m := &mailfmt.Message{Header: mailfmt.Header{{Name: "Subject", Value: subj}}}
			fs := manualForward(m)
			checkFindings(t, fs)
			got := findingsOf(fs, RuleSubjectForwardPrefix)
			if len(got) != 1 {
				t.Fatalf("subject %q: findings %+v", subj, fs)
			}
			if e := got[0].Evidence[0]; e.Where != "header" || e.Name != "Subject" || e.Value != subj {
				t.Errorf("evidence %+v", e)
			}
		})
	}
}

// crispClient maps a fixture's file name to the client the body rule
// must name.
func crispClient(name string) string {
	for _, c := range []struct{ prefix, client string }{
		{"apple_mail_", "apple-mail"},
		{"gmail_", "gmail"},
		{"new_outlook_2019_", "new-outlook"},
		{"outlook_2019_", "outlook-2019"},
		{"outlook_live_", "outlook-live"},
		{"thunderbird_", "thunderbird"},
		{"yahoo_", "yahoo"},
	} {
		if strings.HasPrefix(name, c.prefix) {
			return c.client
		}
	}
	return ""
}

func base64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

func htmlTwin(text string) string {
	var b strings.Builder
	b.WriteString("<html><head><style>div{margin:0}</style></head><body>")
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString("<div>" + html.EscapeString(strings.TrimSuffix(line, "\r")) + "<br></div>\n")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// latin1 encodes s in ISO-8859-1 (dropping a BOM); ok is false if it
// cannot.
func latin1(s string) ([]byte, bool) {
	var b []byte
	for _, r := range s {
		switch {
		case r == 0xfeff:
		case r < 0x100:
			b = append(b, byte(r))
		default:
			return nil, false
		}
	}
	return b, true
}

func qpEncode(b []byte) string {
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.String()
}

// bodyVariants wraps a body fixture the ways mail carries it.
func bodyVariants(name, text string) map[string]string {
	const hdr = "From: Bessie Berry <bessie.berry@acme.com>\r\nTo: drop@example.net\r\nSubject: Integer consequat non purus\r\nMIME-Version: 1.0\r\n"
	v := map[string]string{
		"plain": hdr + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text,
		"base64-alternative": hdr + "Content-Type: multipart/alternative; boundary=\"=_alt\"\r\n\r\n" +
			"This is a multi-part message in MIME format.\r\n--=_alt\r\n" +
			"Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64Lines([]byte(text)) + "--=_alt\r\n" +
			"Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64Lines([]byte(htmlTwin(text))) + "--=_alt--\r\n",
	}
	if l1, ok := latin1(text); ok {
		v["qp-latin1"] = hdr + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qpEncode(l1)
	}
	if !strings.HasPrefix(name, "outlook_2019_") { // its sign is indentation, which HTML loses
		v["html-only"] = hdr + "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n" +
			"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64Lines([]byte(htmlTwin(text))) + "--m--\r\n"
	}
	return v
}

func TestManualForwardBodyFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(crispDir, "*_body.txt"))
	if len(files) < 10 {
		t.Fatalf("found %d body fixtures", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := crispClient(name)
		if want == "" {
			t.Fatalf("%s: no client for this fixture", name)
		}
		for variant, raw := range bodyVariants(name, string(b)) {
			t.Run(name+"/"+variant, func(t *testing.T) {
				fs := manualForward(manualParse([]byte(raw)))
				checkFindings(t, fs)
				if !hasClient(fs, want) {
					t.Fatalf("want body separator of %s, got %+v", want, fs)
				}
				for _, f := range fs {
					if f.Rule != RuleBodyForwardSeparator {
						t.Errorf("unexpected finding %+v", f)
					}
					if f.Evidence[0].Line < 1 {
						t.Errorf("evidence without line: %+v", f.Evidence[0])
					}
				}
			})
		}
	}
}

// Outlook's reply-or-forward markers do not count under a reply subject;
// unambiguous forward separators do.
func TestManualForwardReplySubjectSuppressesOutlookMarkers(t *testing.T) {
	tests := []struct {
		fixture string
		subject string
		want    bool
	}{
		{"new_outlook_2019_en_body.txt", "RE: Integer consequat non purus", false},
		{"new_outlook_2019_de_body.txt", "AW: Integer consequat non purus", false},
		{"outlook_live_body.txt", "Re: Integer consequat non purus", false},
		{"outlook_2019_en_body.txt", "Re: Integer consequat non purus", false},
		{"outlook_live_body.txt", "FW: RE: Integer consequat non purus", true},
		{"new_outlook_2019_de_body.txt", "WG: AW: Integer consequat non purus", true},
		{"gmail_en_body.txt", "Re: Integer consequat non purus", true},
		{"apple_mail_en_body.txt", "Re: Integer consequat non purus", true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.subject, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(crispDir, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			m := &mailfmt.Message{Header: mailfmt.Header{{Name: "Subject", Value: tt.subject}}, Body: b}
			got := len(findingsOf(manualForward(m), RuleBodyForwardSeparator)) > 0
			if got != tt.want {
				t.Errorf("body separator reported = %v, want %v", got, tt.want)
			}
		})
	}
}

// --- scenarios ----------------------------------------------------------

func TestManualForwardNearMisses(t *testing.T) {
	files, _ := filepath.Glob("testdata/manual/near-miss/*.eml")
	if len(files) < 8 {
		t.Fatalf("found %d near misses", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if fs := manualForward(readManual(t, f)); len(fs) != 0 {
				t.Errorf("near miss flagged: %+v", fs)
			}
		})
	}
}

func TestManualForwardScenarios(t *testing.T) {
	type want struct{ rule, name, value string }
	tests := []struct {
		file string
		want []want
	}{
		{"outlook-attached-eml.eml", []want{{RuleAttachedMessageRFC822, "Content-Type", "message/rfc822"}}},
		{"outlook-attached-msg.eml", []want{{RuleAttachedMessageRFC822, "attachment", "Quartalszahlen Q3.msg"}}},
		{"gmail-html-only-nested.eml", []want{
			{RuleSubjectForwardPrefix, "Subject", "[EXTERNAL] Fwd: Rapport"},
			{RuleBodyForwardSeparator, "gmail", "---------- Forwarded message ---------"},
		}},
		{"outlook-html-de.eml", []want{{RuleBodyForwardSeparator, "outlook", "Von: John Doe <john.doe@acme.com>"}}},
		{"outlook-live-html.eml", []want{
			{RuleSubjectForwardPrefix, "Subject", "TR : Rapport"},
			{RuleBodyForwardSeparator, "outlook-live", "De\u00a0: John Doe <john.doe@acme.com>"},
		}},
		{"quoted-outlook-original.eml", []want{{RuleBodyForwardSeparator, "outlook", "-----Ursprüngliche Nachricht-----"}}},
		{"thunderbird-crlf-truncated.eml", []want{
			{RuleSubjectForwardPrefix, "Subject", "Doorst: Overzicht"},
			{RuleBodyForwardSeparator, "thunderbird", "-------- Doorgestuurd bericht --------"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs := manualForward(readManual(t, filepath.Join("testdata/manual/forward", tt.file)))
			checkFindings(t, fs)
			var got []want
			for _, f := range fs {
				got = append(got, want{f.Rule, f.Evidence[0].Name, f.Evidence[0].Value})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The whole message was cut inside the forwarded part: the separator
// before the cut still counts.
func TestManualForwardTruncatedBody(t *testing.T) {
	text := "FYI\r\n\r\n---------- Forwarded message ---------\r\nFrom: John <john@acme.com>\r\n" + strings.Repeat("lorem ipsum dolor sit amet ", 4000)
	raw := "Subject: report\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines([]byte(text))
	m := manualParse([]byte(raw))
	m.Body = m.Body[:len(m.Body)/3+1] // mid-line, mid-quantum
	m.BodyTruncated = true
	fs := manualForward(m)
	if !hasClient(fs, "gmail") {
		t.Fatalf("got %+v", fs)
	}
	if l := fs[0].Evidence[0].Line; l != 3 {
		t.Errorf("line = %d, want 3", l)
	}
}

// --- subject prefixes ------------------------------------------------------

func TestSubjectPrefixes(t *testing.T) {
	tests := []struct {
		subject string
		lang    string // Content-Language
		forward string // prefix reported, "" for none
		outer   prefixKind
	}{
		{"Fwd: x", "", "Fwd:", prefixForward},
		{"FW: x", "", "FW:", prefixForward},
		{"fw: x", "", "fw:", prefixForward},
		{"Re: Fwd: x", "", "Fwd:", prefixReply},
		{"AW: WG: x", "", "WG:", prefixReply},
		{"RE: RE: FW: x", "", "FW:", prefixReply},
		{"[ext] [list-1] Fwd: x", "", "Fwd:", prefixForward},
		{"[EXTERNAL]WG:x", "", "WG:", prefixForward},
		{"TR : Rapport", "", "TR :", prefixForward},
		{"TR\u00a0: Rapport", "", "TR\u00a0:", prefixForward},
		{"RV: x", "", "RV:", prefixForward},
		{"ENC: x", "", "ENC:", prefixForward},
		{"Enc: x", "", "Enc:", prefixForward},
		{"I: Integer", "", "I:", prefixForward},
		{"R: I: x", "", "I:", prefixReply},
		{"PD: x", "", "PD:", prefixForward},
		{"Odp: PD: x", "", "PD:", prefixReply},
		{"VB: x", "", "VB:", prefixForward},
		{"SV: VB: x", "", "VB:", prefixReply},
		{"VL: x", "", "VL:", prefixForward},
		{"Doorst: x", "", "Doorst:", prefixForward},
		{"Antw: Doorst: x", "", "Doorst:", prefixReply},
		{"İLT: x", "", "İLT:", prefixForward},
		{"ILT: x", "", "ILT:", prefixForward},
		{"ilt: x", "", "ilt:", prefixForward},
		{"ılt: x", "", "ılt:", prefixForward},
		{"YNT: İLT: x", "", "İLT:", prefixReply},
		{"PŘ: x", "", "PŘ:", prefixForward},
		{"př: x", "", "př:", prefixForward},
		{"TOV: x", "", "TOV:", prefixForward},
		{"ΠΡΘ: x", "", "ΠΡΘ:", prefixForward},
		{"πρθ: x", "", "πρθ:", prefixForward},
		{"转发：会议", "", "转发：", prefixForward},
		{"回复: 转发: 会议", "", "转发:", prefixReply},
		{"轉寄: x", "", "轉寄:", prefixForward},
		{"転送: 会議", "", "転送:", prefixForward},
		{"전달: 회의", "", "전달:", prefixForward},
		{"Пересл: отчёт", "", "Пересл:", prefixForward},
		{"הועבר: דוח", "", "הועבר:", prefixForward},
		{"إعادة توجيه: تقرير", "", "إعادة توجيه:", prefixForward},
		{"Fwd[2]: x", "", "Fwd[2]:", prefixForward},
		{"Re(3): Fwd: x", "", "Fwd:", prefixReply},
		{"Weiterleitung: x", "", "Weiterleitung:", prefixForward},
		// The VS ambiguity.
		{"VS: x", "", "", prefixReply},
		{"VS: x", "fi-FI", "", prefixReply},
		{"VS: x", "da-DK", "VS:", prefixForward},
		{"VS: x", "nb-NO", "VS:", prefixForward},
		// Near misses.
		{"Firmware update", "", "", prefixNone},
		{"FWIW: x", "", "", prefixNone},
		{"Fwdx: x", "", "", prefixNone},
		{"Re: Firmware update", "", "", prefixReply},
		{"SV: x", "", "", prefixReply},
		{"AW: x", "", "", prefixReply},
		{"PR: launch", "", "", prefixNone},
		{"FS: bike", "", "", prefixNone},
		{"I : x", "", "", prefixNone},
		{"i. Fwd: x", "", "", prefixNone},
		{"Meeting agenda: Fwd: x", "", "", prefixNone},
		{"Automatic reply: FW: x", "", "", prefixNone},
		{"Hello FW: x", "", "", prefixNone},
		{"", "", "", prefixNone},
		{"[unterminated Fwd: x", "", "", prefixNone},
	}
	for _, tt := range tests {
		t.Run(tt.subject+"/"+tt.lang, func(t *testing.T) {
			si := parseSubject(tt.subject, func() bool { return languageIsDanoNorwegian(tt.lang) })
			if si.forward != tt.forward || si.outermost != tt.outer {
				t.Errorf("parseSubject(%q) = forward %q outer %d, want %q %d", tt.subject, si.forward, si.outermost, tt.forward, tt.outer)
			}
		})
	}
}

func TestSubjectEncodedWords(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"=?iso-8859-1?Q?WG=3A_Bericht_f=FCr_Q3?=", "WG: Bericht für Q3"},
		{"=?windows-1252?Q?TR_=3A_=93Rapport=94?=", "TR : \u201cRapport\u201d"},
		{"=?UTF-8?B?xLBMVDogUmFwb3I=?=", "İLT: Rapor"},
		{"=?x-unknown?Q?Fwd=3A_x?=", "Fwd: x"},
		{"=?koi8-r?Q?Fwd=3A_=F0=D2?=", "Fwd: ðÒ"}, // KOI8-R read as windows-1252: only the ASCII matters,
		{"=?utf-8?Q?AW=3A_?= =?utf-8?Q?WG=3A_x?=", "AW: WG: x"},
		{"=?utf-8?Q?broken", "=?utf-8?Q?broken"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := decodeHeaderText(tt.raw); got != tt.want {
				t.Errorf("decodeHeaderText = %q, want %q", got, tt.want)
			}
		})
	}
	m := &mailfmt.Message{Header: mailfmt.Header{{Name: "Subject", Value: tests[0].raw}}}
	if fs := manualForward(m); len(fs) != 1 || fs[0].Evidence[0].Value != tests[0].want {
		t.Errorf("encoded subject: %+v", fs)
	}
}

// --- body separators ---------------------------------------------------------

func TestScanSeparators(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		client string // "" for none
		line   int
	}{
		{"outlook original", "hi\n\n-----Original Message-----\nFrom: a\nSent: b\nTo: c\nSubject: d\n", "outlook", 3},
		{"outlook original localized", "-----Message d'origine-----\nDe : a\n", "outlook", 1},
		{"outlook original es", "-----Mensaje original-----\n", "outlook", 1},
		{"outlook original it", "-----Messaggio originale-----\n", "outlook", 1},
		{"gmail legacy de", "---------- Weitergeleitete Nachricht ----------\n", "gmail", 1},
		{"gmail legacy fr", "---------- Message transféré ----------\n", "gmail", 1},
		{"gmail legacy es", "---------- Mensaje reenviado ----------\n", "gmail", 1},
		{"gmail legacy it", "---------- Messaggio inoltrato ----------\n", "gmail", 1},
		{"thunderbird fi", "-------- Välitetty viesti / Fwd.Msg --------\n", "thunderbird", 1},
		{"thunderbird pl", "--- Treść przekazanej wiadomości ---\n", "thunderbird", 1},
		{"yahoo es", "   ----- Mensaje reenviado ----- De: a", "yahoo", 1},
		{"apple de", "> Anfang der weitergeleiteten Nachricht:\n>\n> Von: a\n", "apple-mail", 1},
		{"apple fr nbsp", "Début du message réexpédié\u00a0:\n", "apple-mail", 1},
		{"apple tr", "İleti başlangıcı:\n", "apple-mail", 1},
		{"doubly quoted", "> > -----Original Message-----\n", "outlook", 1},
		{"crlf", "x\r\n-------- Forwarded Message --------\r\n", "thunderbird", 2},
		{"outlook block fr", "De : a\nEnvoyé : b\nÀ : c\nObjet : d\n", "outlook", 1},
		{"outlook block bold", "*From:* a\n*Sent:* b\n*To:* c\n*Subject:* d\n", "outlook", 1},
		{"outlook block wrapped to", "From: a\nSent: b\nTo: c,\n d,\n e\nSubject: f\n", "outlook", 1},
		{"outlook live block", "____________________\nVon: a\nGesendet: b\nAn: c\nBetreff: d\n", "outlook-live", 2},
		{"new outlook ja", "差出人: a\n日付: b\n宛先: c\n件名: d\n", "new-outlook", 1},
		{"outlook 2019 attribution", "\ufeffOn 28/10/2021 12:46, \"J\" <j@a> wrote:\n\n    text\n", "outlook-2019", 1},

		{"gmail reply", "ok\n\nOn Wed, Oct 27, 2021 at 9:31 AM J <j@a> wrote:\n> text\n", "", 0},
		{"attribution not first", "ok\n\nOn 28/10/2021, J wrote:\n\n    text\n", "", 0},
		{"attribution quoted next", "On 28/10/2021, J wrote:\n> text\n", "", 0},
		{"underscores only", "____________________\nText\n____________________\n", "", 0},
		{"block without subject", "From: a\nSent: b\nTo: c\n\n\nSubject: d\n", "", 0},
		{"block without date", "From: a\nTo: c\nSubject: d\n", "", 0},
		{"raw header dump", "From: a\nDate: b\nMessage-ID: <x@y>\nSubject: d\n", "", 0},
		{"digest entry", "Message: 1\nDate: b\nFrom: a\nTo: c\nSubject: d\n", "", 0},
		{"signature", "-- \nJohn\n", "", 0},
		{"dash rule", "----------------------------------------\n", "", 0},
		{"dashed other", "---------- Meeting notes ----------\n", "", 0},
		{"prose", "Begin forwarded message to the team, please.\n", "", 0},
		{"empty", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signs := scanSeparators([]byte(tt.text))
			if tt.client == "" {
				if len(signs) != 0 {
					t.Errorf("got %+v, want none", signs)
				}
				return
			}
			if len(signs) == 0 || signs[0].client != tt.client || signs[0].line != tt.line {
				t.Errorf("got %+v, want %s at line %d", signs, tt.client, tt.line)
			}
		})
	}
}

// A separator and the header block under it are one sign.
func TestScanSeparatorsOneSignPerSeparator(t *testing.T) {
	text := "-----Original Message-----\nFrom: a\nSent: b\nTo: c\nSubject: d\n\nBegin forwarded message:\n\nFrom: a\nDate: b\nTo: c\nSubject: d\n"
	signs := scanSeparators([]byte(text))
	var clients []string
	for _, s := range signs {
		clients = append(clients, s.client)
	}
	if !slices.Equal(clients, []string{"outlook", "apple-mail"}) {
		t.Errorf("clients = %q", clients)
	}
}

func TestManualForwardNil(t *testing.T) {
	if fs := manualForward(nil); fs != nil {
		t.Errorf("nil message: %+v", fs)
	}
	if fs := manualForward(&mailfmt.Message{}); fs != nil {
		t.Errorf("empty message: %+v", fs)
	}
}

func TestEvidenceTextTruncates(t *testing.T) {
	s := strings.Repeat("é", 300)
	got := evidenceText([]byte(s))
	if len(got) > 200 || !utf8.ValidString(got) {
		t.Errorf("evidenceText: len %d valid %v", len(got), utf8.ValidString(got))
	}
}
