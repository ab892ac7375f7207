package header

import (
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Rules of the manual-forward signs.
const (
	RuleSubjectForwardPrefix  = "subject-forward-prefix"
	RuleBodyForwardSeparator  = "body-forward-separator"
	RuleAttachedMessageRFC822 = "attached-message-rfc822"
)

// manualForward reports the signs that a person forwarded m by hand, one
// Finding per sign:
//
//   - subject-forward-prefix: a forward prefix among the subject's leading
//     prefixes ("Fwd:", "AW: WG:", "[list] Re: TR :"; table in
//     manual_subject.go);
//   - body-forward-separator: a mail client's forward separator in the
//     body text (Evidence.Name is the client; manual_body.go);
//   - attached-message-rfc822: a message/rfc822 part, or an attached .eml
//     or .msg file (Evidence.Name "attachment").
//
// Automatic replies (RFC 3834 Auto-Submitted: auto-replied, X-Autoreply,
// X-Autorespond, localised "Automatic reply:" subjects) and mailing-list
// digests show no signs. Body evidence lines count lines of the decoded
// text searched (see textbody.go), which are the raw body lines for a
// plain 7bit/8bit text body.
func manualForward(m *mailfmt.Message) []Finding {
	return manualForwardView(&view{m: m})
}

// manualForwardView is manualForward on a view whose body walk may be
// shared with other classifiers.
func manualForwardView(v *view) []Finding {
	m := v.m
	if m == nil || v.autoReply() {
		return nil
	}
	subject := v.subject()
	si := parseSubject(subject, func() bool {
		return languageIsDanoNorwegian(m.Header.Get("Content-Language"))
	})

	var out []Finding
	if si.forward != "" {
		out = append(out, Finding{
			Kind: ManualForward,
			Rule: RuleSubjectForwardPrefix,
			Evidence: []Evidence{{
				Where: "header", Name: "Subject", Value: truncateDisplay(subject),
			}},
		})
	}
	if isListDigest(m, subject) {
		return out
	}
	ex := v.body()
	if ex.digest {
		return out
	}
	if !ex.report {
		for _, s := range scanSeparators(ex.text) {
			if s.ambiguous && si.outermost == prefixReply {
				continue // Outlook quotes replies the same way
			}
			out = append(out, Finding{
				Kind: ManualForward,
				Rule: RuleBodyForwardSeparator,
				Evidence: []Evidence{{
					Where: "body", Name: s.client, Value: s.value, Line: s.line,
				}},
			})
		}
	}
	for i, a := range ex.attachments {
		if i == 2 {
			break
		}
		ev := Evidence{Where: "mime", Name: "Content-Type", Value: a.mediaType}
		if a.filename != "" {
			ev = Evidence{Where: "mime", Name: "attachment", Value: truncateDisplay(a.filename)}
		}
		out = append(out, Finding{
			Kind:     ManualForward,
			Rule:     RuleAttachedMessageRFC822,
			Evidence: []Evidence{ev},
		})
	}
	return out
}

// manualAutoReplySubjects are localised subject starts of automatic replies
// (Outlook, Exchange, Gmail vacation responder), folded.
var manualAutoReplySubjects = func() []string {
	var out []string
	for _, s := range []string{
		"Automatic reply:", "Auto:", "Autoreply:", "Auto-reply:", "Out of Office",
		"Automatische Antwort:", "Abwesend:", "Réponse automatique :", "Réponse automatique:",
		"Respuesta automática:", "Risposta automatica:", "Automatisch antwoord:",
		"Autosvar:", "Automatisk svar:", "Automaattinen vastaus:", "Odpowiedź automatyczna:",
		"Resposta automática:", "Automatická odpověď:", "Automatikus válasz:",
		"Otomatik yanıt:", "Автоматический ответ:", "自动回复:", "自動回覆:", "自動応答:", "자동 회신:",
	} {
		out = append(out, string(foldText(nil, []byte(s))))
	}
	return out
}()

// isListDigest reports whether m is a mailing-list digest: a list message
// whose subject says "digest" (Mailman, Sympa, Google Groups), or one
// sent as multipart/digest.
func isListDigest(m *mailfmt.Message, subject string) bool {
	if partMediaType(m.Header.Get("Content-Type")) == "multipart/digest" {
		return true
	}
	if !m.Header.Has("List-Id") && !m.Header.Has("List-Post") && !m.Header.Has("List-Unsubscribe") {
		return false
	}
	return strings.Contains(strings.ToLower(subject), "digest")
}

// truncateDisplay shortens a value for evidence.
func truncateDisplay(s string) string {
	return evidenceText([]byte(s))
}
