package header

import (
	"bytes"
	"testing"

	"github.com/mailtrip/mailtrip/mailfmt"
	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
)

// FuzzClassify: any message the header reader accepts classifies without
// a panic, and every finding names its rule and carries evidence.
func FuzzClassify(f *testing.F) {
	f.Add([]byte("X-Forwarded-To: a@b.example\nX-Forwarded-For: c@d.example a@b.example\nDelivered-To: a@b.example\nDelivered-To: c@d.example\n\nbody\n"))
	f.Add([]byte("Resent-From: x@y.example\nResent-Date: Mon, 4 Mar 2024 09:10:00 +0000\nResent-To: z@w.example\nSubject: =?utf-8?Q?Fwd:_x?=\n\n---------- Forwarded message ---------\nFrom: a\n"))
	f.Add([]byte("Return-Path: <SRS0=ab=CD=example.com=bob@fwd.example>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nFrom: x\n--b--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _ := readForFuzz(data)
		if m == nil {
			return
		}
		for _, opt := range []Options{{}, {InternalDomains: []string{"b.example"}}} {
			r := Classify(m, opt)
			for _, fd := range append(r.Auto, r.Manual...) {
				if fd.Rule == "" || len(fd.Evidence) == 0 {
					t.Fatalf("finding without rule or evidence: %+v", fd)
				}
			}
		}
	})
}

func readForFuzz(data []byte) (*mailfmt.Message, error) {
	return mhdr.ReadMessage(bytes.NewReader(data), mailfmt.Limits{MaxBodyBytes: 4096})
}
