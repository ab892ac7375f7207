package mailgen

import (
	"fmt"
	"strings"
	"time"
)

// Auto-forwarded and redirected copies. Each platform writes the artifacts
// of one row (or a few rows) of the table in docs/forwarding-artifacts.md,
// named in the comments below by the rule the table gives them. The copy is
// what the destination mailbox (the owner's) receives: the original as the
// source mailbox got it, the platform's changes, and the final delivery.

// AutoPlatforms are the auto-forward platforms, cycled in this order.
var AutoPlatforms = []string{
	"exchange-forward",   // inbox rule "forward to"
	"exchange-mailbox",   // ForwardingSmtpAddress on the mailbox
	"exchange-transport", // transport rule adding a recipient
	"gmail",              // "Forward a copy of incoming mail"
	"mailfwdby",          // X-MailFwdBy
	"srs",                // Postfix + postsrsd (.forward or alias)
	"delivery",           // procmail / .forward without SRS: Delivered-To only
}

// RedirectPlatforms are the redirect platforms, cycled in this order.
var RedirectPlatforms = []string{
	"exchange-redirect", // inbox rule "redirect to"
	"sieve",             // Pigeonhole redirect
	"zimbra",            // Zimbra filter redirect
	"rfc5322",           // resend / bounce with a Resent-* block
}

// sourceOn returns the source mailbox as hosted on a system of style s.
func (g *Generator) sourceOn(s style) person {
	p := g.source
	p.dom.style = s
	return p
}

// originalTo builds the message the source mailbox received: composed by
// a correspondent, submitted, and delivered (not finally) to src.
func (g *Generator) originalTo(src person) (*message, person, time.Time) {
	from := pick(g.r, g.externals)
	if g.r.chance(0.4) {
		from = pick(g.r, g.colleagues)
	}
	client := g.clientFor(from.dom)
	t := g.now.Add(-time.Duration(20+g.r.IntN(60)) * time.Second).In(g.zone())
	to := []person{src}
	if g.r.chance(0.2) {
		to = append(to, pick(g.r, g.colleagues))
	}
	m := g.compose(from, to, nil, g.subject(), client, t, g.letterBody(client, g.letter(src, from), g.r.chance(g.cfg.AttachmentRate)))
	g.submit(m, from, src.addr, t)
	t = g.deliver(m, from, from.addr, src, t, false)
	return m, from, t
}

// tenantID is a stable per-organisation tenant GUID.
func (g *Generator) tenantID() string {
	r := newRNG(int64(len(g.org.name)) * 7919)
	return r.uuid(false)
}

// srs0 rewrites addr as postsrsd does: SRS0=<hash>=<timestamp>=<domain>=<local>@<forwarder>.
func (g *Generator) srs0(addr, forwarder string) string {
	const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	local, dom, _ := strings.Cut(addr, "@")
	ts := string([]byte{b32[g.r.IntN(32)], b32[g.r.IntN(32)]})
	return fmt.Sprintf("SRS0=%s=%s=%s=%s@%s", g.r.hex(4), ts, dom, local, forwarder)
}

// autoForward is a copy sent on by an automatic forward.
func (g *Generator) autoForward() generated {
	platform := AutoPlatforms[g.platform[0]%len(AutoPlatforms)]
	g.platform[0]++
	var src person
	switch platform {
	case "exchange-forward", "exchange-mailbox", "exchange-transport":
		src = g.sourceOn(styleExchange)
	case "gmail":
		src = g.sourceOn(styleGmail)
	default:
		src = g.sourceOn(stylePostfix)
	}
	m, from, t := g.originalTo(src)
	t = t.Add(time.Duration(1+g.r.IntN(5)) * time.Second)
	envFrom := from.addr
	sender := src // whose system sends the copy on
	switch platform {
	case "exchange-forward":
		// Rows "exchange-autoforwarded", "exchange-inbox-rules-loop" and
		// "Exchange / Outlook redirect vs forward": the rule writes a new
		// message From the source, "FW:" subject, Outlook separator.
		o := forwardedOriginal{from: from, to: src, subject: decodeSubject(m.get("Subject")), date: t.Add(-time.Minute), text: g.letter(src, from)}
		body := g.alternative("exchange", inlineForward("outlook-2019", langs[0], "", o))
		m = g.compose(src, []person{g.owner}, nil, "FW: "+o.subject, "outlook-rule", t, body)
		g.submit(m, src, g.owner.addr, t)
		m.add("X-MS-Exchange-Organization-AutoForwarded", "true")
		m.add("X-MS-Exchange-Inbox-Rules-Loop", src.addr)
		m.add("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent")
		m.add("X-MS-Exchange-Organization-Network-Message-Id", g.r.uuid(false))
		envFrom = src.addr
	case "exchange-mailbox":
		// Rows "exchange-forwardingloop" (mailbox forwarding) and, for
		// half of them, "srs-return-path" in the Exchange Online +SRS= form.
		m.add("X-MS-Exchange-Organization-AutoForwarded", "true")
		m.add("X-MS-Exchange-ForwardingLoop", src.addr+";"+g.tenantID())
		if g.r.chance(0.5) {
			envFrom = fmt.Sprintf("bounces+SRS=%s=%s@%s.onmicrosoft.com", g.r.hex(5), strings.ToUpper(g.r.hex(2)), strings.Split(g.org.name, ".")[0])
		}
	case "exchange-transport":
		// Row "exchange-transport-rules-loop": a mail flow rule added the
		// owner as a recipient.
		m.add("X-MS-Exchange-Transport-Rules-Loop", "1")
		m.add("X-MS-Exchange-Organization-Network-Message-Id", g.r.uuid(false))
	case "gmail":
		// Rows "gmail-x-forwarded-to" (X-Forwarded-To, X-Forwarded-For)
		// and "gmail-caf-envelope"; the Delivered-To of the source
		// delivery stays below the owner's ("delivered-to-chain").
		m.prepend(field{"X-Forwarded-To", g.owner.addr}, field{"X-Forwarded-For", src.addr + " " + g.owner.addr})
		ol, od, _ := strings.Cut(g.owner.addr, "@")
		sl, sd, _ := strings.Cut(src.addr, "@")
		envFrom = fmt.Sprintf("%s+caf_=%s=%s@%s", sl, ol, od, sd)
		m.prepend(field{"Received", fmt.Sprintf("by 2002:a05:%s:%s:b0:%s:%s with SMTP id %s;\n        %s",
			g.r.hex(4), g.r.hex(3), g.r.hex(3), g.r.hex(4), g.r.upperAlnum(6)+"csp"+fmt.Sprint(g.r.IntN(1e6)), mtaDate(t.UTC()))})
	case "mailfwdby":
		// Row "x-mailfwdby" (named by ATT&CK T1114.003; value undocumented).
		m.prepend(field{"X-MailFwdBy", src.addr})
	case "srs":
		// Row "srs-return-path": Postfix with postsrsd rewrote the
		// envelope sender; Postfix kept its Delivered-To
		// ("delivered-to-chain", Postfix prepend_delivered_header).
		envFrom = g.srs0(from.addr, src.dom.name)
	case "delivery":
		// Row "delivered-to-chain" (procmail "! address" or .forward):
		// only the two Delivered-To fields from different organisations.
		envFrom = src.addr
	}
	dt := g.deliver(m, sender, envFrom, g.owner, t, true)
	return g.finish(m, Label{Platform: platform}, envFrom, dt)
}

// redirect is a copy re-sent unchanged to the owner.
func (g *Generator) redirect() generated {
	platform := RedirectPlatforms[g.platform[1]%len(RedirectPlatforms)]
	g.platform[1]++
	// Half the redirecting systems record no Delivered-To (Exim), so that
	// the redirect artifact alone marks the copy; on the other half a
	// Delivered-To chain comes along as well.
	src := g.sourceOn(stylePostfix)
	if g.r.chance(0.5) {
		src = g.sourceOn(styleExim)
	}
	if platform == "exchange-redirect" {
		src = g.sourceOn(styleExchange)
	}
	m, from, t := g.originalTo(src)
	t = t.Add(time.Duration(1+g.r.IntN(5)) * time.Second)
	envFrom := from.addr
	switch platform {
	case "exchange-redirect":
		// Rows "exchange-autoforwarded" and "exchange-inbox-rules-loop"
		// with the redirect shape: original From, Subject, Message-ID.
		m.add("X-MS-Exchange-Organization-AutoForwarded", "true")
		m.add("X-MS-Exchange-Inbox-Rules-Loop", src.addr)
		m.add("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent")
	case "sieve":
		// Row "sieve-redirected-from": Pigeonhole strips Return-Path,
		// X-Sieve and X-Sieve-Redirected-From, then prepends both; the
		// envelope sender is kept (RFC 5228 section 4.2).
		m.prepend(field{"X-Sieve", "Pigeonhole Sieve 0.5.21 (f6cd4b8e)"}, field{"X-Sieve-Redirected-From", src.addr})
	case "zimbra":
		// Row "zimbra-forwarded".
		m.prepend(field{"X-Zimbra-Forwarded", src.addr})
	case "rfc5322":
		// Row "resent-block" (RFC 5322 section 3.6.6): mutt's bounce
		// prepends a Resent block and uses the resender as envelope sender.
		m.prepend(field{"Resent-From", src.String()}, field{"Resent-To", g.owner.String()},
			field{"Resent-Date", rfc5322Date(t.In(g.zone()))}, field{"Resent-Message-ID", fmt.Sprintf("<%s.%d@%s>", t.UTC().Format("20060102150405"), g.idSeq, src.dom.name)})
		g.idSeq++
		envFrom = src.addr
	}
	dt := g.deliver(m, src, envFrom, g.owner, t, true)
	return g.finish(m, Label{Platform: platform}, envFrom, dt)
}

// decodeSubject undoes encodeWord for re-use in a forward.
func decodeSubject(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}
