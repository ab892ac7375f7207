package header

import (
	"bytes"
	"unicode/utf8"
)

// Separators mail clients write above the message they forward inline.
//
// Sources: the body fixtures of crisp-oss/email-forward-parser (Apple Mail,
// Gmail, Outlook 2019, new Outlook, Outlook Live, Thunderbird, Yahoo in up
// to 22 languages; copies of the ones used in tests are under
// testdata/manual/crisp/), Thunderbird's and Apple Mail's localised UI
// strings as they appear there, and Outlook's plain-text forward
// ("-----Original Message-----").
//
// Three shapes are recognised, on lines of the decoded text with any ">"
// quoting removed:
//
//	dashed  = 2*"-" [SP] phrase [SP] 2*"-" [rest]   ; one line
//	intro   = phrase [WSP] (":" / "：")             ; Apple Mail, whole line
//	block   = from-line 2*( label-line / blank / continuation ) subject-line
//	        ; a From/Sent-or-Date/To/Subject block in one language,
//	        ; optionally after a "____" line (Outlook Live) — new Outlook
//	        ; and Outlook desktop write it with no separator line
//
// The client is told by the shape: 10 dashes Gmail, 8 (3 in Polish)
// Thunderbird, "-----X-----" Outlook, "----- X -----" Yahoo; "Begin
// forwarded message:" Apple Mail; a block after "____" Outlook Live, a
// block with "Sent" Outlook, with "Date" new Outlook.
//
// Outlook writes the same "-----Original Message-----" line and the same
// From/Sent/To/Subject block above the message it replies to; Outlook 2019
// writes "On <date>, <sender> wrote:" with an indented (not ">"-quoted)
// copy for both. Those signs are ambiguous: they are reported unless the
// subject's outermost prefix is a reply prefix or the message is an
// automatic reply. A Gmail, Thunderbird or Apple Mail "On ... wrote:"
// line with ">"-quoted text is a reply and is never reported.

// separatorKind says whether a phrase names a forward or is Outlook's
// reply-or-forward "original message".
type separatorKind uint8

const (
	sepNone separatorKind = iota
	sepForward
	sepOriginal // reply or forward
)

func foldedSet[V any](v V, phrases ...string) map[string]V {
	m := make(map[string]V, len(phrases))
	for _, p := range phrases {
		m[string(foldText(nil, []byte(p)))] = v
	}
	return m
}

// dashedPhrases are the phrases between dashes.
var dashedPhrases = func() map[string]separatorKind {
	m := foldedSet(sepForward,
		"Forwarded message",            // en: Gmail (all locales), Thunderbird, Yahoo
		"Forwarded Message",            // en
		"Weitergeleitete Nachricht",    // de: Thunderbird, Yahoo, older Gmail
		"Message transféré",            // fr: Thunderbird, older Gmail
		"Message transmis",             // fr: Yahoo
		"Mensaje reenviado",            // es: Thunderbird, Yahoo, older Gmail
		"Messaggio inoltrato",          // it: Thunderbird, Yahoo, older Gmail
		"Mensagem encaminhada",         // pt: Thunderbird, older Gmail
		"Doorgestuurd bericht",         // nl: Thunderbird
		"Treść przekazanej wiadomości", // pl: Thunderbird ("--- X ---")
		"Przekazana wiadomość",         // pl
		"Vidarebefordrat meddelande",   // sv: Thunderbird
		"Videresendt meddelelse",       // da: Thunderbird
		"Videresendt melding",          // no
		"Välitetty viesti",             // fi: Thunderbird ("Välitetty viesti / Fwd.Msg")
		"Fwd.Msg",                      // fi: Thunderbird, second half
		"Přeposlaná zpráva",            // cs: Thunderbird
		"Preposlaná správa",            // sk
		"Továbbított üzenet",           // hu: Thunderbird
		"Перенаправленное сообщение", // ru: Thunderbird
		"Пересылаемое сообщение",     // ru: Yandex
		"Пересланное сообщение",      // ru
		"İletilen İleti", // tr: Thunderbird
	)
	for k, v := range foldedSet(sepOriginal,
		"Original Message",        // en: Outlook, Outlook Express, Thunderbird (reply header option)
		"Ursprüngliche Nachricht", // de: Outlook
		"Message d'origine",       // fr: Outlook
		"Mensaje original",        // es: Outlook
		"Messaggio originale",     // it: Outlook
		"Mensagem original",       // pt: Outlook
		"Oorspronkelijk bericht",  // nl: Outlook
		"Wiadomość oryginalna",    // pl: Outlook
		"Oryginalna wiadomość",    // pl
		"Ursprungligt meddelande", // sv: Outlook
		"Oprindelig meddelelse",   // da: Outlook
		"Opprinnelig melding",     // no: Outlook
		"Alkuperäinen viesti",     // fi: Outlook
		"Původní zpráva",          // cs: Outlook
		"Eredeti üzenet",          // hu: Outlook
		"Исходное сообщение",      // ru: Outlook
		"Özgün ileti",             // tr: Outlook
	) {
		m[k] = v
	}
	return m
}()

// introPhrases are Apple Mail's "Begin forwarded message:" lines.
var introPhrases = foldedSet(true,
	"Begin forwarded message",               // en
	"Anfang der weitergeleiteten Nachricht", // de
	"Début du message réexpédié",            // fr
	"Inicio del mensaje reenviado",          // es
	"Inizio messaggio inoltrato",            // it
	"Begin doorgestuurd bericht",            // nl
	"Początek przekazywanej wiadomości",     // pl
	"Início da mensagem encaminhada",        // pt-BR
	"Início da mensagem reencaminhada",      // pt-PT
	"Vidarebefordrat mejl",                  // sv
	"Start på videresendt besked",           // da
	"Videresendt melding",                   // no
	"Välitetty viesti alkaa",                // fi
	"Začátek přeposílané zprávy",            // cs
	"Továbbított levél kezdete",             // hu
	"İleti başlangıcı",                      // tr
	"Начало переадресованного сообщения",    // ru
)

// Roles of the labels in a forwarded-header block.
const (
	roleFrom uint8 = 1 << iota
	roleSent       // "Sent:": Outlook desktop and Outlook Live
	roleDate       // "Date:": new Outlook, Apple Mail, Thunderbird
	roleTo
	roleSubject
	roleCc
	roleRaw // a raw RFC 5322 field: this is a header dump, not a forward
)

// blockLabels are the labels of forwarded-header blocks by language, from
// the fixtures and Outlook's localised forms.
var blockLabels = func() map[string]uint8 {
	m := map[string]uint8{}
	add := func(role uint8, labels ...string) {
		for k, v := range foldedSet(role, labels...) {
			m[k] |= v
		}
	}
	add(roleFrom, "From", "Von", "De", "De la", "Da", "Mittente", "Van", "Od", "Nadawca",
		"Från", "Fra", "Lähettäjä", "Feladó", "Kimden", "От", "Отправитель", "Від",
		"Šalje", "Saatja", "Από", "差出人", "发件人", "寄件者", "寄件人", "보낸 사람")
	add(roleSent, "Sent", "Gesendet", "Envoyé", "Enviado", "Enviada em", "Enviado el",
		"Inviato", "Verzonden", "Wysłano", "Wysłane", "Skickat", "Sendt", "Lähetetty",
		"Odesláno", "Odoslané", "Elküldve", "Gönderildi", "Gönderilme", "Отправлено",
		"Надіслано", "Trimis", "Poslano", "Saadetud", "Στάλθηκε", "送信日時", "发送时间",
		"寄件日期", "보낸 날짜")
	add(roleDate, "Date", "Datum", "Fecha", "Data", "Dato", "Päivämäärä", "Päiväys",
		"Dátum", "Tarih", "Дата", "Ημερομηνία", "日付", "日期", "날짜")
	add(roleTo, "To", "An", "À", "A", "Pour", "Para", "Aan", "Do", "Adresat", "Till",
		"Til", "Vastaanottaja", "Komu", "Címzett", "Kime", "Кому", "Către", "Prima",
		"Adressaat", "Προς", "宛先", "收件人", "收件者", "받는 사람")
	add(roleSubject, "Subject", "Betreff", "Objet", "Sujet", "Asunto", "Oggetto",
		"Assunto", "Onderwerp", "Temat", "Ämne", "Emne", "Aihe", "Předmět", "Predmet",
		"Tárgy", "Konu", "Тема", "Subiect", "Teema", "Θέμα", "件名", "主题", "主旨", "제목")
	add(roleCc, "Cc", "Kopie", "Kopie (CC)", "Copie à", "Kopia", "Kopi", "Kopio",
		"DW", "Másolat", "Másolatot kap", "Bilgi", "Копия", "参考", "抄送", "副本", "참조")
	add(roleRaw, "Message-ID", "Received", "Return-Path", "MIME-Version",
		"Content-Type", "Content-Transfer-Encoding", "Reply-To", "In-Reply-To",
		"References", "Delivered-To", "X-Mailer", "DKIM-Signature", "Message")
	return m
}()

// labelFirst holds the first bytes a From label can start with (lower
// case ASCII, or the lead byte of a UTF-8 sequence, which upper and lower
// case share in the scripts of blockLabels), and "*" for "*From:*".
var labelFirst = func() (t [256]bool) {
	t['*'] = true
	for k, role := range blockLabels {
		if role&roleFrom != 0 {
			t[k[0]] = true
		}
	}
	return t
}()

// bodySign is one separator found in the text.
type bodySign struct {
	client    string
	line      int
	value     string
	ambiguous bool // Outlook's reply-or-forward markers
}

// lineScanner iterates over the lines of text with their 1-based numbers.
type lineScanner struct {
	text []byte
	pos  int
	n    int
}

func (s *lineScanner) next() (line []byte, n int, ok bool) {
	if s.pos >= len(s.text) {
		return nil, 0, false
	}
	rest := s.text[s.pos:]
	k := bytes.IndexByte(rest, '\n')
	if k < 0 {
		line, s.pos = rest, len(s.text)
	} else {
		line, s.pos = rest[:k], s.pos+k+1
	}
	s.n++
	return line, s.n, true
}

// unquote removes ">" quoting and surrounding white space (including NBSP
// and a byte-order mark) from a line, and reports whether it was quoted.
func unquote(line []byte) ([]byte, bool) {
	quoted := false
	for {
		line = trimLeftSpace(line)
		if len(line) > 0 && line[0] == '>' {
			quoted = true
			line = line[1:]
			continue
		}
		break
	}
	return trimRightSpace(line), quoted
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[0] == ' ' || b[0] == '\t' || b[0] == '\r':
			b = b[1:]
		case bytes.HasPrefix(b, []byte("\u00a0")):
			b = b[2:]
		case bytes.HasPrefix(b, []byte("\ufeff")):
			b = b[3:]
		default:
			return b
		}
	}
	return b
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r':
			b = b[:len(b)-1]
		case bytes.HasSuffix(b, []byte("\u00a0")):
			b = b[:len(b)-2]
		default:
			return b
		}
	}
	return b
}

// maxBodySigns bounds the separators reported for one message.
const maxBodySigns = 4

// scanSeparators finds client forward separators in text.
func scanSeparators(text []byte) []bodySign {
	var signs []bodySign
	add := func(s bodySign) {
		for _, o := range signs {
			if o.client == s.client {
				return // one sign per client
			}
		}
		signs = append(signs, s)
	}
	sc := lineScanner{text: text}
	lastRule := -10   // line number of the last "____" line
	consumed := 0     // lines up to here belong to a separator already found
	firstText := true // no non-blank line seen yet
	for len(signs) < maxBodySigns {
		raw, n, ok := sc.next()
		if !ok {
			break
		}
		line, quoted := unquote(raw)
		if len(line) == 0 {
			continue
		}
		first := firstText
		firstText = false
		switch line[0] {
		case '-':
			if client, kind, ok := dashedSeparator(line); ok {
				add(bodySign{client: client, line: n, value: evidenceText(line), ambiguous: kind == sepOriginal})
				consumed = n + 8
			}
			continue
		case '_':
			if isRule(line) {
				lastRule = n
			}
			continue
		}
		if last := line[len(line)-1]; last == ':' || bytes.HasSuffix(line, []byte("：")) {
			if len(line) <= 120 && introPhrase(line) {
				add(bodySign{client: "apple-mail", line: n, value: evidenceText(line)})
				consumed = n + 8
				continue
			}
		}
		if n <= consumed {
			continue
		}
		if first && !quoted && isOutlookAttribution(line) && indentedNext(sc) {
			add(bodySign{client: "outlook-2019", line: n, value: evidenceText(line), ambiguous: true})
			continue
		}
		if labelFirst[asciiLower(line[0])] && labelRole(line)&roleFrom != 0 {
			if roles, last := headerBlock(sc); roles&(roleSubject) != 0 &&
				roles&(roleSent|roleDate) != 0 && roles&roleRaw == 0 {
				client := "new-outlook"
				switch {
				case n-lastRule <= 2:
					client = "outlook-live"
				case roles&roleSent != 0:
					client = "outlook"
				}
				add(bodySign{client: client, line: n, value: evidenceText(line), ambiguous: true})
				consumed = last
			}
		}
	}
	return signs
}

// dashedSeparator matches "--- phrase ---" lines.
func dashedSeparator(line []byte) (client string, kind separatorKind, ok bool) {
	lead := 0
	for lead < len(line) && line[lead] == '-' {
		lead++
	}
	if lead < 2 || lead > 20 {
		return "", sepNone, false
	}
	rest := line[lead:]
	spaced := len(rest) > 0 && rest[0] == ' '
	end := bytes.Index(rest, []byte("--"))
	if end < 0 || end > 80 {
		return "", sepNone, false
	}
	phrase := rest[:end]
	kind = phraseKind(phrase)
	if kind == sepNone {
		return "", sepNone, false
	}
	switch {
	case lead == 10 || lead == 9:
		client = "gmail"
	case lead == 8 || lead == 3:
		client = "thunderbird"
	case lead == 5 && !spaced:
		client = "outlook"
	case lead == 5:
		client = "yahoo"
	default:
		client = "unknown"
	}
	return client, kind, true
}

// phraseKind looks a dashed phrase up, also each half of "X / Y".
func phraseKind(phrase []byte) separatorKind {
	var fb [128]byte
	if len(phrase) > len(fb) {
		return sepNone
	}
	key := foldText(fb[:0], phrase)
	if k := dashedPhrases[string(key)]; k != sepNone {
		return k
	}
	if i := bytes.Index(key, []byte(" / ")); i > 0 {
		if k := dashedPhrases[string(key[:i])]; k != sepNone {
			return k
		}
		return dashedPhrases[string(key[i+3:])]
	}
	return sepNone
}

// introPhrase matches Apple Mail's intro line, which ends in a colon.
func introPhrase(line []byte) bool {
	var fb [256]byte
	line = bytes.TrimSuffix(line, []byte("："))
	line = bytes.TrimSuffix(line, []byte(":"))
	return introPhrases[string(foldText(fb[:0], line))]
}

// isRule reports whether line is a run of at least 10 underscores.
func isRule(line []byte) bool {
	if len(line) < 10 {
		return false
	}
	for _, c := range line {
		if c != '_' {
			return false
		}
	}
	return true
}

// labelRole returns the roles of the label before the first colon of a
// line ("From:", "De :", "*Von:*", "差出人："), or 0.
func labelRole(line []byte) uint8 {
	head := line[:min(len(line), 44)]
	k := bytes.IndexByte(head, ':')
	if w := bytes.Index(head, []byte("：")); w >= 0 && (k < 0 || w < k) {
		k = w // a full-width colon (CJK clients) comes first
	}
	if k <= 0 || k > 40 {
		return 0
	}
	label := bytes.Trim(line[:k], "* \t")
	label = trimRightSpace(label)
	if len(label) == 0 {
		return 0
	}
	var fb [64]byte
	return blockLabels[string(foldText(fb[:0], label))]
}

// headerBlock reads the lines after a From line (sc is a copy, so the
// caller's position is kept) and returns the roles seen and the number of
// the last line of the block. The block ends at a Subject line, at two
// blank lines, or after three lines that are no label (a wrapped To).
func headerBlock(sc lineScanner) (roles uint8, last int) {
	blanks, other := 0, 0
	for i := 0; i < 12; i++ {
		raw, n, ok := sc.next()
		if !ok {
			break
		}
		line, _ := unquote(raw)
		if len(line) == 0 {
			blanks++
			if blanks >= 2 {
				break
			}
			continue
		}
		blanks = 0
		r := labelRole(line)
		if r == 0 {
			other++
			if other >= 3 {
				break
			}
			continue
		}
		roles |= r
		last = n
		if r&roleSubject != 0 {
			break
		}
	}
	return roles, last
}

// isOutlookAttribution matches Outlook 2019's "On <date>, <sender> wrote:".
func isOutlookAttribution(line []byte) bool {
	return len(line) < 300 && bytes.HasPrefix(line, []byte("On ")) && bytes.HasSuffix(line, []byte("wrote:"))
}

// indentedNext reports whether the next non-blank line is indented with
// spaces or a tab and not ">"-quoted: Outlook 2019 indents the forwarded
// text where Gmail, Thunderbird and Apple Mail quote it.
func indentedNext(sc lineScanner) bool {
	for i := 0; i < 4; i++ {
		raw, _, ok := sc.next()
		if !ok {
			return false
		}
		raw = bytes.TrimRight(raw, "\r")
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		return bytes.HasPrefix(raw, []byte("    ")) || raw[0] == '\t'
	}
	return false
}

// evidenceText shortens a marker line for evidence.
func evidenceText(line []byte) string {
	const max = 200
	if len(line) <= max {
		return string(line)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return string(line[:cut])
}
