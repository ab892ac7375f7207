package mailgen

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Near misses: automated mail that is not a forward (see "Near misses" in
// docs/forwarding-artifacts.md). None may be flagged as auto-forward or
// redirect.

// listMail is a mailing-list delivery: List-Id and friends, a VERP return
// path, and two Delivered-To fields (list address, then member), inside
// the owner's domain or, for an outside list server, across domains.
func (g *Generator) listMail() generated {
	listDom := "lists." + g.owner.dom.name
	if g.r.chance(0.3) {
		listDom = "lists." + pick(g.r, companyDomains).name
	}
	name := pick(g.r, []string{"engineering", "all-staff", "announce", "security-advisories", "golang-nuts", "sales-emea"})
	listAddr := name + "@" + listDom
	from := g.correspondent()
	client := g.clientFor(from.dom)
	t := g.sentAt()
	listP := person{name: name, addr: listAddr, dom: domain{name: listDom, style: stylePostfix}}
	subj := "[" + name + "] " + g.subject()
	m := g.compose(from, []person{listP}, nil, subj, client, t, g.letterBody(client, g.letter(listP, from), g.r.chance(g.cfg.AttachmentRate/3)))
	g.submit(m, from, listAddr, t)
	t = g.deliver(m, from, from.addr, listP, t, false)
	ol, od, _ := strings.Cut(g.owner.addr, "@")
	verp := fmt.Sprintf("%s-bounces+%s=%s@%s", name, ol, od, listDom)
	m.prepend(
		field{"List-Id", fmt.Sprintf("%s <%s.%s>", strings.ToUpper(name[:1])+name[1:], name, listDom)},
		field{"List-Unsubscribe", fmt.Sprintf("<https://%s/mailman/options/%s>,\n <mailto:%s-request@%s?subject=unsubscribe>", listDom, name, name, listDom)},
		field{"List-Archive", fmt.Sprintf("<https://%s/pipermail/%s/>", listDom, name)},
		field{"List-Post", "<mailto:" + listAddr + ">"},
		field{"List-Help", fmt.Sprintf("<mailto:%s-request@%s?subject=help>", name, listDom)},
		field{"Precedence", "list"},
		field{"X-BeenThere", listAddr},
		field{"X-Mailman-Version", "2.1.39"},
		field{"Errors-To", fmt.Sprintf("%s-bounces@%s", name, listDom)},
		field{"Sender", fmt.Sprintf("\"%s\" <%s-bounces@%s>", name, name, listDom)},
	)
	dt := g.deliver(m, listP, verp, g.owner, t, true)
	return g.finish(m, Label{}, verp, dt)
}

// bounce is a delivery status notification (RFC 3464, RFC 6522) for a
// message the owner sent, with an empty envelope sender.
func (g *Generator) bounce() generated {
	rcpt := pick(g.r, g.externals)
	t := g.sentAt()
	ocl := g.clientFor(g.owner.dom)
	orig := g.compose(g.owner, []person{rcpt}, nil, g.subject(), ocl, t.Add(-time.Minute), g.textPart(g.letter(rcpt, g.owner)))
	g.submit(orig, g.owner, rcpt.addr, t.Add(-time.Minute))
	if g.r.chance(0.3) {
		// The bounced message was itself a forwarded copy: its artifacts
		// are in the report's body, which header rules never read.
		orig.add("X-MS-Exchange-Organization-AutoForwarded", "true")
		orig.add("X-Forwarded-To", rcpt.addr)
	}
	mta := person{name: "Mail Delivery System", addr: "MAILER-DAEMON@mx1." + g.owner.dom.name, dom: g.owner.dom}
	exchange := g.r.chance(0.4)
	subject := "Undelivered Mail Returned to Sender"
	if exchange {
		mta = person{name: "Microsoft Outlook", addr: "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@" + g.owner.dom.name, dom: g.owner.dom}
		subject = "Undeliverable: " + decodeSubject(orig.get("Subject"))
	}
	status := pick(g.r, []string{"5.1.1", "5.2.2", "4.4.7", "5.7.1"})
	text := fmt.Sprintf("This is the mail system at host mx1.%s.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n\n<%s>: host mx.%s said: 550 %s\n    recipient rejected (in reply to RCPT TO command)\n",
		g.owner.dom.name, rcpt.addr, rcpt.dom.name, status)
	dsn := fmt.Sprintf("Reporting-MTA: dns; mx1.%s\nX-Postfix-Queue-ID: %s\nArrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\nAction: failed\nStatus: %s\nRemote-MTA: dns; mx.%s\nDiagnostic-Code: smtp; 550 %s recipient rejected\n",
		g.owner.dom.name, g.postfixID(), mtaDate(t), rcpt.addr, rcpt.addr, status, rcpt.dom.name, status)
	origPart := &part{ctype: "message/rfc822", cte: "8bit", content: orig.appendTo(nil), extra: []field{{"Content-Description", "Undelivered Message"}}}
	if g.r.chance(0.3) {
		hdr := orig.appendTo(nil)
		hdr = hdr[:len(hdr)-len(orig.body)]
		origPart = &part{ctype: "text/rfc822-headers", cte: "8bit", content: hdr, extra: []field{{"Content-Description", "Undelivered Message Headers"}}}
	}
	body := &part{ctype: "multipart/report; report-type=delivery-status", boundary: fmt.Sprintf("%s.%d/mx1.%s", g.r.upperAlnum(11), t.Unix(), g.owner.dom.name),
		children: []*part{
			{ctype: "text/plain; charset=us-ascii", cte: "7bit", content: []byte(text), extra: []field{{"Content-Description", "Notification"}}},
			{ctype: "message/delivery-status", cte: "7bit", content: []byte(dsn), extra: []field{{"Content-Description", "Delivery report"}}},
			origPart,
		}}
	m := &message{}
	m.add("From", mta.String())
	m.add("To", g.owner.addr)
	m.add("Subject", encodeWord(subject))
	m.add("Date", rfc5322Date(t))
	m.add("Message-ID", fmt.Sprintf("<%s.%d@mx1.%s>", g.r.upperAlnum(12), g.idSeq, g.owner.dom.name))
	g.idSeq++
	m.add("Auto-Submitted", "auto-replied")
	g.setBody(m, body)
	dt := g.deliver(m, mta, "", g.owner, t, true)
	return g.finish(m, Label{}, "", dt)
}

var autoReplySubjects = []string{"Automatic reply: ", "Out of Office: ", "Auto-Reply: ", "Abwesenheitsnotiz: ", "Réponse automatique : "}

// autoReply is a vacation or out-of-office answer (RFC 3834). Exchange
// rule-generated replies also carry X-MS-Exchange-Inbox-Rules-Loop (and
// sometimes AutoForwarded), which the detector must ignore on auto-replies.
func (g *Generator) autoReply() generated {
	from := g.correspondent()
	client := g.clientFor(from.dom)
	t := g.sentAt()
	subj := pick(g.r, autoReplySubjects) + pick(g.r, topics)
	until := t.AddDate(0, 0, 1+g.r.IntN(14))
	text := fmt.Sprintf("Thank you for your message. I am out of the office until %s with limited access to email.\nFor urgent matters please contact %s.\n\n%s\n",
		until.Format("Monday, January 2"), pick(g.r, g.colleagues).addr, from.name)
	m := g.compose(from, []person{g.owner}, nil, subj, client, t, g.letterBody(client, text, false))
	m.add("In-Reply-To", g.messageID(g.owner, "", t.Add(-time.Hour)))
	m.add("Auto-Submitted", "auto-replied")
	envFrom := ""
	switch from.dom.style {
	case styleExchange:
		m.add("X-Auto-Response-Suppress", "All")
		m.add("X-MS-Exchange-Inbox-Rules-Loop", from.addr)
		if g.r.chance(0.5) {
			m.add("X-MS-Exchange-Organization-AutoForwarded", "true")
		}
		m.add("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent")
	case styleGmail:
		m.add("X-Autoreply", "yes")
		m.add("Precedence", "bulk")
	default:
		m.prepend(field{"X-Sieve", "Pigeonhole Sieve 0.5.21 (f6cd4b8e)"})
		m.add("Precedence", "bulk")
		if g.r.chance(0.5) {
			envFrom = from.addr
		}
	}
	g.submit(m, from, g.owner.addr, t)
	dt := g.deliver(m, from, envFrom, g.owner, t, true)
	return g.finish(m, Label{}, envFrom, dt)
}

// calendar is a meeting invitation (iMIP, RFC 6047): Google Calendar or
// Exchange style.
func (g *Generator) calendar() generated {
	org := g.correspondent()
	t := g.sentAt()
	start := t.Add(time.Duration(24+g.r.IntN(24*14)) * time.Hour).Truncate(30 * time.Minute)
	end := start.Add(time.Duration(1+g.r.IntN(4)) * 30 * time.Minute)
	topic := pick(g.r, topics)
	uid := g.r.uuid(false)
	ics := strings.Join([]string{
		"BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:REQUEST",
		"BEGIN:VEVENT",
		"DTSTART:" + start.UTC().Format("20060102T150405Z"),
		"DTEND:" + end.UTC().Format("20060102T150405Z"),
		"DTSTAMP:" + t.UTC().Format("20060102T150405Z"),
		"ORGANIZER;CN=" + org.name + ":mailto:" + org.addr,
		"UID:" + uid,
		"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=" + g.owner.addr + ":mailto:" + g.owner.addr,
		"SUMMARY:" + topic,
		"LOCATION:" + pick(g.r, []string{"Room 4.12", "Microsoft Teams Meeting", "https://meet.google.com/abc-defg-hij"}),
		"SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:OPAQUE",
		"END:VEVENT", "END:VCALENDAR", "",
	}, "\r\n")
	desc := fmt.Sprintf("%s\n%s - %s\nOrganizer: %s\n\nJoin the meeting or reply to let the organizer know if you can attend.\n",
		topic, start.Format("Monday Jan 2, 2006 3:04pm"), end.Format("3:04pm (MST)"), org.String())
	icsPart := func(name string) *part {
		enc := base64.StdEncoding.EncodeToString([]byte(ics))
		var b strings.Builder
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\n")
		p := &part{ctype: "text/calendar; charset=\"UTF-8\"; method=REQUEST", cte: "base64", content: []byte(b.String())}
		if name != "" {
			p.ctype = "application/ics; name=\"" + name + "\""
			p.disp = "attachment; filename=\"" + name + "\""
		}
		return p
	}
	var m *message
	if g.r.chance(0.5) {
		gcal := person{name: "Google Calendar", addr: "calendar-notification@google.com", dom: domain{"google.com", styleGmail}}
		alt := &part{ctype: "multipart/alternative", boundary: g.boundary("gmail"),
			children: []*part{g.textPart(desc), g.htmlPart(desc), icsPart("")}}
		body := &part{ctype: "multipart/mixed", boundary: g.boundary("gmail"), children: []*part{alt, icsPart("invite.ics")}}
		subj := fmt.Sprintf("Invitation: %s @ %s (%s)", topic, start.Format("Mon Jan 2, 2006 3pm"), g.owner.addr)
		m = g.compose(org, []person{g.owner}, nil, subj, "gmail", t, body)
		m.fields[0] = field{"From", fmt.Sprintf("%q <%s>", org.name, org.addr)}
		m.add("Sender", gcal.String())
		m.add("Reply-To", org.String())
	} else {
		body := &part{ctype: "multipart/alternative", boundary: g.boundary("outlook"),
			children: []*part{g.textPart(desc), g.htmlPart(desc), icsPart("")}}
		m = g.compose(org, []person{g.owner}, nil, topic, "outlook", t, body)
		m.add("X-MS-Exchange-Calendar-Series-Instance-Id", "BAAAAIIA4AB0xbcQGoLgCAAAAAA"+g.r.upperAlnum(24)+"==")
		m.add("X-MS-Has-Attach", "")
		m.add("X-MS-TNEF-Correlator", "")
	}
	g.submit(m, org, g.owner.addr, t)
	dt := g.deliver(m, org, org.addr, g.owner, t, true)
	return g.finish(m, Label{}, org.addr, dt)
}
