package header

import (
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Artifact rule names: stable, short, used in findings, alert reasons and
// docs/forwarding-artifacts.md (which gives the source of each).
const (
	RuleExchangeAutoForwarded     = "exchange-autoforwarded"
	RuleExchangeInboxRulesLoop    = "exchange-inbox-rules-loop"
	RuleExchangeForwardingLoop    = "exchange-forwardingloop"
	RuleExchangeTransportRuleLoop = "exchange-transport-rules-loop"
	RuleGmailForwardedTo          = "gmail-x-forwarded-to"
	RuleGmailCAFEnvelope          = "gmail-caf-envelope"
	RuleMailFwdBy                 = "x-mailfwdby"
	RuleSieveRedirectedFrom       = "sieve-redirected-from"
	RuleZimbraForwarded           = "zimbra-forwarded"
	RuleResentBlock               = "resent-block"
	RuleSRSReturnPath             = "srs-return-path"
	RuleDeliveredToChain          = "delivered-to-chain"
)

// autoForward reports one Finding per artifact rule that fires on m. The
// rules read header fields and the mbox envelope only, never the body.
// internal reports whether a domain belongs to the organisation; it keeps a
// Delivered-To chain between the organisation's own domains from counting
// (nil means nothing is internal).
//
// Near misses are not flagged for being automated: auto-replies suppress
// the two Exchange headers that rule-generated replies also carry, and a
// Delivered-To chain of a mailing-list delivery does not count. Bounces and
// calendar messages carry none of these artifacts of their own; any found
// in their headers are still reported.
func autoForward(m *mailfmt.Message, internal func(domain string) bool) []Finding {
	return autoForwardView(&view{m: m}, internal)
}

// autoForwardView is autoForward on a view shared with other classifiers.
func autoForwardView(v *view, internal func(domain string) bool) []Finding {
	m := v.m
	if m == nil {
		return nil
	}
	if internal == nil {
		internal = func(string) bool { return false }
	}
	h := m.Header
	var out []Finding
	// The final recipient is needed only when a rule fires, which is
	// rare; work it out then, once.
	final, finalDone := "", false
	add := func(kind Kind, platform, rule string, ev []Evidence, dests []string) {
		if !finalDone {
			final, finalDone = finalRecipient(h), true
		}
		if len(dests) == 0 && final != "" {
			dests = []string{final}
		}
		out = append(out, Finding{Kind: kind, Platform: platform, Rule: rule, Evidence: ev, Destinations: dests})
	}
	autoReply := v.autoReply

	// Exchange: PidTagAutoForwarded written to MIME ([MS-OXCMAIL] 2.1.3.2.21).
	if fs := fieldsNamed(h, "X-MS-Exchange-Organization-AutoForwarded"); len(fs) > 0 && !autoReply() {
		for _, f := range fs {
			if strings.EqualFold(strings.TrimSpace(f.Value), "true") {
				add(AutoForward, "exchange", RuleExchangeAutoForwarded, headerEvidence(fs), nil)
				break
			}
		}
	}
	// Exchange loop-prevention headers (Exchange Team Blog, 2021).
	if fs := nonEmptyFields(fieldsNamed(h, "X-MS-Exchange-Inbox-Rules-Loop")); len(fs) > 0 && !autoReply() {
		add(AutoForward, "exchange", RuleExchangeInboxRulesLoop, headerEvidence(fs), nil)
	}
	if fs := nonEmptyFields(fieldsNamed(h, "X-MS-Exchange-ForwardingLoop")); len(fs) > 0 {
		add(AutoForward, "exchange", RuleExchangeForwardingLoop, headerEvidence(fs), nil)
	}
	if fs := nonEmptyFields(fieldsNamed(h, "X-MS-Exchange-Transport-Rules-Loop")); len(fs) > 0 {
		add(AutoForward, "exchange", RuleExchangeTransportRuleLoop, headerEvidence(fs), nil)
	}

	// Gmail: X-Forwarded-To names the destination; X-Forwarded-For lists
	// the original recipient, then the destination.
	if f := gmailForward(h); f != nil {
		out = append(out, *f)
	}
	if f := cafEnvelope(m); f != nil {
		out = append(out, *f)
	}

	if fs := nonEmptyFields(fieldsNamed(h, "X-MailFwdBy")); len(fs) > 0 {
		add(AutoForward, "generic", RuleMailFwdBy, headerEvidence(fs), nil)
	}
	// Dovecot Pigeonhole prepends X-Sieve and X-Sieve-Redirected-From (the
	// redirecting user) to the copy it redirects.
	if fs := nonEmptyFields(fieldsNamed(h, "X-Sieve-Redirected-From")); len(fs) > 0 {
		ev := headerEvidence(fieldsNamed(h, "X-Sieve"))
		add(Redirect, "sieve", RuleSieveRedirectedFrom, append(ev, headerEvidence(fs)...), nil)
	}
	if fs := nonEmptyFields(fieldsNamed(h, "X-Zimbra-Forwarded")); len(fs) > 0 {
		add(Redirect, "zimbra", RuleZimbraForwarded, headerEvidence(fs), nil)
	}
	if ev, dests, ok := resentBlock(h); ok {
		add(Redirect, "rfc5322", RuleResentBlock, ev, dests)
	}
	if ev := srsReturnPath(m); len(ev) > 0 {
		add(AutoForward, "srs", RuleSRSReturnPath, ev, nil)
	}
	if ev, ok := deliveredToChain(h, internal); ok {
		add(AutoForward, "delivery", RuleDeliveredToChain, ev, nil)
	}
	return out
}

// finalRecipient is the address the copy was delivered to: the topmost
// Delivered-To, else X-Original-To. A forwarded copy is found in the
// destination's store, so for artifacts that do not name the destination
// this is it.
func finalRecipient(h mailfmt.Header) string {
	for _, name := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range h.Values(name) {
			if as := addresses(v); len(as) > 0 {
				return as[0]
			}
		}
	}
	return ""
}

func nonEmptyFields(fs []mailfmt.Field) []mailfmt.Field {
	out := fs[:0:0]
	for _, f := range fs {
		if strings.TrimSpace(f.Value) != "" {
			out = append(out, f)
		}
	}
	return out
}

func gmailForward(h mailfmt.Header) *Finding {
	to := fieldsNamed(h, "X-Forwarded-To")
	fwdFor := fieldsNamed(h, "X-Forwarded-For")
	var dests []string
	for _, f := range to {
		dests = appendNew(dests, addresses(f.Value)...)
	}
	if len(dests) == 0 {
		// X-Forwarded-For alone: "<original> <destination>". One address
		// (or an IP, as HTTP proxies write it) is not a forward.
		for _, f := range fwdFor {
			if as := addresses(f.Value); len(as) >= 2 {
				dests = appendNew(dests, as[len(as)-1])
			}
		}
	}
	if len(dests) == 0 {
		return nil
	}
	ev := headerEvidence(to)
	for _, f := range fwdFor {
		if len(addresses(f.Value)) > 0 {
			ev = append(ev, headerEvidence([]mailfmt.Field{f})...)
		}
	}
	return &Finding{Kind: AutoForward, Platform: "gmail", Rule: RuleGmailForwardedTo, Evidence: ev, Destinations: dests}
}

// cafEnvelope finds Gmail's forwarding return path
// "<src-local>+caf_=<dst-local>=<dst-domain>@<src-domain>" in Return-Path
// or the mbox envelope and decodes the destination: the text after "caf_="
// up to the '@', with its last '=' standing for '@'.
func cafEnvelope(m *mailfmt.Message) *Finding {
	var ev []Evidence
	var dests []string
	check := func(where, name, value string) {
		if !containsFoldASCII(value, "+caf_=") {
			return // the common case: no address to parse
		}
		for _, a := range addresses(value) {
			local, _, _ := strings.Cut(a, "@")
			i := strings.Index(local, "+caf_=")
			if i < 0 {
				continue
			}
			enc := local[i+len("+caf_="):]
			j := strings.LastIndexByte(enc, '=')
			if j <= 0 || j == len(enc)-1 {
				continue
			}
			dst := enc[:j] + "@" + enc[j+1:]
			if len(addresses(dst)) != 1 {
				continue
			}
			ev = append(ev, Evidence{Where: where, Name: name, Value: strings.TrimSpace(value)})
			dests = appendNew(dests, dst)
			return
		}
	}
	for _, f := range fieldsNamed(m.Header, "Return-Path") {
		check("header", f.Name, f.Value)
	}
	if s := envelopeSender(m.Envelope); s != "" {
		check("envelope", "From_", s)
	}
	if len(dests) == 0 {
		return nil
	}
	return &Finding{Kind: AutoForward, Platform: "gmail", Rule: RuleGmailCAFEnvelope, Evidence: ev, Destinations: dests}
}

// resentBlock recognises RFC 5322 §3.6.6 resent fields: an originator
// (Resent-From or Resent-Sender) with its Resent-Date, or resent
// destination fields. The destinations are the Resent-To/Cc/Bcc addresses.
func resentBlock(h mailfmt.Header) ([]Evidence, []string, bool) {
	var fs []mailfmt.Field
	var dests []string
	var origin, date, dest bool
	for _, f := range h {
		if len(f.Name) < len("resent-x") || !mailfmt.NameIs(f.Name[:len("resent-")], "resent-") ||
			strings.TrimSpace(f.Value) == "" {
			continue
		}
		switch name := strings.ToLower(f.Name); name {
		case "resent-from", "resent-sender":
			origin = true
		case "resent-date":
			date = true
		case "resent-to", "resent-cc", "resent-bcc":
			dest = true
			dests = appendNew(dests, addresses(f.Value)...)
		case "resent-message-id":
		default:
			continue
		}
		fs = append(fs, f)
	}
	if !(origin && date) && !dest {
		return nil, nil, false
	}
	return headerEvidence(fs), dests, true
}

// srsReturnPath finds an SRS-rewritten envelope sender: a local part
// starting with SRS0= or SRS1= (Shevek's scheme), or Exchange Online's
// "bounces+SRS=" form.
func srsReturnPath(m *mailfmt.Message) []Evidence {
	isSRS := func(v string) bool {
		if !containsFoldASCII(v, "srs") {
			return false // the common case: no address to parse
		}
		for _, a := range addresses(v) {
			local, _, _ := strings.Cut(a, "@")
			if strings.HasPrefix(local, "srs0=") || strings.HasPrefix(local, "srs1=") ||
				strings.Contains(local, "+srs=") {
				return true
			}
		}
		return false
	}
	var ev []Evidence
	for _, f := range fieldsNamed(m.Header, "Return-Path") {
		if isSRS(f.Value) {
			ev = append(ev, Evidence{Where: "header", Name: f.Name, Value: strings.TrimSpace(f.Value)})
		}
	}
	if s := envelopeSender(m.Envelope); s != "" && isSRS(s) {
		ev = append(ev, Evidence{Where: "envelope", Name: "From_", Value: s})
	}
	return ev
}

// deliveredToChain fires when the Delivered-To fields name two or more
// registrable domains that are not all internal, and the message is not a
// mailing-list delivery (List-Id or List-Post present): the message was
// delivered to a mailbox of one organisation and sent on to another.
func deliveredToChain(h mailfmt.Header, internal func(string) bool) ([]Evidence, bool) {
	if h.Has("List-Id") || h.Has("List-Post") {
		return nil, false
	}
	fs := fieldsNamed(h, "Delivered-To")
	if len(fs) < 2 {
		return nil, false
	}
	var domains []string
	allInternal := true
	for _, f := range fs {
		for _, a := range addresses(f.Value) {
			d := domainOf(a)
			domains = appendNew(domains, registrable(d))
			if !internal(d) {
				allInternal = false
			}
		}
	}
	if len(domains) < 2 || allInternal {
		return nil, false
	}
	return headerEvidence(fs), true
}

// appendNew appends the values of vs not already in s.
func appendNew(s []string, vs ...string) []string {
outer:
	for _, v := range vs {
		for _, x := range s {
			if x == v {
				continue outer
			}
		}
		s = append(s, v)
	}
	return s
}

// containsFoldASCII reports whether s contains the lower-case ASCII
// pattern p in any ASCII case. Candidates are found with IndexByte on
// both cases of p's first byte, so long values cost little.
func containsFoldASCII(s, p string) bool {
	if len(p) == 0 {
		return true
	}
	lo, up := p[0], p[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	for len(s) >= len(p) {
		i := strings.IndexByte(s, lo)
		if up != lo {
			if j := strings.IndexByte(s, up); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 || len(s)-i < len(p) {
			return false
		}
		if mailfmt.NameIs(s[i:i+len(p)], p) {
			return true
		}
		s = s[i+1:]
	}
	return false
}
