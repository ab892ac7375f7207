package token

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// Credential returns a decoy user name and password, the same pair for the
// same state of r. The user name carries no token: the registry maps the
// (user, password) pair back to its decoy, so the name can look exactly like
// an account an administrator would keep: svc-backup, sa-veeam01,
// j.smith-admin, adm-jsmith. With a persona ("Jane Smith", "Smith, Jane",
// "jane.smith@example.com") about half the names are admin variants of the
// persona's name; without one, all are service accounts. Names are at most
// 20 bytes of [a-z0-9._-] (the pre-Windows 2000 logon name limit).
//
// The password is 14–20 characters with upper and lower case letters,
// digits and symbols, either random (as a password manager makes) or two
// words with digits (as a person makes). It has no spaces, quotes,
// backslashes or angle brackets, so it survives being pasted into mail
// text, HTML, a script or a config file.
func Credential(r *rand.Rand, persona string) (user, password string) {
	first, last := personaName(persona)
	if last != "" && r.IntN(2) == 0 {
		user = personaUser(r, first, last)
	} else {
		user = serviceUser(r)
	}
	if r.IntN(2) == 0 {
		password = randomPassword(r)
	} else {
		password = wordPassword(r)
	}
	return user, password
}

// maxUserLen is the longest user name Credential makes.
const maxUserLen = 20

var services = []string{
	"backup", "veeam", "sql", "sharepoint", "exchange", "scanner", "ldapsync",
	"jenkins", "ansible", "print", "adsync", "mailrelay", "archive", "sccm", "vcenter",
}

func serviceUser(r *rand.Rand) string {
	svc := services[r.IntN(len(services))]
	var u string
	switch r.IntN(5) {
	case 0:
		u = "svc-" + svc
	case 1:
		u = "svc_" + svc
	case 2:
		u = "sa-" + svc
	case 3:
		u = svc + "-svc"
	default:
		u = svc + "admin"
	}
	if r.IntN(3) == 0 {
		u += []string{"01", "02", "1", "-prod"}[r.IntN(4)]
	}
	return u
}

func personaUser(r *rand.Rand, first, last string) string {
	f := first
	if f == "" {
		f = last
	}
	i := f[:1]
	// Keep room for the longest decoration (".adm" after "first.").
	if len(last) > 12 {
		last = last[:12]
	}
	if len(f) > 8 {
		f = f[:8]
	}
	var u string
	switch r.IntN(6) {
	case 0:
		u = i + "." + last + "-admin"
	case 1:
		u = f + "." + last + ".adm"
	case 2:
		u = "adm-" + i + last
	case 3:
		u = i + last + "_a"
	case 4:
		u = last + i + "-da"
	default:
		u = "admin." + last
	}
	if len(u) > maxUserLen {
		u = u[:maxUserLen]
	}
	return strings.TrimRight(u, ".-_")
}

// personaName finds a first and last name in a persona's display name or
// address, folded to a–z. A one-word persona is a last name.
func personaName(persona string) (first, last string) {
	p := persona
	if at := strings.IndexByte(p, '@'); at >= 0 {
		p = p[:at]
	}
	var words []string
	if before, after, ok := strings.Cut(p, ","); ok { // "Smith, Jane"
		words = append(nameWords(after), nameWords(before)...)
	} else {
		words = nameWords(p)
	}
	switch len(words) {
	case 0:
		return "", ""
	case 1:
		return "", words[0]
	}
	return words[0], words[len(words)-1]
}

// nameWords splits s into words of a–z, folding the accented Latin letters
// names commonly carry and dropping what cannot be folded.
func nameWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, c := range s {
		c = unicode.ToLower(c)
		switch {
		case 'a' <= c && c <= 'z':
			b.WriteRune(c)
		case c == '\'' || c == '’':
			// O'Brien → obrien
		case c > unicode.MaxASCII && unicode.IsLetter(c):
			b.WriteString(foldLatin(c))
		default:
			flush()
		}
	}
	flush()
	return words
}

// foldLatin spells an accented Latin letter in a–z, or returns "".
func foldLatin(c rune) string {
	switch c {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ą':
		return "a"
	case 'æ':
		return "ae"
	case 'ç', 'ć', 'č':
		return "c"
	case 'è', 'é', 'ê', 'ë', 'ē', 'ę', 'ě':
		return "e"
	case 'ì', 'í', 'î', 'ï':
		return "i"
	case 'ł':
		return "l"
	case 'ñ', 'ń', 'ň':
		return "n"
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ő':
		return "o"
	case 'œ':
		return "oe"
	case 'ß':
		return "ss"
	case 'š', 'ś':
		return "s"
	case 'ù', 'ú', 'û', 'ü', 'ů', 'ű':
		return "u"
	case 'ý', 'ÿ':
		return "y"
	case 'ž', 'ź', 'ż':
		return "z"
	case 'ř':
		return "r"
	case 'ğ':
		return "g"
	}
	return ""
}

// Character classes of passwords. Symbols leave out what breaks quoting in
// mail, HTML, shells and config files.
const (
	pwLower  = "abcdefghijkmnopqrstuvwxyz"
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwDigit  = "23456789"
	pwSymbol = "!#$%*+-=?@^_"
)

func randomPassword(r *rand.Rand) string {
	n := 14 + r.IntN(7)
	b := make([]byte, n)
	classes := [...]string{pwLower, pwUpper, pwDigit, pwSymbol}
	// One of each class, then any; shuffled so the classes have no fixed place.
	for i, c := range classes {
		b[i] = c[r.IntN(len(c))]
	}
	all := pwLower + pwUpper + pwDigit + pwSymbol
	for i := len(classes); i < n; i++ {
		b[i] = all[r.IntN(len(all))]
	}
	r.Shuffle(n, func(i, j int) { b[i], b[j] = b[j], b[i] })
	return string(b)
}

var pwWords = []string{
	"Harbor", "Maple", "Falcon", "Copper", "Winter", "Summit", "Cobalt", "Orchid",
	"Granite", "Willow", "Lantern", "Meadow", "Quartz", "Ember", "Tundra", "Saffron",
	"Beacon", "Juniper", "Marble", "Canyon", "Pepper", "Violet", "Rocket", "Bamboo",
}

// wordPassword makes Word<sep>Word<sep><digits><symbol>, 14–20 characters.
func wordPassword(r *rand.Rand) string {
	n := 14 + r.IntN(7)
	for range 100 {
		w1 := pwWords[r.IntN(len(pwWords))]
		w2 := pwWords[r.IntN(len(pwWords))]
		sep := string("-._!#"[r.IntN(5)])
		head := w1 + sep + w2 + sep
		digits := n - len(head) - 1
		if digits < 2 || digits > 5 || w1 == w2 {
			continue
		}
		var b strings.Builder
		b.WriteString(head)
		for range digits {
			b.WriteByte(pwDigit[r.IntN(len(pwDigit))])
		}
		b.WriteByte("!#$%*?@"[r.IntN(7)])
		return b.String()
	}
	return randomPassword(r)
}
