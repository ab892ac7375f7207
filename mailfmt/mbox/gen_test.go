package mbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// genMbox builds a synthetic mbox of about size bytes: multipart messages
// with 20-200 KB base64 attachments and plain-text ones whose bodies hold
// mboxrd-quoted and unquoted "From " lines. It is deterministic per seed.
func genMbox(seed uint64, size int, crlf bool) []byte {
	rng := rand.New(rand.NewPCG(seed, 42))
	var b bytes.Buffer
	attach := make([]byte, 200<<10)
	for i := range attach {
		attach[i] = byte(rng.Uint32())
	}
	words := strings.Fields("the quarterly report from finance is attached please review before friday and send comments to the team lead From now on we will meet weekly")
	for n := 0; b.Len() < size; n++ {
		var m strings.Builder
		envelopes := []string{
			"From alice@example.org Mon Jan  1 00:00:%02d 2024\n",
			"From MAILER-DAEMON Fri Jul  8 12:08:%02d 2011\n",
			"From - Mon Jan 01 00:00:%02d 2024\n",
			"From bob@example.com%.0d\n",
		}
		fmt.Fprintf(&m, envelopes[n%len(envelopes)], n%60)
		for r := 0; r < 3+rng.IntN(6); r++ {
			fmt.Fprintf(&m, "Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n\tby mail.example.com (Postfix) with ESMTPS id %X\n\tfor <bob@example.com>; Mon, 1 Jan 2024 10:%02d:00 +0000\n", r, r, r, rng.Uint64(), r)
		}
		fmt.Fprintf(&m, "From: \"Alice Example\" <alice@example.org>\nTo: bob@example.com, \"Carol\" <carol@example.com>\nSubject: =?utf-8?Q?Report_n=C2=B0%d?=\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <%x@example.org>\nMIME-Version: 1.0\n", n, rng.Uint64())
		if n%3 != 2 {
			bnd := fmt.Sprintf("b%x", rng.Uint64())
			fmt.Fprintf(&m, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n\n--%s\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"r%d.pdf\"\n\n", bnd, bnd, bnd, n)
			sz := 20<<10 + rng.IntN(180<<10)
			enc := base64.StdEncoding.EncodeToString(attach[:sz])
			for len(enc) > 76 {
				m.WriteString(enc[:76])
				m.WriteByte('\n')
				enc = enc[76:]
			}
			m.WriteString(enc)
			fmt.Fprintf(&m, "\n--%s--\n", bnd)
		} else {
			m.WriteString("Content-Type: text/plain; charset=utf-8\n\n")
			for l := 0; l < 20+rng.IntN(100); l++ {
				switch rng.IntN(25) {
				case 0:
					m.WriteString(">From the desk of Alice\n") // quoted "From "
				case 1:
					m.WriteString(">>From quoted twice\n")
				case 2:
					m.WriteString("From here on, unquoted (mboxo writers do this)\n")
				case 3:
					m.WriteString("\n")
				default:
					for w := 0; w < 12; w++ {
						m.WriteString(words[rng.IntN(len(words))])
						m.WriteByte(' ')
					}
					m.WriteString("\n")
				}
			}
		}
		m.WriteString("\n")
		s := m.String()
		if crlf {
			s = strings.ReplaceAll(s, "\n", "\r\n")
		}
		b.WriteString(s)
	}
	return b.Bytes()
}
