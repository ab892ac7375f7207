package mailrules

import (
	"cmp"
	"strings"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt/sieve"
)

// sieve judges one action record of a Sieve script, .forward file or
// procmail recipe (logfmt/sieve.Records). A redirect/forward to an
// outside address is a mailtrip-sieve-redirect finding; a discard, a
// fileinto a hiding folder, or marking read mail about payments is a
// mailtrip-mailrule-hide finding unless the same block also sends mail
// on (then the redirect's finding already says so).
func (d *Detector) sieve(e *event.Event) []finding {
	f := e.Fields
	format := str(f[sieve.FieldFormat])
	action := strings.ToLower(str(f[sieve.FieldAction]))
	siblings := strList(f[sieve.FieldSiblings])
	owner := cmp.Or(e.Mailbox, str(f[sieve.FieldOwner]))
	rf := &ruleFacts{source: format, mailbox: owner, conds: strList(f[sieve.FieldConditions]), forwardR: RuleSieveRedirect}
	rf.always = len(rf.conds) == 0
	rf.spamOnly = spamCondition(rf.conds)
	copyKept, _ := f[sieve.FieldCopy].(bool)
	targets := strList(f[sieve.FieldTargets])
	sendsOn := func(t string) bool {
		return t == sieve.ActionRedirect || t == sieve.ActionForward
	}
	for _, s := range siblings {
		switch s {
		case sieve.ActionDiscard:
			rf.deletes = "discard"
		case sieve.ActionStop:
			rf.stop = true
		}
	}
	switch {
	case sendsOn(action) || action == "notify":
		for _, t := range targets {
			addr := t
			if !strings.Contains(t, "@") {
				continue // a local user: delivered on this server
			}
			rf.forwards = append(rf.forwards, dest{how: action, addr: addr, raw: t})
		}
		rf.noCopy = !copyKept && sendsOn(action)
		if rf.deletes != "" {
			rf.noCopy = false // said by the discard
		}
	case action == sieve.ActionDiscard:
		if hasAny2(siblings, sendsOn) {
			return nil
		}
		rf.deletes = "discard"
	case action == sieve.ActionFileinto:
		if hasAny2(siblings, sendsOn) {
			return nil
		}
		rf.moves = targets
	case action == "addflag" || action == "setflag":
		if hasAny2(siblings, sendsOn) || hasAny2(siblings, func(s string) bool { return s == sieve.ActionDiscard || s == sieve.ActionFileinto }) {
			return nil // the sibling's own record is judged
		}
		for _, t := range targets {
			if strings.EqualFold(strings.TrimSpace(t), `\Seen`) {
				rf.markRead = true
			}
		}
	default:
		return nil
	}
	j := newJudge(d.domains, owner)
	fs := d.judgeRule(rf, j)
	for i := range fs {
		fs[i].evidence["action"] = action
		if l := f[sieve.FieldLine]; l != nil {
			fs[i].evidence["line"] = l
		}
		if len(targets) > 0 {
			fs[i].evidence["targets"] = targets
		}
	}
	return fs
}

func hasAny2(ss []string, pred func(string) bool) bool {
	for _, s := range ss {
		if pred(s) {
			return true
		}
	}
	return false
}

// spamCondition says whether conditions test a spam filter's verdict
// (X-Spam-Flag, X-Spam-Status, X-Spam-Level, SpamAssassin/rspamd
// headers): filing such mail into Junk is what spam filtering does.
func spamCondition(conds []string) bool {
	for _, c := range conds {
		lc := strings.ToLower(c)
		if strings.Contains(lc, "x-spam") || strings.Contains(lc, "spamassassin") || strings.Contains(lc, "x-rspamd") {
			return true
		}
	}
	return false
}
