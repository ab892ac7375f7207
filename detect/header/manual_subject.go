package header

import (
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
)

// Subject prefixes that mail clients put before a forwarded message's
// subject, and the reply prefixes they are stacked with.
//
// Sources: Microsoft's PidTagSubjectPrefix documentation (a prefix is one
// to three letters and a colon; clients localise it), the "List of email
// subject abbreviations" article and its translations, and the subject
// fixtures of crisp-oss/email-forward-parser (Outlook 2013/2019 and
// Outlook Live in en, de, es, fr, it, pl, pt-BR, sv, tr). Gmail, Apple
// Mail and Thunderbird write "Fwd:" in every locale.
//
//	prefix     language                     client / meaning
//	FW, FWD    English (all locales)        Outlook "FW", Gmail/Apple/Thunderbird "Fwd"
//	WG         German                       Outlook "WG" (weitergeleitet)
//	Weiterleitung German                    written out, some webmail
//	TR         French                       Outlook "TR" (transféré)
//	RV         Spanish                      Outlook "RV" (reenviado)
//	ENC        Portuguese (PT, BR)          Outlook "ENC" (encaminhado)
//	I          Italian                      Outlook "I" (inoltrato), colon right after
//	Inoltro    Italian                      written out
//	PD         Polish                       Outlook "PD" (przekazanie dalej)
//	VB         Swedish                      Outlook "VB" (vidarebefordrat)
//	VS         Danish, Norwegian            Outlook "VS" (videresendt) — see below
//	Videresend Danish, Norwegian            written out
//	VL         Finnish                      Outlook "VL" (välitetty)
//	Doorst     Dutch                        Outlook "Doorst" (doorgestuurd)
//	İLT        Turkish                      Outlook "İLT" (iletildi)
//	PŘ         Czech                        Outlook "PŘ" (přeposláno)
//	TOV        Hungarian                    Outlook "TOV" (továbbítva)
//	ΠΡΘ        Greek                        Outlook "ΠΡΘ" (προώθηση)
//	PĀR        Latvian                      Outlook "PĀR" (pārsūtīts)
//	TRS        Indonesian                   Outlook "TRS" (teruskan)
//	YML        Welsh                        Outlook "YML" (ymlaen)
//	转发        Chinese (simplified)         Outlook/Foxmail
//	轉寄, 轉發   Chinese (traditional)        Outlook
//	転送        Japanese                     Outlook
//	전달        Korean                       Outlook
//	Пересл     Russian                      Thunderbird/Yandex style "Пересл:"
//	הועבר      Hebrew                       Outlook
//	إعادة توجيه Arabic                      Outlook; "تحويل" also seen
//
// Reply prefixes (never a forward): RE (Latin, all locales), AW (German
// Antwort), SV (Swedish, Danish, Norwegian, Icelandic svar), VS (Finnish
// vastaus — see below), Antw (Dutch), Odp (Polish, Czech), R and RIF
// (Italian), RES (Portuguese), RÉF (French), YNT (Turkish), VÁ
// (Hungarian), ΑΠ and ΣΧΕΤ (Greek), ATB (Latvian, Welsh), ATS
// (Lithuanian), BLS (Indonesian), 回复/答复/回覆 (Chinese), 返信
// (Japanese), 회신/답장 (Korean), Отв/Ответ (Russian), השב (Hebrew), رد
// (Arabic).
//
// Choices where a prefix means different things:
//   - "VS" is the Danish/Norwegian forward and the Finnish reply. It
//     counts as a forward only when the message declares a Danish or
//     Norwegian Content-Language (Outlook and Exchange set it); otherwise it
//     is read as a reply. Counting Finnish replies as forwards would make a
//     mailbox look manually forwarded and hide auto-forwarding, the worse
//     error; Danish and Norwegian Outlook forwards also carry the
//     Fra/Sendt/Til/Emne block the body rule finds.
//   - "SV" is a reply in every language that uses it.
//   - "FS" (Icelandic framsent) is left out: "FS:" means "for sale" on
//     lists. "PR" is left out as the ASCII spelling of Czech "PŘ": it
//     means press release.
//   - Single letters ("I" Italian forward, "R" Italian reply) count only
//     with the colon right after the letter.

// prefixKind is what a subject prefix means.
type prefixKind uint8

const (
	prefixNone prefixKind = iota
	prefixForward
	prefixReply
	prefixAmbiguousVS // Danish/Norwegian forward, Finnish reply
)

var subjectPrefixes = func() map[string]prefixKind {
	m := map[string]prefixKind{}
	for _, p := range []string{
		"FW", "FWD", "WG", "Weiterleitung", "TR", "RV", "ENC", "I", "Inoltro",
		"PD", "VB", "Videresend", "Videresendt", "VL", "Doorst", "İLT", "PŘ",
		"TOV", "ΠΡΘ", "PĀR", "TRS", "YML", "转发", "轉寄", "轉發", "転送",
		"전달", "Пересл", "הועבר", "إعادة توجيه", "تحويل",
	} {
		m[string(foldText(nil, []byte(p)))] = prefixForward
	}
	for _, p := range []string{
		"RE", "AW", "SV", "Antw", "Odp", "R", "RIF", "RES", "RÉF", "YNT", "VÁ",
		"ΑΠ", "ΣΧΕΤ", "ATB", "ATS", "BLS", "回复", "答复", "回覆", "返信", "회신",
		"답장", "Отв", "Ответ", "השב", "رد",
	} {
		m[string(foldText(nil, []byte(p)))] = prefixReply
	}
	m["vs"] = prefixAmbiguousVS
	return m
}()

// subjectInfo is what the subject's leading prefixes say.
type subjectInfo struct {
	subject   string // decoded subject
	forward   string // first forward prefix as written ("WG:"), "" if none
	outermost prefixKind
}

// parseSubject reads the prefixes at the start of a decoded subject:
//
//	subject  = *( WSP / tag / prefix ) rest
//	tag      = "[" 1*63(any but "]") "]"
//	prefix   = word *2(SP word) [counter] [WSP] colon
//	counter  = "[" 1*DIGIT "]" / "(" 1*DIGIT ")"
//	colon    = ":" / "：" (U+FF1A, full width)
//
// It stops at the first word that is not a known prefix. vsIsForward, asked
// only when a "VS" prefix is seen, resolves that ambiguity (see the table
// above).
func parseSubject(subject string, vsIsForward func() bool) subjectInfo {
	si := subjectInfo{subject: subject}
	s := subject
	for n := 0; n < 12 && s != ""; n++ {
		s = strings.TrimLeft(s, " \t\u00a0\u3000")
		if strings.HasPrefix(s, "[") {
			k := strings.IndexByte(s, ']')
			if k < 0 || k > 64 {
				return si
			}
			s = s[k+1:]
			continue
		}
		word, after, ok := subjectWord(s)
		if !ok {
			return si
		}
		var fb [64]byte
		kind := subjectPrefixes[string(foldText(fb[:0], []byte(word)))]
		if kind == prefixAmbiguousVS {
			kind = prefixReply
			if vsIsForward != nil && vsIsForward() {
				kind = prefixForward
			}
		}
		if kind == prefixNone {
			return si
		}
		if utf8.RuneCountInString(word) == 1 && !strings.HasPrefix(s[len(word):], ":") {
			return si // "I :" is no Italian forward
		}
		if si.outermost == prefixNone {
			si.outermost = kind
		}
		if kind == prefixForward && si.forward == "" {
			si.forward = strings.TrimSpace(s[:len(s)-len(after)])
		}
		s = after
	}
	return si
}

// subjectWord reads "word *2(SP word) [counter] [WSP] colon" at the start
// of s and returns the words and what follows the colon.
func subjectWord(s string) (word, after string, ok bool) {
	i, words, runes := 0, 0, 0
	for i < len(s) && runes < 32 {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			i += size
			runes++
			continue
		}
		if r == ' ' && i > 0 && words < 2 && i+1 < len(s) {
			if r2, _ := utf8.DecodeRuneInString(s[i+1:]); unicode.IsLetter(r2) {
				words++
				i++
				continue
			}
		}
		break
	}
	if i == 0 {
		return "", "", false
	}
	word = s[:i]
	rest := s[i:]
	if len(rest) > 0 && (rest[0] == '[' || rest[0] == '(') {
		closer := byte(']')
		if rest[0] == '(' {
			closer = ')'
		}
		k := 1
		for k < len(rest) && k < 6 && '0' <= rest[k] && rest[k] <= '9' {
			k++
		}
		if k > 1 && k < len(rest) && rest[k] == closer {
			rest = rest[k+1:]
		}
	}
	rest = strings.TrimLeft(rest, " \t\u00a0")
	switch {
	case strings.HasPrefix(rest, ":"):
		return word, rest[1:], true
	case strings.HasPrefix(rest, "："):
		return word, rest[len("："):], true
	}
	return "", "", false
}

// foldText appends to dst a case-folded form of s for table lookups:
// lower case, Turkish dotted and dotless I as "i" (so İLT, ILT, ılt and ilt
// are one key), U+0307 combining dot dropped, typographic apostrophes as
// "'", and runs of white space (including NBSP) as one space, trimmed.
func foldText(dst, s []byte) []byte {
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c == ' ' || c == '\t' {
				space = true
				continue
			}
			if space && len(dst) > 0 {
				dst = append(dst, ' ')
			}
			space = false
			dst = append(dst, asciiLower(c))
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		switch r {
		case 0x00a0, 0x3000, 0x202f:
			space = true
			continue
		case 0x0307, 0xfeff:
			continue
		case 'İ', 'ı':
			r = 'i'
		case '’', '‘':
			r = '\''
		default:
			r = unicode.ToLower(r)
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		space = false
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// decodeHeaderText decodes the RFC 2047 encoded words of a header value
// with mailfmt/header.DecodeWord. Words in a charset that DecodeWord
// leaves encoded are decoded again here, leniently: an unknown charset is
// read as windows-1252 unless it is valid UTF-8, which keeps the ASCII of
// a "Fwd:" in, say, a KOI8-R subject.
func decodeHeaderText(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d := mhdr.DecodeWord(s)
	if !strings.Contains(d, "=?") {
		return d
	}
	if l, err := lenientWordDecoder.DecodeHeader(d); err == nil {
		return l
	}
	return d
}

// lenientWordDecoder decodes encoded words in any charset with toUTF8.
var lenientWordDecoder = &mime.WordDecoder{
	CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(r, 64<<10))
		if err != nil {
			return nil, err
		}
		return strings.NewReader(string(toUTF8(b, charset))), nil
	},
}

// languageIsDanoNorwegian reports whether a Content-Language value names
// Danish or Norwegian (da, no, nb, nn).
func languageIsDanoNorwegian(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, l := range []string{"da", "no", "nb", "nn"} {
		if v == l || strings.HasPrefix(v, l+"-") || strings.HasPrefix(v, l+",") {
			return true
		}
	}
	return false
}
