package mailgen

import (
	"fmt"
	"strings"
	"time"
)

// clientFor picks the mail client a sender in d plausibly uses.
func (g *Generator) clientFor(d domain) string {
	switch d.style {
	case styleGmail:
		return "gmail"
	case styleExchange:
		return pick(g.r, []string{"outlook", "outlook", "outlook-2019", "outlook-live"})
	case styleApple:
		return "apple-mail"
	case styleYahoo:
		return "yahoo"
	}
	return pick(g.r, []string{"thunderbird", "thunderbird", "apple-mail", "roundcube"})
}

// agentField returns the X-Mailer or User-Agent field a client writes.
func (g *Generator) agentField(client string) (field, bool) {
	switch client {
	case "outlook", "outlook-2019":
		return field{"X-Mailer", pick(g.r, []string{"Microsoft Outlook 16.0", "Microsoft Outlook 15.0", "Microsoft Office Outlook 12.0"})}, true
	case "thunderbird":
		v := pick(g.r, []string{"115.16.0", "128.5.2", "128.6.0"})
		return field{"User-Agent", fmt.Sprintf("Mozilla/5.0 (%s; rv:128.0) Gecko/20100101 Thunderbird/%s",
			pick(g.r, []string{"Windows NT 10.0; Win64; x64", "X11; Linux x86_64", "Macintosh; Intel Mac OS X 10.15"}), v)}, true
	case "apple-mail":
		if g.r.chance(0.4) {
			return field{"X-Mailer", "iPhone Mail (" + pick(g.r, []string{"22B91", "21H16", "22C152"}) + ")"}, true
		}
		return field{"X-Mailer", "Apple Mail (2." + pick(g.r, []string{"3826.300.87.4.3", "3774.600.62", "3731.700.6"}) + ")"}, true
	case "yahoo":
		return field{"X-Mailer", "WebService/1.1.23040 YMailNorrin"}, true
	case "roundcube":
		return field{"User-Agent", "Roundcube Webmail/1.6.9"}, true
	}
	return field{}, false
}

// subject returns a business subject line.
func (g *Generator) subject() string {
	return fmt.Sprintf(pick(g.r, subjectForms), pick(g.r, topics))
}

// compose returns an original message (no trace fields yet).
func (g *Generator) compose(from person, to, cc []person, subject, client string, t time.Time, body *part) *message {
	m := &message{}
	m.add("From", from.String())
	m.add("To", addressList(to))
	if len(cc) > 0 {
		m.add("Cc", addressList(cc))
	}
	m.add("Subject", encodeWord(subject))
	if strings.HasPrefix(client, "outlook") {
		m.add("Thread-Topic", encodeWord(subject))
		m.add("Thread-Index", "AQH"+g.r.upperAlnum(10)+"/"+g.r.upperAlnum(16)+"==")
	}
	m.add("Date", rfc5322Date(t))
	m.add("Message-ID", g.messageID(from, client, t))
	if f, ok := g.agentField(client); ok {
		m.fields = append(m.fields, f)
	}
	if strings.HasPrefix(client, "outlook") {
		m.add("Content-Language", pick(g.r, []string{"en-US", "en-GB", "de-DE"}))
	}
	g.setBody(m, body)
	return m
}

// letterBody returns a body for text: plain, alternative, or mixed with
// attachments.
func (g *Generator) letterBody(client, text string, attach bool) *part {
	var main *part
	if client == "thunderbird" || client == "roundcube" || g.r.chance(0.25) {
		main = g.textPart(text)
	} else {
		main = g.alternative(client, text)
	}
	if !attach {
		return main
	}
	mixed := &part{ctype: "multipart/mixed", boundary: g.boundary(client), children: []*part{main}}
	n := 1
	if g.r.chance(0.25) {
		n += g.r.IntN(3)
	}
	for range n {
		mixed.children = append(mixed.children, g.attachment())
	}
	return mixed
}

// sentAt returns the time a message delivered now was written, in a zone.
func (g *Generator) sentAt() time.Time {
	return g.now.Add(-time.Duration(2+g.r.IntN(30)) * time.Second).In(g.zone())
}

func (g *Generator) recipients(from person) (to, cc []person) {
	to = []person{g.owner}
	if g.r.chance(0.3) {
		to = append(to, pick(g.r, g.colleagues))
	}
	if g.r.chance(0.2) {
		cc = []person{pick(g.r, g.colleagues)}
		if cc[0].addr == from.addr {
			cc = nil
		}
	}
	return to, cc
}

// normal is an ordinary message to the owner; some are notifications
// from a service (Auto-Submitted: auto-generated), some reach the owner
// through an alias (X-Original-To differs from Delivered-To).
func (g *Generator) normal() generated {
	if g.r.chance(0.08) {
		return g.notification()
	}
	from := g.correspondent()
	client := g.clientFor(from.dom)
	t := g.sentAt()
	to, cc := g.recipients(from)
	attach := g.r.chance(g.cfg.AttachmentRate)
	m := g.compose(from, to, cc, g.subject(), client, t, g.letterBody(client, g.letter(g.owner, from), attach))
	g.vendorFields(m, from, attach)
	g.remember(m, from, t)
	g.submit(m, from, g.owner.addr, t)
	dt := g.deliver(m, from, from.addr, g.owner, t, true)
	if g.r.chance(0.05) {
		// Postfix local(8) alias expansion: X-Original-To above Delivered-To.
		alias := pick(g.r, []string{"info", "office", "finance", "team"}) + "@" + g.owner.dom.name
		for i, f := range m.fields {
			if f.name == "Delivered-To" {
				m.fields = append(m.fields[:i], append([]field{{"X-Original-To", alias}}, m.fields[i:]...)...)
				break
			}
		}
	}
	return g.finish(m, Label{}, from.addr, dt)
}

// vendorFields adds the fields the sender's platform stamps on ordinary
// mail: Exchange Online's X-MS-* (X-LD-Processed with ExtAddr is on
// ordinary outbound mail, not a forward: docs/forwarding-artifacts.md), and
// Gmail's X-Google-Smtp-Source / X-Received.
func (g *Generator) vendorFields(m *message, from person, attach bool) {
	switch from.dom.style {
	case styleExchange:
		has := ""
		if attach {
			has = "yes"
		}
		m.add("X-MS-Has-Attach", has)
		m.add("X-MS-TNEF-Correlator", "")
		if g.r.chance(0.3) {
			m.add("X-LD-Processed", g.r.uuid(false)+",ExtAddr")
		}
		m.add("X-MS-Exchange-CrossTenant-Network-Message-Id", g.r.uuid(false))
		m.add("X-MS-Exchange-CrossTenant-OriginalArrivalTime", rfc5322Date(g.now.UTC())[5:])
		m.add("X-MS-Exchange-CrossTenant-FromEntityHeader", "Hosted")
	case styleGmail:
		m.prepend(field{"X-Google-Smtp-Source", "AGHT+I" + g.r.upperAlnum(60)},
			field{"X-Received", fmt.Sprintf("by 2002:a05:%s:%s:b0:%s:%s with SMTP id %s;\n        %s",
				g.r.hex(4), g.r.hex(3), g.r.hex(3), g.r.hex(4), g.r.upperAlnum(12), mtaDate(g.now.UTC()))},
			field{"X-Gm-Message-State", "AOJu0Y" + g.r.upperAlnum(48)})
	}
}

// notification is automated service mail (RFC 3834 auto-generated).
func (g *Generator) notification() generated {
	svc := pick(g.r, []struct{ name, local, dom, subj string }{
		{"Jira", "jira", "tailspintoys.atlassian.net", "[JIRA] (OPS-%d) %s"},
		{"GitHub", "notifications", "github.com", "[contoso/app] %[2]s (PR #%[1]d)"},
		{"IT Service Desk", "servicedesk", g.owner.dom.name, "Ticket %d updated: %s"},
		{"Cron Daemon", "root", "build01." + g.owner.dom.name, "Cron <root@build01> /usr/local/bin/backup.sh (%d) %s"},
	})
	from := person{name: svc.name, addr: svc.local + "@" + svc.dom, dom: domain{svc.dom, stylePostfix}}
	t := g.sentAt()
	subj := fmt.Sprintf(svc.subj, 1000+g.r.IntN(9000), pick(g.r, topics))
	m := g.compose(from, []person{g.owner}, nil, subj, "", t, g.textPart(g.paragraph()+"\n\n-- \nThis message was generated automatically.\n"))
	m.add("Auto-Submitted", "auto-generated")
	m.add("X-Auto-Response-Suppress", "All")
	g.submit(m, from, g.owner.addr, t)
	dt := g.deliver(m, from, from.addr, g.owner, t, true)
	return g.finish(m, Label{}, from.addr, dt)
}

// threadState is an open conversation replies continue.
type threadState struct {
	subject    string
	messageID  string
	references string
	last       person
	lastText   string
	lastDate   time.Time
}

func (g *Generator) remember(m *message, from person, t time.Time) {
	if !g.r.chance(0.3) {
		return
	}
	subj := pick(g.r, topics)
	ts := threadState{subject: subj, messageID: m.get("Message-ID"), last: from, lastDate: t,
		lastText: g.paragraph()}
	if len(g.threads) < 16 {
		g.threads = append(g.threads, ts)
	} else {
		g.threads[g.r.IntN(len(g.threads))] = ts
	}
}

// reply continues a thread with quoted text.
func (g *Generator) reply() generated {
	if len(g.threads) == 0 {
		from := g.correspondent()
		g.threads = append(g.threads, threadState{subject: pick(g.r, topics), messageID: g.messageID(from, "", g.now),
			last: from, lastText: g.paragraph(), lastDate: g.now.Add(-time.Hour)})
	}
	i := g.r.IntN(len(g.threads))
	th := &g.threads[i]
	from := g.correspondent()
	for from.addr == th.last.addr {
		from = g.correspondent()
	}
	client := g.clientFor(from.dom)
	t := g.sentAt()
	text := g.letter(th.last, from)
	var quoted strings.Builder
	if strings.HasPrefix(client, "outlook") {
		// Outlook top-posts above a header block of the previous message.
		fmt.Fprintf(&quoted, "\n________________________________\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n\n%s\n",
			th.last.plain(), th.lastDate.Format("Monday, January 2, 2006 3:04 PM"), g.owner.plain(), th.subject, th.lastText)
	} else {
		fmt.Fprintf(&quoted, "\nOn %s, %s wrote:\n", th.lastDate.Format("Mon, Jan 2, 2006 at 3:04 PM"), th.last.plain())
		for _, l := range strings.Split(th.lastText, "\n") {
			quoted.WriteString("> " + l + "\n")
		}
	}
	subj := "Re: " + th.subject
	m := g.compose(from, []person{g.owner}, nil, subj, client, t, g.letterBody(client, text+quoted.String(), g.r.chance(g.cfg.AttachmentRate/3)))
	refs := strings.TrimSpace(th.references + " " + th.messageID)
	// In-Reply-To and References go right after Message-ID.
	for j, f := range m.fields {
		if f.name == "Message-ID" {
			m.fields = append(m.fields[:j+1], append([]field{{"In-Reply-To", th.messageID}, {"References", refs}}, m.fields[j+1:]...)...)
			break
		}
	}
	th.references = refs
	th.messageID = m.get("Message-ID")
	th.last = from
	th.lastText = strings.TrimSpace(text)
	th.lastDate = t
	g.submit(m, from, g.owner.addr, t)
	dt := g.deliver(m, from, from.addr, g.owner, t, true)
	return g.finish(m, Label{}, from.addr, dt)
}
