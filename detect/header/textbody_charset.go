package header

import (
	"unicode/utf8"

	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
)

// toUTF8 converts b from the named charset to UTF-8 with mailfmt/header's
// tables (ISO-8859-1 read as windows-1252, as the WHATWG Encoding Standard
// does). ASCII and UTF-8 input are returned as they are: the scanners only
// look for ASCII and well-formed sequences. Text in a charset the tables do
// not know is kept when it is valid UTF-8 (mislabelled) and otherwise read
// as windows-1252, which keeps its ASCII and most Western letters.
func toUTF8(b []byte, charset string) []byte {
	if out, ok := mhdr.ToUTF8(b, charset); ok {
		return out
	}
	if utf8.Valid(b) {
		return b
	}
	out, _ := mhdr.ToUTF8(b, "windows-1252")
	return out
}
