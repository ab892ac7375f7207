package header

import (
	"os"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// msg parses a hand-written message for tests: header fields in wire order,
// continuation lines unfolded, body after the first blank line. It is a
// test helper, not a parser: mailfmt/header owns real parsing.
func fwdMsg(t testing.TB, raw string) *mailfmt.Message {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	head, body, _ := strings.Cut(raw, "\n\n")
	m := &mailfmt.Message{Body: []byte(body), BodySize: int64(len(body))}
	for line := range strings.SplitSeq(head, "\n") {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(m.Header) == 0 {
				t.Fatalf("continuation line before any field: %q", line)
			}
			m.Header[len(m.Header)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("malformed header line %q", line)
		}
		m.Header = append(m.Header, mailfmt.Field{Name: name, Value: strings.TrimLeft(value, " \t")})
	}
	m.HeaderBytes = len(head) + 2
	return m
}

// readFwdMsg parses a message file with msg.
func readFwdMsg(t testing.TB, path string) *mailfmt.Message {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return fwdMsg(t, string(b))
}

func fwdRules(fs []Finding) []string {
	var rs []string
	for _, f := range fs {
		rs = append(rs, f.Rule)
	}
	return rs
}

func fwdFind(fs []Finding, rule string) *Finding {
	for i := range fs {
		if fs[i].Rule == rule {
			return &fs[i]
		}
	}
	return nil
}

// fwdBase is a plain message every test case starts from.
const fwdBase = "From: Alice <alice@sender.example>\n" +
	"To: Bob <bob@corp.example>\n" +
	"Subject: Quarterly numbers\n" +
	"Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
	"Message-ID: <q1@sender.example>\n"
