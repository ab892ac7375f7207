package header

import (
	"os"
	"strings"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
)

// fwdMsg reads a hand-written message with mailfmt/header.ReadMessage.
func fwdMsg(t testing.TB, raw string) *mailfmt.Message {
	t.Helper()
	m, err := mhdr.ReadMessage(strings.NewReader(raw), mailfmt.Limits{})
	if err != nil {
		t.Fatalf("read test message: %v\n%s", err, raw)
	}
	return m
}

// readFwdMsg reads a real message file with mailfmt/header.ReadMessage.
func readFwdMsg(t testing.TB, path string) *mailfmt.Message {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mhdr.ReadMessage(f, mailfmt.Limits{})
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return m
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
