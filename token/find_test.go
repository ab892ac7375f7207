package token

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	const (
		a = "uhrm25j432hsudnm"
		b = "fmyutp2p4mj3pqix"
		c = "e4injfvmhreish7y"
	)
	tests := []struct {
		name, in string
		want     []SubID
	}{
		{"path", "/s/" + a + "/Q3-payroll.pdf", []SubID{a}},
		{"query", "https://files.example.com/view?doc=" + a + "&ref=mail", []SubID{a}},
		{"query last", "https://files.example.com/login?sid=" + a, []SubID{a}},
		{"request line", "GET /d/" + a + "/wire-instructions.docx?x=" + b + " HTTP/1.1", []SubID{a, b}},
		{"host name", "vpn-" + a + ".canary.example.com", []SubID{a}},
		{"host name upper case", "VPN-" + strings.ToUpper(a) + ".CANARY.EXAMPLE.COM.", []SubID{a}},
		{"host name mixed case", "vPn-UhRm25J432hSuDnM.CaNaRy.ExAmPlE.cOm", []SubID{a}},
		{"host first label", a + ".files.canary.localhost", []SubID{a}},
		{"local part", "billing." + a + "@canary.example.com", []SubID{a}},
		{"address in header", "To: \"AP\" <ap-team-" + a + "@canary.example.com>, x@example.com", []SubID{a}},
		{"message-id", "Message-ID: <20250611093012." + a + "@mail.example.com>", []SubID{a}},
		{"text with punctuation", "Please wire funds (ref " + a + "), then call; see: " + b + ".", []SubID{a, b}},
		{"quoted", `"` + a + `"`, []SubID{a}},
		{"underscore", "x_" + a + "_y", []SubID{a}},
		{"start and end", a, []SubID{a}},
		{"duplicates once", a + " " + b + " " + strings.ToUpper(a) + " " + a, []SubID{a, b}},
		{"non-ascii neighbours", "é" + a + "ü", []SubID{a}},
		{"percent-encoded", "url=https%3A%2F%2Ffiles.example.com%2Fs%2F" + a + "%2FQ3-payroll.pdf", []SubID{a}},
		{"percent-encoded lower hex", "next=%2fs%2f" + a + "%2f", []SubID{a}},
		{"quoted-printable", `<a href=3D"https://files.example.com/view?doc=3D` + a + `&ref=3Dmail">`, []SubID{a}},
		{"quoted-printable upper", "doc=3D" + strings.ToUpper(a), []SubID{a}},
		{"json log", `{"url":"https://f.example/s/` + a + `/x.pdf","host":"` + b + `.cdn.canary.example"}`, []SubID{a, b}},
		{"many", strings.Repeat(a+" "+b+" "+c+" ", 5), []SubID{a, b, c}},

		{"empty", "", nil},
		{"15 characters", "/s/" + a[:15] + "/x", nil},
		{"17 characters", "/s/" + a + "q/x", nil},
		{"17 with digit", "/s/2" + a + "/x", nil},
		{"digit 0", "/s/" + a[:15] + "0/x", nil},
		{"digit 1", "/s/1" + a[1:] + "/x", nil},
		{"digit 8", "/s/" + a[:7] + "8" + a[8:] + "/x", nil},
		{"digit 9", "/s/" + a[:7] + "9" + a[8:] + "/x", nil},
		{"inside a longer word", "x" + a + "y", nil},
		{"hex after percent is not 18", "%2" + a, nil},           // run of 17
		{"escape needs percent or equals", "/2F" + a + "/", nil}, // run of 18, no escape
		{"escape needs hex", "%zz" + a, nil},
		{"32-char base32", a + b, nil},
		{"26-char id", "caireeyuculbogazdinryhi6d4", nil},
		{"hex digest", "d41d8cd98f00b204e9800998ecf8427e", nil},
		{"ordinary text", "The quarterly payroll file is attached; regards, Jane.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Find(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFindAllocations(t *testing.T) {
	clean := strings.Repeat("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n", 80)
	if n := testing.AllocsPerRun(100, func() { Find(clean) }); n != 0 {
		t.Errorf("Find on %d bytes without candidates: %v allocations, want 0", len(clean), n)
	}
	one := clean + "Referer: https://files.example.com/s/uhrm25j432hsudnm/x.pdf\r\n"
	if n := testing.AllocsPerRun(100, func() { Find(one) }); n > 2 {
		t.Errorf("Find with one candidate: %v allocations, want ≤ 2", n)
	}
}

func TestFindManyDistinct(t *testing.T) {
	// Past the first few candidates Find switches to a map; results must
	// stay the same.
	var b strings.Builder
	var want []SubID
	for i, s := range subs(50) {
		want = append(want, s)
		fmt.Fprintf(&b, "%s ", strings.ToUpper(string(s)))
		if i%3 == 0 {
			fmt.Fprintf(&b, "again %s ", s)
		}
	}
	b.WriteString(string(want[0]) + " " + string(want[40]))
	if got := Find(b.String()); !slices.Equal(got, want) {
		t.Errorf("Find = %v\nwant %v", got, want)
	}
}

func TestFindID(t *testing.T) {
	const id = "caireeyuculbogazdinryhi6d4"
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain", "decoy " + id + ".", []string{id}},
		{"upper case", "X-Decoy: " + strings.ToUpper(id), []string{id}},
		{"twice", id + "," + id, []string{id}},
		{"percent", "q=%3D" + id, []string{id}},
		{"trailing bits", "caireeyuculbogazdinryhi6d5", nil},
		{"25", id[:25], nil},
		{"27", id + "a", nil},
		{"digit", "caireeyuculbogazdinryhi0d4", nil},
		{"sub-id", "uhrm25j432hsudnm", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, id := range FindID(tt.in) {
				got = append(got, id.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// request is a 4 KB HTTP request as a trap sees it: request line and
// headers, two sub-ids (path, percent-encoded in the Referer), the rest
// ordinary.
func request() string {
	var b strings.Builder
	b.WriteString("GET /s/uhrm25j432hsudnm/Q3-payroll.pdf?utm_source=email&utm_medium=link HTTP/1.1\r\n")
	b.WriteString("Host: files.canary.example.com\r\n")
	b.WriteString("User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68\r\n")
	b.WriteString("Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n")
	b.WriteString("Accept-Language: en-GB,en;q=0.9,en-US;q=0.8,de;q=0.7\r\n")
	b.WriteString("Accept-Encoding: gzip, deflate, br, zstd\r\n")
	b.WriteString("Referer: https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS1iNTcwLWI2NTUtMDACLTAwCgAQAGv%2BaB4?next=%2Fview%3Fdoc%3DFMYUTP2P4MJ3PQIX\r\n")
	b.WriteString("Sec-Ch-Ua: \"Chromium\";v=\"126\", \"Microsoft Edge\";v=\"126\", \"Not/A)Brand\";v=\"8\"\r\n")
	b.WriteString("X-Forwarded-For: 203.0.113.7, 198.51.100.23\r\n")
	for i := 0; b.Len() < 4096-64; i++ {
		fmt.Fprintf(&b, "Cookie: _ga=GA1.2.%d.1718031234; session=%x; consent=analytics%%3Dfalse\r\n", 1000000000+i*7919, uint64(i)*0x9e3779b97f4a7c15)
	}
	for b.Len() < 4096-2 {
		b.WriteByte('x')
	}
	b.WriteString("\r\n")
	return b.String()
}

func BenchmarkFind(b *testing.B) {
	req := request()
	if len(req) != 4096 {
		b.Fatalf("request is %d bytes", len(req))
	}
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(Find(req))
	}
	// The two sub-ids, and a hex session cookie that happens to qualify:
	// the registry turns such candidates down.
	if n != 3 {
		b.Fatalf("%d candidates, want 3", n)
	}
}
