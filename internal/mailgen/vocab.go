package mailgen

// Word lists. Company domains are the fictional ones Microsoft uses in its
// documentation; freemail domains are real providers so that Received
// chains and Message-IDs take their shape.

var firstNames = []string{
	"Anna", "Ben", "Carla", "David", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
	"Katarzyna", "Luca", "Maria", "Nils", "Olga", "Pierre", "Qiang", "Rosa", "Sven", "Tomás",
	"Ugo", "Valentina", "Wei", "Xavier", "Yusuf", "Zeynep", "Aisha", "Bruno", "Chloé", "Dmitri",
	"Emma", "Felix", "Gabriela", "Hannah", "Ivan", "Julia", "Kenji", "Lena", "Mehmet", "Noah",
}

var lastNames = []string{
	"Adams", "Becker", "Castillo", "Dubois", "Eriksson", "Fischer", "García", "Hansen", "Ito", "Jansen",
	"Kowalski", "Lombardi", "Müller", "Nakamura", "Oliveira", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
	"Ulrich", "Virtanen", "Wagner", "Xu", "Yılmaz", "Zimmermann", "Andersson", "Bianchi", "Costa", "Demir",
	"Evans", "Fontaine", "Gómez", "Horvath", "Ivanova", "Johansson", "Kaya", "Larsen", "Moreau", "Novak",
}

// style is how a domain's mail system shapes Received lines and Message-IDs.
type style int

const (
	stylePostfix style = iota
	styleExchange
	styleGmail
	styleYahoo
	styleApple
	styleExim
)

type domain struct {
	name  string
	style style
}

var companyDomains = []domain{
	{"fabrikam.com", styleExchange}, {"northwindtraders.com", styleExchange},
	{"tailspintoys.com", stylePostfix}, {"adventure-works.com", styleExchange},
	{"wingtiptoys.com", styleGmail}, {"litwareinc.com", styleExchange},
	{"proseware.com", styleExim}, {"woodgrovebank.com", styleExchange},
	{"alpineskihouse.com", stylePostfix}, {"fourthcoffee.com", styleGmail},
	{"lucernepublishing.com", styleExchange}, {"margiestravel.com", stylePostfix},
	{"treyresearch.net", styleExim}, {"wideworldimporters.com", styleExchange},
	{"relecloud.com", styleGmail}, {"coho-winery.com", stylePostfix},
}

var freemailDomains = []domain{
	{"gmail.com", styleGmail}, {"outlook.com", styleExchange}, {"hotmail.com", styleExchange},
	{"yahoo.com", styleYahoo}, {"icloud.com", styleApple}, {"gmx.de", stylePostfix},
	{"web.de", stylePostfix}, {"orange.fr", styleExim}, {"libero.it", stylePostfix},
	{"wp.pl", stylePostfix}, {"protonmail.com", stylePostfix},
}

var timeZones = []struct {
	name   string
	offset int // seconds east of UTC
}{
	{"UTC", 0}, {"CET", 3600}, {"EET", 7200}, {"EST", -5 * 3600}, {"PST", -8 * 3600},
	{"IST", 5*3600 + 1800}, {"JST", 9 * 3600}, {"BRT", -3 * 3600}, {"TRT", 3 * 3600},
}

var topics = []string{
	"Q3 budget review", "project kickoff", "contract renewal", "invoice 2024-118", "travel approval",
	"onboarding checklist", "supplier audit", "quarterly report", "board deck", "security training",
	"release plan", "customer escalation", "hiring plan", "office move", "offsite agenda",
	"pricing update", "data migration", "vendor shortlist", "compliance review", "roadmap draft",
	"purchase order 48812", "SLA breach report", "new laptop request", "expense report", "team lunch",
	"marketing campaign", "insurance renewal", "tax documents", "due diligence", "benefits enrollment",
}

var subjectForms = []string{
	"%s", "Re: %s", "%s - updated", "Question about the %s", "%s (draft)", "Action needed: %s",
	"[Internal] %s", "%s for next week", "Notes from the %s call", "Reminder: %s",
}

var words = []string{
	"the", "we", "need", "to", "review", "budget", "before", "Friday", "please", "find", "attached",
	"document", "and", "let", "me", "know", "if", "you", "have", "any", "questions", "about", "it",
	"customer", "asked", "for", "an", "update", "on", "delivery", "schedule", "team", "agreed",
	"that", "next", "steps", "are", "clear", "contract", "draft", "includes", "changes", "legal",
	"requested", "meeting", "moved", "Tuesday", "afternoon", "could", "share", "latest", "numbers",
	"quarter", "forecast", "looks", "better", "than", "expected", "but", "costs", "still", "high",
	"invoice", "was", "paid", "last", "week", "supplier", "confirmed", "shipment", "will", "arrive",
	"soon", "project", "plan", "needs", "sign-off", "from", "finance", "department", "thanks",
	"again", "help", "with", "this", "I", "think", "should", "discuss", "in", "person", "call",
}

var closings = []string{"Best regards", "Kind regards", "Thanks", "Cheers", "Best", "Regards", "Many thanks"}

var attachmentKinds = []struct {
	ext, ctype string
	magic      string
}{
	{"pdf", "application/pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml"},
	{"png", "image/png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00\x08\x06\x00\x00\x00"},
	{"jpg", "image/jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x01\x00H\x00H\x00\x00"},
	{"zip", "application/zip", "PK\x03\x04\x14\x00\x00\x00\x08\x00"},
}

// lang holds what a mail client writes when forwarding, per language.
// Outlook localises the subject prefix; Gmail, Thunderbird, Apple Mail and
// Yahoo keep "Fwd:".
type lang struct {
	code         string
	outlookFW    string // Outlook subject prefix
	outlookOrig  string // Outlook plain-text "Original Message" separator
	from, sent   string // Outlook header labels
	to, cc, subj string
	gmailSep     string // Gmail "---------- Forwarded message ---------"
	tbSep        string // Thunderbird "-------- Forwarded Message --------"
	tbFrom       string // Thunderbird labels
	tbDate, tbTo string
	tbSubj       string
	appleIntro   string // Apple Mail "Begin forwarded message:"
	yahooSep     string // Yahoo "----- Forwarded Message -----"
	fyi          []string
	tag          string   // Content-Language
	dateFmt      string   // Outlook "Sent:" date; {day} {d} {month} {y} {hm}
	days         []string // Sunday first; nil: English
	months       []string
}

var langs = []lang{
	{code: "en", tag: "en-US", outlookFW: "FW:", outlookOrig: "-----Original Message-----", from: "From:", sent: "Sent:", to: "To:", cc: "Cc:", subj: "Subject:",
		gmailSep: "---------- Forwarded message ---------", tbSep: "-------- Forwarded Message --------",
		tbFrom: "From:", tbDate: "Date:", tbTo: "To:", tbSubj: "Subject:", appleIntro: "Begin forwarded message:",
		yahooSep: "----- Forwarded Message -----", fyi: []string{"FYI", "See below.", "Forwarding for your information.", "Can you take a look at this?"}},
	{code: "de", tag: "de-DE", dateFmt: "{day}, {d}. {month} {y} {hm}",
		days:      []string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		months:    []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		outlookFW: "WG:", outlookOrig: "-----Ursprüngliche Nachricht-----", from: "Von:", sent: "Gesendet:", to: "An:", cc: "Cc:", subj: "Betreff:",
		gmailSep: "---------- Weitergeleitete Nachricht ---------", tbSep: "-------- Weitergeleitete Nachricht --------",
		tbFrom: "Von:", tbDate: "Datum:", tbTo: "An:", tbSubj: "Betreff:", appleIntro: "Anfang der weitergeleiteten Nachricht:",
		yahooSep: "----- Weitergeleitete Nachricht -----", fyi: []string{"Zur Info.", "Siehe unten.", "Kannst du dir das bitte ansehen?"}},
	{code: "fr", tag: "fr-FR", dateFmt: "{day} {d} {month} {y} {hm}",
		days:      []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months:    []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		outlookFW: "TR:", outlookOrig: "-----Message d'origine-----", from: "De :", sent: "Envoyé :", to: "À :", cc: "Cc :", subj: "Objet :",
		gmailSep: "---------- Message transféré ---------", tbSep: "-------- Message transféré --------",
		tbFrom: "De :", tbDate: "Date :", tbTo: "Pour :", tbSubj: "Sujet :", appleIntro: "Début du message réexpédié :",
		yahooSep: "----- Message transféré -----", fyi: []string{"Pour info.", "Voir ci-dessous.", "Peux-tu regarder ceci ?"}},
	{code: "es", tag: "es-ES", dateFmt: "{day}, {d} de {month} de {y} {hm}",
		days:      []string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months:    []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		outlookFW: "RV:", outlookOrig: "-----Mensaje original-----", from: "De:", sent: "Enviado el:", to: "Para:", cc: "CC:", subj: "Asunto:",
		gmailSep: "---------- Forwarded message ---------", tbSep: "-------- Mensaje reenviado --------",
		tbFrom: "De:", tbDate: "Fecha:", tbTo: "Para:", tbSubj: "Asunto:", appleIntro: "Inicio del mensaje reenviado:",
		yahooSep: "----- Mensaje reenviado -----", fyi: []string{"Para tu información.", "Ver abajo.", "¿Puedes revisar esto?"}},
	{code: "it", tag: "it-IT", dateFmt: "{day} {d} {month} {y} {hm}",
		days:      []string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		months:    []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		outlookFW: "I:", outlookOrig: "-----Messaggio originale-----", from: "Da:", sent: "Inviato:", to: "A:", cc: "Cc:", subj: "Oggetto:",
		gmailSep: "---------- Forwarded message ---------", tbSep: "-------- Messaggio Inoltrato --------",
		tbFrom: "Mittente:", tbDate: "Data:", tbTo: "A:", tbSubj: "Oggetto:", appleIntro: "Inizio messaggio inoltrato:",
		yahooSep: "----- Messaggio inoltrato -----", fyi: []string{"Per conoscenza.", "Vedi sotto."}},
	{code: "pt", tag: "pt-BR", dateFmt: "{day}, {d} de {month} de {y} {hm}",
		days:      []string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		months:    []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		outlookFW: "ENC:", outlookOrig: "-----Mensagem original-----", from: "De:", sent: "Enviada em:", to: "Para:", cc: "Cc:", subj: "Assunto:",
		gmailSep: "---------- Forwarded message ---------", tbSep: "-------- Mensagem encaminhada --------",
		tbFrom: "De:", tbDate: "Data:", tbTo: "Para:", tbSubj: "Assunto:", appleIntro: "Início da mensagem reencaminhada:",
		yahooSep: "----- Mensagem encaminhada -----", fyi: []string{"Para sua informação.", "Veja abaixo."}},
	{code: "pl", tag: "pl-PL", dateFmt: "{day}, {d} {month} {y} {hm}",
		days:      []string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"},
		months:    []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		outlookFW: "PD:", outlookOrig: "-----Oryginalna wiadomość-----", from: "Od:", sent: "Wysłano:", to: "Do:", cc: "DW:", subj: "Temat:",
		gmailSep: "---------- Forwarded message ---------", tbSep: "-------- Przekazana wiadomość --------",
		tbFrom: "Od:", tbDate: "Data:", tbTo: "Do:", tbSubj: "Temat:", appleIntro: "Początek przekazanej wiadomości:",
		yahooSep: "----- Przekazana wiadomość -----", fyi: []string{"Do wiadomości.", "Zobacz poniżej."}},
	{code: "sv", tag: "sv-SE", dateFmt: "den {d} {month} {y} {hm}",
		days:      []string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
		months:    []string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
		outlookFW: "VB:", outlookOrig: "-----Ursprungligt meddelande-----", from: "Från:", sent: "Skickat:", to: "Till:", cc: "Kopia:", subj: "Ämne:",
		gmailSep: "---------- Vidarebefordrat meddelande ---------", tbSep: "-------- Vidarebefordrat meddelande --------",
		tbFrom: "Från:", tbDate: "Datum:", tbTo: "Till:", tbSubj: "Ämne:", appleIntro: "Vidarebefordrat brev:",
		yahooSep: "----- Vidarebefordrat meddelande -----", fyi: []string{"För kännedom.", "Se nedan."}},
	{code: "tr", tag: "tr-TR", dateFmt: "{d} {month} {y} {day} {hm}",
		days:      []string{"Pazar", "Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi"},
		months:    []string{"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"},
		outlookFW: "İLT:", outlookOrig: "-----Özgün İleti-----", from: "Kimden:", sent: "Gönderildi:", to: "Kime:", cc: "Bilgi:", subj: "Konu:",
		gmailSep: "---------- Yönlendirilmiş ileti ----------", tbSep: "-------- İletilen Mesaj --------",
		tbFrom: "Kimden:", tbDate: "Tarih:", tbTo: "Kime:", tbSubj: "Konu:", appleIntro: "Yönlendirilen ileti:",
		yahooSep: "----- İletilen Mesaj -----", fyi: []string{"Bilginize.", "Aşağıya bakınız."}},
	{code: "nl", tag: "nl-NL", dateFmt: "{day} {d} {month} {y} {hm}",
		days:      []string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		months:    []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		outlookFW: "Doorst:", outlookOrig: "-----Oorspronkelijk bericht-----", from: "Van:", sent: "Verzonden:", to: "Aan:", cc: "CC:", subj: "Onderwerp:",
		gmailSep: "---------- Doorgestuurd bericht ---------", tbSep: "-------- Doorgestuurd bericht --------",
		tbFrom: "Van:", tbDate: "Datum:", tbTo: "Aan:", tbSubj: "Onderwerp:", appleIntro: "Begin doorgestuurd bericht:",
		yahooSep: "----- Doorgestuurd bericht -----", fyi: []string{"Ter info.", "Zie hieronder."}},
}
