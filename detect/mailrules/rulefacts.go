package mailrules

import (
	"fmt"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
)

// ruleFacts is what an inbox rule (Exchange/Outlook, or one Sieve,
// .forward or procmail action with its siblings) does, whatever its
// source; judgeRule turns it into findings.
type ruleFacts struct {
	source   string // "New-InboxRule", "UpdateInboxRules", "export", "sieve", "forward", "procmail"
	name     string
	forwards []dest // who mail is sent on to
	deletes  string // how it deletes ("DeleteMessage", "discard"); "" when it does not
	moves    []string
	markRead bool
	stop     bool
	noCopy   bool // forwards without keeping a copy (Sieve/procmail/.forward)
	always   bool // no conditions: every message (Sieve/procmail/.forward)
	disabled bool
	spamOnly bool // conditions test a spam filter's verdict
	conds    []string
	unusual  unusualSource // from history
	mailbox  string        // whose mailbox the rule is in
	forwardR string        // rule id for external forwards
}

// dest is one forwarding destination.
type dest struct {
	how  string // ForwardTo, RedirectTo, ForwardAsAttachmentTo, redirect, forward
	addr string // SMTP address, "" when the recipient has none
	raw  string
}

var forwardVerb = map[string]string{
	"ForwardTo":             "forwards",
	"RedirectTo":            "redirects",
	"ForwardAsAttachmentTo": "forwards as attachment",
	"redirect":              "redirects",
	"forward":               "forwards",
	"notify":                "sends notifications with",
}

// judgeRule scores a rule (see docs/mailrules.md, "Scoring").
func (d *Detector) judgeRule(rf *ruleFacts, j judge) []finding {
	var ext, in, unres []string
	hows := map[string]bool{}
	for _, f := range rf.forwards {
		switch j.where(f.addr) {
		case external:
			ext = appendNew(ext, f.addr)
			hows[f.how] = true
		case internal:
			in = appendNew(in, f.addr)
		default:
			if f.addr != "" {
				unres = appendNew(unres, f.addr)
			} else if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(f.raw)), "EX:") && !strings.Contains(strings.ToUpper(f.raw), "[EX:") {
				// A legacy EX: DN names a recipient of this Exchange
				// organisation; anything else without an address is
				// unresolved.
				unres = appendNew(unres, f.raw)
			}
		}
	}
	hide := rf.hideReasons()
	kw := matchKeywords(strings.Join(rf.conds, "\n"))
	nameWhy := suspiciousName(rf.name)

	var escalators []string
	if len(hide.strong) > 0 || len(hide.weak) > 0 {
		escalators = append(escalators, "hides what it does: "+strings.Join(append(append([]string{}, hide.strong...), hide.weak...), "; "))
	}
	if len(kw) > 0 {
		escalators = append(escalators, "its conditions look for "+quoteList(kw)+" (payment or credential words)")
	}
	if nameWhy != "" {
		escalators = append(escalators, nameWhy)
	}
	for _, u := range rf.unusual.reasons() {
		escalators = append(escalators, "the rule was "+u)
	}

	var out []finding
	switch {
	case len(ext) > 0 || len(unres) > 0:
		f := finding{rule: rf.forwardR, level: alert.Medium, mailbox: rf.mailbox}
		verbs := sortedVerbs(hows)
		if len(ext) > 0 {
			f.summary = fmt.Sprintf("%s rule in %s %s mail to %s outside the organisation", ruleKind(rf.source), orMailbox(rf.mailbox), verbs, strings.Join(ext, ", "))
			f.reason("%s mail to %s: %s", verbs, strings.Join(ext, ", "), j.basis())
		} else {
			f.level = alert.Low
			f.summary = fmt.Sprintf("%s rule in %s sends mail to %s, which could not be judged internal or external", ruleKind(rf.source), orMailbox(rf.mailbox), strings.Join(unres, ", "))
			f.reason("sends mail to %s: %s", strings.Join(unres, ", "), unresolvedWhy(j, unres))
		}
		if len(in) > 0 {
			f.reason("also sends to internal %s", strings.Join(in, ", "))
		}
		if rf.always {
			f.reason("it has no conditions: every message is sent on")
		}
		if rf.noCopy {
			f.reason("no copy is kept in the mailbox")
		}
		if rf.stop {
			f.reason("it stops processing further rules")
		}
		for _, e := range escalators {
			f.reason("%s", e)
		}
		max := alert.Critical
		if len(ext) == 0 {
			max = alert.High
		}
		f.raise(min(len(escalators), 2), max)
		if rf.disabled {
			f.level = max2(f.level-1, alert.Informational)
			f.reason("the rule is disabled")
		}
		f.evidence = rf.evidence(ext, in, unres, kw)
		d.markDecoy(&f, alert.High, rf.mailbox)
		out = append(out, f)
	case (hide.any() || rf.hidesByMarkingRead()) && !rf.spamOnly:
		f := finding{rule: RuleHide, level: alert.Low, mailbox: rf.mailbox}
		f.summary = fmt.Sprintf("%s rule in %s %s", ruleKind(rf.source), orMailbox(rf.mailbox), strings.Join(hide.strong, " and "))
		if len(hide.strong) == 0 {
			f.summary = fmt.Sprintf("%s rule in %s marks mail about %s as read", ruleKind(rf.source), orMailbox(rf.mailbox), quoteList(kw))
		}
		for _, s := range hide.strong {
			f.reason("%s", s)
		}
		n := 0
		for _, s := range hide.weak {
			f.reason("%s", s)
			n++
		}
		if len(kw) > 0 {
			f.reason("its conditions look for %s (payment or credential words)", quoteList(kw))
			n++
		}
		if nameWhy != "" {
			f.reason("%s", nameWhy)
			n++
		}
		for _, u := range rf.unusual.reasons() {
			f.reason("the rule was %s", u)
			n++
		}
		if rf.always {
			f.reason("it has no conditions: it applies to every message")
			n++
		}
		if rf.stop {
			f.reason("it stops processing further rules")
		}
		if len(in) > 0 {
			f.reason("it also sends mail to internal %s", strings.Join(in, ", "))
		}
		if len(hide.strong) == 0 {
			n -= 2 // marking read and the keywords are what made the rule count at all
		}
		f.raise(min(n, 2), alert.High)
		if rf.disabled {
			f.level = max2(f.level-1, alert.Informational)
			f.reason("the rule is disabled")
		}
		f.evidence = rf.evidence(nil, in, nil, kw)
		d.markDecoy(&f, alert.Medium, rf.mailbox)
		out = append(out, f)
	}
	return out
}

type hideWhy struct {
	strong []string // deletes, moves to a hiding folder
	weak   []string // marks as read, moves to a folder people rarely use
}

func (h hideWhy) any() bool { return len(h.strong) > 0 }

// hideReasons lists what in the rule keeps mail from its owner.
func (rf *ruleFacts) hideReasons() hideWhy {
	var h hideWhy
	if rf.deletes != "" {
		h.strong = append(h.strong, "deletes the message ("+rf.deletes+")")
	}
	for _, m := range rf.moves {
		if hf, ok := lookupHidingFolder(m); ok {
			h.strong = append(h.strong, fmt.Sprintf("moves mail to %q (the %s folder)", m, hf.kind))
			if hf.rarely {
				h.weak = append(h.weak, fmt.Sprintf("%q is a folder people rarely file mail into", m))
			}
		}
	}
	if rf.markRead {
		h.weak = append(h.weak, "marks the message as read")
	}
	return h
}

// markReadKeywords: a rule that only marks mail read counts as hiding
// when its conditions look for payment or credential words.
func (rf *ruleFacts) hidesByMarkingRead() bool {
	return rf.markRead && rf.deletes == "" && len(matchKeywords(strings.Join(rf.conds, "\n"))) > 0
}

func (rf *ruleFacts) evidence(ext, in, unres, kw []string) map[string]any {
	ev := map[string]any{"rule.source": rf.source}
	if rf.name != "" {
		ev["rule.name"] = rf.name
	}
	if len(ext) > 0 {
		ev["recipients.external"] = ext
	}
	if len(in) > 0 {
		ev["recipients.internal"] = in
	}
	if len(unres) > 0 {
		ev["recipients.unresolved"] = unres
	}
	if len(rf.moves) > 0 {
		ev["folders"] = rf.moves
	}
	if rf.deletes != "" {
		ev["deletes"] = rf.deletes
	}
	if rf.markRead {
		ev["mark_as_read"] = true
	}
	if rf.stop {
		ev["stop_processing"] = true
	}
	if len(rf.conds) > 0 {
		ev["conditions"] = rf.conds
	}
	if len(kw) > 0 {
		ev["keywords"] = kw
	}
	return ev
}

func ruleKind(source string) string {
	switch source {
	case "sieve":
		return "A Sieve"
	case "forward":
		return "A .forward"
	case "procmail":
		return "A procmail"
	}
	return "An inbox"
}

func orMailbox(m string) string {
	if m == "" {
		return "a mailbox"
	}
	return m
}

func unresolvedWhy(j judge, unres []string) string {
	for _, u := range unres {
		if strings.Contains(u, "@") {
			return j.basis()
		}
	}
	return "the recipient has no SMTP address in the record (a directory recipient such as a mail contact, which may point outside)"
}

func sortedVerbs(hows map[string]bool) string {
	var vs []string
	for _, h := range []string{"ForwardTo", "forward", "RedirectTo", "redirect", "ForwardAsAttachmentTo", "notify"} {
		if hows[h] {
			vs = appendNew(vs, forwardVerb[h])
		}
	}
	if len(vs) == 0 {
		return "sends"
	}
	return strings.Join(vs, " and ")
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func max2(a, b alert.Level) alert.Level {
	if a > b {
		return a
	}
	return b
}
