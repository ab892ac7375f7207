package mailrules

import (
	"strings"
	"unicode"
)

// hidingFolders are Outlook's default folders that a rule moves mail to
// so that its owner does not see it, by their localized display names.
// Exchange names a mailbox's default folders in the mailbox's language
// (Set-MailboxRegionalConfiguration -LocalizeDefaultFolderName,
// https://learn.microsoft.com/powershell/module/exchange/set-mailboxregionalconfiguration),
// so a rule made in a German mailbox moves mail to "RSS-Feeds", not "RSS
// Feeds". The names are those Outlook and Outlook on the web show in
// each language (Microsoft's localized Outlook UI; see docs/mailrules.md
// for the list and its caveats). rarely: folders people almost never file
// mail into by hand (RSS, Conversation History), which count as an extra
// reason.
var hidingFolders = func() map[string]hidingFolder {
	m := map[string]hidingFolder{}
	add := func(kind string, rarely bool, names ...string) {
		for _, n := range names {
			m[folderKey(n)] = hidingFolder{kind, rarely}
		}
	}
	add("Deleted Items", false,
		"Deleted Items", "Deleted", "Trash", "Bin", // en (Outlook.com says "Deleted"; IMAP servers "Trash")
		"Gelöschte Elemente", "Papierkorb", // de
		"Éléments supprimés", "Elements supprimes", "Corbeille", // fr
		"Elementos eliminados", "Papelera", // es
		"Posta eliminata", "Cestino", // it
		"Itens Excluídos", "Itens Eliminados", "Lixeira", // pt-BR, pt-PT
		"Verwijderde items", "Prullenbak", // nl
		"Borttaget", "Borttagna objekt", // sv
		"Slettet post", "Slettede elementer", // da, nb
		"Elementy usunięte", "Kosz", // pl
		"Удаленные", "Удаленные элементы", "Корзина", // ru
		"削除済みアイテム", "ゴミ箱", // ja
		"已删除邮件", "已删除项目", // zh-CN
		"지운 편지함", // ko
	)
	add("Junk", false,
		"Junk Email", "Junk E-mail", "Junk", "Spam", "Bulk Mail",
		"Junk-E-Mail",                                         // de
		"Courrier indésirable",                                // fr
		"Correo no deseado",                                   // es
		"Posta indesiderata",                                  // it
		"Lixo Eletrônico", "Lixo Eletrónico", "Email de Lixo", // pt
		"Ongewenste e-mail",                            // nl
		"Skräppost",                                    // sv
		"Uønsket e-mail", "Uønsket post", "Søppelpost", // da, nb
		"Wiadomości-śmieci",   // pl
		"Нежелательная почта", // ru
		"迷惑メール",               // ja
		"垃圾邮件",                // zh-CN
		"정크 메일",               // ko
	)
	add("Archive", false,
		"Archive", "Archives", "Archiv", "Archivo", "Archivio", "Arquivo", "Arquivo Morto",
		"Archief", "Arkiv", "Archiwum", "Архив", "アーカイブ", "存档", "보관",
	)
	add("RSS", true,
		"RSS Feeds", "RSS Subscriptions", "RSS",
		"RSS-Feeds", "RSS-Abonnements", // de
		"Flux RSS", "Abonnements RSS", // fr
		"Fuentes RSS", "Suscripciones RSS", // es
		"Feed RSS", "Sottoscrizioni RSS", // it
		"Feeds RSS", "Assinaturas RSS", // pt
		"RSS-feeds", "RSS-abonnementen", // nl, sv, da
		"Kanały RSS", "Subskrypcje RSS", // pl
		"RSS-каналы", "Веб-каналы RSS", // ru
		"RSS フィード", "RSSフィード", // ja
		"RSS 源", "RSS 订阅", // zh-CN
		"RSS 피드", // ko
	)
	add("Conversation History", true,
		"Conversation History",
		"Unterhaltungsverlauf",           // de
		"Historique des conversations",   // fr
		"Historial de conversaciones",    // es
		"Cronologia conversazioni",       // it
		"Histórico de Conversas",         // pt
		"Gespreksgeschiedenis",           // nl
		"Konversationshistorik",          // sv
		"Samtalehistorik", "Samtalelogg", // da, nb
		"Historia konwersacji", // pl
		"Журнал бесед",         // ru
		"会話の履歴",                // ja
		"对话历史记录",               // zh-CN
		"대화 기록",                // ko
	)
	return m
}()

type hidingFolder struct {
	kind   string // English name of the default folder
	rarely bool   // people seldom file mail there by hand
}

// folderKey normalizes a folder as rules name it ("RSS Feeds",
// ":\RSS Feeds", "Mailbox:\Deleted Items", "INBOX.Trash", "INBOX/Junk")
// to its last path element, lower-cased.
func folderKey(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `\/`); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(strings.ToUpper(s), "INBOX.") {
		s = s[len("INBOX."):]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// lookupHidingFolder says whether folder is a hiding folder.
func lookupHidingFolder(folder string) (hidingFolder, bool) {
	h, ok := hidingFolders[folderKey(folder)]
	return h, ok
}

// keywords are words attackers' rules look for (to steal or hide replies
// about payments and credentials) in several languages. Short ASCII
// words match as whole words only; longer ones and non-Latin words also
// inside longer words ("payments", "Rechnungsnummer").
var keywords = []string{
	// finance — en
	"invoice", "payment", "wire", "bank", "banking", "remittance", "swift", "iban", "ach", "payroll", "salary", "w-2", "w2", "transfer", "purchase order",
	// credentials and security warnings — en
	"password", "passcode", "credential", "mfa", "2fa", "otp", "verification code", "security code", "phish", "hacked", "compromised", "suspicious", "fraud",
	// de
	"rechnung", "zahlung", "überweisung", "bankverbindung", "gehalt", "passwort", "kennwort",
	// fr
	"facture", "paiement", "virement", "banque", "salaire", "mot de passe",
	// es
	"factura", "pago", "transferencia", "banco", "nómina", "contraseña",
	// it
	"fattura", "pagamento", "bonifico", "banca", "stipendio",
	// pt
	"fatura", "transferência", "senha",
	// nl
	"factuur", "betaling", "overboeking", "wachtwoord",
	// sv, da, nb, pl
	"faktura", "betalning", "lösenord", "adgangskode", "passord", "przelew", "płatność", "hasło",
	// ru
	"счет", "счёт", "оплата", "платеж", "платёж", "банк", "пароль",
	// ja, zh, ko
	"請求書", "支払", "振込", "パスワード", "发票", "付款", "汇款", "密码", "송금", "비밀번호", "청구서",
}

// matchKeywords returns the keywords found in text (each once).
func matchKeywords(text string) []string {
	if text == "" {
		return nil
	}
	low := strings.ToLower(text)
	var out []string
	for _, k := range keywords {
		if containsKeyword(low, k) {
			out = append(out, k)
		}
	}
	return out
}

func containsKeyword(low, k string) bool {
	whole := len(k) < 5 && isASCII(k)
	for i := 0; i <= len(low)-len(k); {
		j := strings.Index(low[i:], k)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(k)
		if !whole || (boundaryBefore(low, start) && boundaryAfter(low, end)) {
			return true
		}
		i = start + 1
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func boundaryBefore(s string, i int) bool {
	return i == 0 || !isWordByte(s[i-1])
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	// A plural "s" still counts as the word ("banks", "wires").
	if s[i] == 's' && (i+1 >= len(s) || !isWordByte(s[i+1])) {
		return true
	}
	return !isWordByte(s[i])
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// suspiciousName says why a rule name looks like an attacker's: empty
// names are not judged (exports and some records have none).
func suspiciousName(name string) string {
	n := strings.TrimSpace(name)
	if n == "" {
		return ""
	}
	letters := 0
	for _, r := range n {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters++
		}
	}
	switch {
	case letters == 0:
		return "the rule's name " + quoteName(n) + " is only punctuation or spaces"
	case len([]rune(n)) <= 2:
		return "the rule's name " + quoteName(n) + " is very short"
	}
	return ""
}

func quoteName(s string) string { return "\"" + s + "\"" }

// wideGrantees are the permission principals that stand for everyone:
// Exchange folder permissions' Default (every authenticated user of the
// organization) and Anonymous, the Everyone SID, and the names Exchange
// and Active Directory give them.
var wideGrantees = map[string]bool{
	"default": true, "anonymous": true, "everyone": true, "s-1-1-0": true,
	"authenticated users": true, "nt authority\\authenticated users": true, "s-1-5-11": true,
	"all users": true, "all company": true, "tout le monde": true, "jeder": true, "todos": true,
}

// isWide says whether a grantee is everyone.
func isWide(grantee string) bool {
	return wideGrantees[strings.ToLower(strings.TrimSpace(grantee))]
}

// readingRights are Exchange folder permission roles and individual
// rights that let the grantee read the items of the folder
// (https://learn.microsoft.com/powershell/module/exchange/add-mailboxfolderpermission):
// every role from Reviewer up, ReadItems, and the mailbox-audit spelling
// ReadAny. AvailabilityOnly, LimitedDetails, Contributor, None and the
// free/busy rights do not.
var readingRights = map[string]bool{
	"owner": true, "publishingeditor": true, "editor": true, "publishingauthor": true, "author": true,
	"noneditingauthor": true, "reviewer": true, "readitems": true, "readany": true,
}

// readsMail returns the rights in a comma/semicolon/space separated list
// that read items, or nil.
func readsMail(rights string) []string {
	var out []string
	for _, r := range strings.FieldsFunc(rights, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '|' }) {
		if readingRights[strings.ToLower(r)] {
			out = append(out, r)
		}
	}
	return out
}

// calendarLike are folders whose sharing with everyone is routine
// (calendars, contacts), by their localized names.
var calendarLike = map[string]bool{
	"calendar": true, "kalender": true, "calendrier": true, "calendario": true, "calendário": true,
	"kalendarz": true, "календарь": true, "予定表": true, "日历": true, "일정": true,
	"contacts": true, "kontakte": true, "contactos": true, "contatti": true, "contatos": true,
	"tasks": true, "aufgaben": true, "notes": true,
}
