package header

import (
	"mime"
	"sort"
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Result is the classification of one message.
type Result struct {
	// Auto holds one finding per artifact rule that fired (AutoForward or
	// Redirect findings).
	Auto []Finding
	// Manual holds the signs that a person forwarded the message by hand.
	Manual []Finding
	// AutoReply: an RFC 3834 auto-reply or vacation/out-of-office answer.
	AutoReply bool
	// Bounce: a delivery status notification (multipart/report, a
	// MAILER-DAEMON/postmaster sender, or an empty Return-Path).
	Bounce bool
	// List: a mailing-list or bulk delivery (List-Id, List-Post,
	// List-Unsubscribe, Precedence: list or bulk).
	List bool
	// Calendar: a calendar invitation or update (text/calendar,
	// X-MS-Exchange-Calendar-* headers).
	Calendar bool
}

// Forwarded reports whether any AutoForward finding fired.
func (r Result) Forwarded() bool { return hasKind(r.Auto, AutoForward) }

// Redirected reports whether Redirect findings, and no AutoForward
// finding, fired.
func (r Result) Redirected() bool { return !r.Forwarded() && hasKind(r.Auto, Redirect) }

// LooksForwarded reports whether the manual-forward classifier found signs
// of a hand forward.
func (r Result) LooksForwarded() bool { return len(r.Manual) > 0 }

// Destinations returns the destinations of all Auto findings, sorted and
// without duplicates.
func (r Result) Destinations() []string {
	var ds []string
	for _, f := range r.Auto {
		ds = appendNew(ds, f.Destinations...)
	}
	sort.Strings(ds)
	return ds
}

func hasKind(fs []Finding, k Kind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// Classify classifies one message: the auto-forwarding artifacts it
// carries, the signs of a hand forward, and which automated near miss
// (auto-reply, bounce, list, calendar) it is. It is pure and safe for
// concurrent use. opt.InternalDomains keeps Delivered-To chains between the
// organisation's own domains from counting.
func Classify(m *mailfmt.Message, opt Options) Result {
	return classify(m, internalMatcher(opt.InternalDomains), manualForwardView)
}

func classify(m *mailfmt.Message, internal func(string) bool, manual func(*view) []Finding) Result {
	if m == nil {
		return Result{}
	}
	v := &view{m: m}
	return Result{
		Auto:      autoForwardView(v, internal),
		Manual:    manual(v),
		AutoReply: v.autoReply(),
		Bounce:    isBounce(m),
		List:      isList(m.Header),
		Calendar:  isCalendar(v),
	}
}

// autoReplySubjects are phrases vacation and out-of-office responders put
// anywhere in the subject (Exchange "Automatic reply:", "Out of Office
// AutoReply:", and the common "Auto-Reply"/"Autoreply" forms), lower-case.
// manualAutoReplySubjects (manual.go) adds localised subject starts.
var autoReplySubjects = []string{"automatic reply", "auto-reply", "autoreply", "auto reply", "out of office"}

// isAutoReply reports an auto-reply (subject already decoded): Auto-Submitted:
// auto-replied (RFC 3834), X-Autoreply (Gmail) unless it says no,
// X-Autorespond (cPanel), Precedence or X-Precedence auto_reply, or an
// auto-reply subject (a phrase of autoReplySubjects anywhere, or a
// localised start of manualAutoReplySubjects). Auto-Submitted:
// auto-generated is not an auto-reply: it is also on cron mail,
// notifications and rule-generated copies.
func isAutoReply(h mailfmt.Header, subject string) bool {
	for _, v := range h.Values("Auto-Submitted") {
		kw, _, _ := strings.Cut(v, ";")
		if strings.EqualFold(strings.TrimSpace(kw), "auto-replied") {
			return true
		}
	}
	for _, v := range h.Values("X-Autoreply") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "no", "false", "0":
		default:
			return true
		}
	}
	if h.Has("X-Autorespond") {
		return true
	}
	for _, name := range []string{"Precedence", "X-Precedence"} {
		for _, v := range h.Values(name) {
			if strings.EqualFold(strings.TrimSpace(v), "auto_reply") {
				return true
			}
		}
	}
	if subject == "" {
		return false
	}
	var fb [128]byte
	folded := string(foldText(fb[:0], []byte(subject[:min(len(subject), 96)])))
	for _, p := range manualAutoReplySubjects {
		if strings.HasPrefix(folded, p) {
			return true
		}
	}
	for _, p := range autoReplySubjects {
		if containsFoldASCII(subject, p) {
			return true
		}
	}
	return false
}

// isBounce reports a delivery status notification (RFC 3464/6522).
func isBounce(m *mailfmt.Message) bool {
	h := m.Header
	if ct := h.Get("Content-Type"); containsFoldASCII(ct, "multipart/report") {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "multipart/report" {
			return true
		}
	}
	from := h.Get("From")
	if !containsFoldASCII(from, "mailer-daemon") && !containsFoldASCII(from, "postmaster") {
		from = "" // the common case: no address to parse
	}
	for _, a := range addresses(from) {
		local, _, _ := strings.Cut(a, "@")
		if local == "mailer-daemon" || local == "postmaster" {
			return true
		}
	}
	for _, v := range h.Values("Return-Path") {
		if strings.ReplaceAll(strings.TrimSpace(v), " ", "") == "<>" {
			return true
		}
	}
	return strings.EqualFold(envelopeSender(m.Envelope), "MAILER-DAEMON")
}

// isList reports a mailing-list or bulk delivery (RFC 2919, RFC 2369).
func isList(h mailfmt.Header) bool {
	if h.Has("List-Id") || h.Has("List-Post") || h.Has("List-Unsubscribe") {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "list", "bulk":
		return true
	}
	return false
}

// isCalendar reports a calendar message: a text/calendar top-level type,
// Exchange calendar headers, or a text/calendar part in the body prefix.
func isCalendar(v *view) bool {
	mt := partMediaType(v.m.Header.Get("Content-Type"))
	if mt == "text/calendar" {
		return true
	}
	const prefix = "X-MS-Exchange-Calendar-"
	for _, f := range v.m.Header {
		if len(f.Name) > len(prefix) && strings.EqualFold(f.Name[:len(prefix)], prefix) {
			return true
		}
	}
	return strings.HasPrefix(mt, "multipart/") && v.body().calendar
}
