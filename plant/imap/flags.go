package imap

import (
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// letterFlags maps Maildir info letters (Bernstein's "maildir" page,
// letters in ASCII order) to IMAP flags (RFC 3501 2.3.2; $Forwarded from
// RFC 5788's registry).
var letterFlags = []struct {
	letter byte
	flag   imap.Flag
}{
	{'D', imap.FlagDraft},
	{'F', imap.FlagFlagged},
	{'P', imap.FlagForwarded},
	{'R', imap.FlagAnswered},
	{'S', imap.FlagSeen},
	{'T', imap.FlagDeleted},
}

// imapFlags turns Maildir letters ("SR") into IMAP flags and the letters
// sorted without repeats.
func imapFlags(letters string) ([]imap.Flag, string, error) {
	var flags []imap.Flag
	var norm []byte
	for _, lf := range letterFlags {
		if strings.IndexByte(letters, lf.letter) >= 0 {
			flags = append(flags, lf.flag)
			norm = append(norm, lf.letter)
		}
	}
	for i := 0; i < len(letters); i++ {
		if !strings.ContainsRune(string(norm), rune(letters[i])) {
			return nil, "", fmt.Errorf("unknown Maildir flag %q in %q (want letters of DFPRST)", letters[i], letters)
		}
	}
	return flags, string(norm), nil
}

// maildirFlags turns IMAP flags into Maildir letters, with any keywords
// beyond those (and other system flags, \Recent aside) after a space,
// sorted: "RS", "S $Junk", "".
func maildirFlags(flags []imap.Flag) string {
	var letters []byte
	var rest []string
	for _, f := range flags {
		known := false
		for _, lf := range letterFlags {
			if strings.EqualFold(string(f), string(lf.flag)) {
				letters = append(letters, lf.letter)
				known = true
				break
			}
		}
		if !known && !strings.EqualFold(string(f), `\Recent`) {
			rest = append(rest, string(f))
		}
	}
	sort.Slice(letters, func(i, j int) bool { return letters[i] < letters[j] })
	sort.Strings(rest)
	out := string(dedupe(letters))
	if len(rest) > 0 {
		out += " " + strings.Join(rest, " ")
	}
	return out
}

func dedupe(b []byte) []byte {
	out := b[:0]
	for i, c := range b {
		if i == 0 || c != b[i-1] {
			out = append(out, c)
		}
	}
	return out
}
