package ingest

import "testing"

// FuzzSniff: recognising a file never panics, and a file taken for a
// single message starts with a header field.
func FuzzSniff(f *testing.F) {
	f.Add([]byte(msg("1")))
	f.Add([]byte(mboxOf("1", "2")))
	f.Add([]byte("!BDN\x00"))
	f.Add([]byte("key: value\nother: 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if sniffBytes(data) == kindEML {
			if !looksLikeMessage(data) {
				t.Fatal("kindEML without a header")
			}
		}
	})
}
