package mailgen

import (
	"fmt"
	"strings"
	"time"
)

// ManualClients are the clients whose hand forwards are generated, in the
// order they are cycled; "-attachment" variants forward as message/rfc822.
var ManualClients = []string{
	"gmail", "outlook", "outlook-2019", "outlook-live", "thunderbird", "apple-mail", "yahoo",
	"outlook-attachment", "thunderbird-attachment", "gmail-attachment",
}

// forwarderFor returns a person who uses client.
func (g *Generator) forwarderFor(client string) person {
	base := strings.TrimSuffix(client, "-attachment")
	var want style
	switch base {
	case "gmail":
		want = styleGmail
	case "outlook", "outlook-2019", "outlook-live":
		want = styleExchange
	case "yahoo":
		want = styleYahoo
	default:
		if g.r.chance(0.7) {
			return pick(g.r, g.colleagues)
		}
		want = stylePostfix
	}
	if g.org.style == want && g.r.chance(0.6) {
		return pick(g.r, g.colleagues)
	}
	var ds []domain
	for _, l := range [][]domain{companyDomains, freemailDomains} {
		for _, d := range l {
			if d.style == want {
				ds = append(ds, d)
			}
		}
	}
	if base == "outlook-live" {
		ds = []domain{{"outlook.com", styleExchange}, {"hotmail.com", styleExchange}}
	}
	return g.newPerson(pick(g.r, ds))
}

// forwardedOriginal is the message a person forwards.
type forwardedOriginal struct {
	from    person
	to      person
	subject string
	date    time.Time
	text    string
}

func (g *Generator) original(forwarder person) forwardedOriginal {
	from := pick(g.r, g.externals)
	for from.addr == forwarder.addr {
		from = pick(g.r, g.externals)
	}
	return forwardedOriginal{
		from:    from,
		to:      forwarder,
		subject: fmt.Sprintf(pick(g.r, subjectForms), pick(g.r, topics)),
		date:    g.now.Add(-time.Duration(10+g.r.IntN(72*60)) * time.Minute).In(g.zone()),
		text:    g.letter(forwarder, from),
	}
}

// inlineForward renders the body a client writes when forwarding inline.
func inlineForward(client string, l lang, note string, o forwardedOriginal) string {
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	switch client {
	case "gmail":
		// Gmail keeps English field labels under a localised separator.
		fmt.Fprintf(&b, "%s\nFrom: %s\nDate: %s\nSubject: %s\nTo: %s\n\n\n",
			l.gmailSep, o.from.plain(), o.date.Format("Mon, Jan 2, 2006 at 3:04 PM"), o.subject, o.to.plain())
	case "outlook":
		fmt.Fprintf(&b, "%s\n%s %s\n%s %s\n%s %s\n%s %s\n\n",
			l.outlookOrig, l.from, o.from.plain(), l.sent, localDate(l, o.date),
			l.to, o.to.plain(), l.subj, o.subject)
	case "outlook-2019", "outlook-live":
		fmt.Fprintf(&b, "________________________________\n%s %s\n%s %s\n%s %s\n%s %s\n\n",
			l.from, o.from.plain(), l.sent, localDate(l, o.date),
			l.to, o.to.plain(), l.subj, o.subject)
	case "thunderbird":
		fmt.Fprintf(&b, "\n%s\n%s \t%s\n%s \t%s\n%s \t%s\n%s \t%s\n\n\n\n",
			l.tbSep, l.tbSubj, o.subject, l.tbDate, rfc5322Date(o.date), l.tbFrom, o.from.plain(), l.tbTo, o.to.plain())
	case "apple-mail":
		fmt.Fprintf(&b, "%s\n\n%s %s\n%s %s\n%s %s\n%s %s\n\n",
			l.appleIntro, l.tbFrom, o.from.plain(), l.tbSubj, o.subject, l.tbDate, o.date.Format("January 2, 2006 at 3:04:05 PM MST"), l.tbTo, o.to.plain())
	case "yahoo":
		fmt.Fprintf(&b, "\n%s\nFrom: %s\nTo: %s\nSent: %s\nSubject: %s\n\n",
			l.yahooSep, o.from.plain(), o.to.plain(), o.date.Format("Monday, January 2, 2006, 03:04:05 PM MST"), o.subject)
	}
	b.WriteString(o.text)
	return b.String()
}

// fwdPrefix is the subject prefix client writes in language l.
func fwdPrefix(client string, l lang) string {
	if strings.HasPrefix(client, "outlook") {
		if client == "outlook-live" && l.code != "en" && l.code != "de" && l.code != "fr" {
			return "FW:"
		}
		return l.outlookFW
	}
	return "Fwd:"
}

// manualForward is a message a person forwarded to the owner by hand.
func (g *Generator) manualForward() generated {
	client := ManualClients[g.client%len(ManualClients)]
	g.client++
	base := strings.TrimSuffix(client, "-attachment")
	// Half the forwards are in English; the rest cycle through the others.
	l := langs[0]
	if g.r.chance(0.5) {
		l = langs[1+g.lang%(len(langs)-1)]
		g.lang++
	}
	fwd := g.forwarderFor(client)
	o := g.original(fwd)
	t := g.sentAt()
	note := ""
	if g.r.chance(0.7) {
		note = pick(g.r, l.fyi)
	}
	subject := fwdPrefix(base, l) + " " + o.subject
	var body *part
	if base != client {
		// Forward as attachment: the original, with the trace fields of its
		// delivery to the forwarder, travels as message/rfc822.
		oc := g.clientFor(o.from.dom)
		inner := g.compose(o.from, []person{o.to}, nil, o.subject, oc, o.date, g.letterBody(oc, o.text, g.r.chance(0.2)))
		g.submit(inner, o.from, o.to.addr, o.date)
		g.deliver(inner, o.from, o.from.addr, o.to, o.date, true)
		raw := inner.appendTo(nil)
		name := strings.NewReplacer("/", "_", "\"", "", ":", "").Replace(o.subject) + ".eml"
		cte := "7bit"
		for _, c := range raw {
			if c >= 0x80 {
				cte = "8bit"
				break
			}
		}
		att := &part{ctype: "message/rfc822; name=\"" + encodeWord(name) + "\"", cte: cte,
			disp: "attachment; filename=\"" + encodeWord(name) + "\"", content: raw}
		if note == "" {
			note = pick(g.r, l.fyi)
		}
		body = &part{ctype: "multipart/mixed", boundary: g.boundary(base),
			children: []*part{g.textPart(note + "\n\n" + fwd.name + "\n"), att}}
	} else {
		text := inlineForward(base, l, note, o)
		body = g.letterBody(base, text, g.r.chance(g.cfg.AttachmentRate/2))
	}
	m := g.compose(fwd, []person{g.owner}, nil, subject, base, t, body)
	for i, f := range m.fields {
		if f.name == "Content-Language" {
			m.fields[i].value = l.tag
		}
	}
	g.submit(m, fwd, g.owner.addr, t)
	dt := g.deliver(m, fwd, fwd.addr, g.owner, t, true)
	return g.finish(m, Label{Platform: client, Lang: l.code}, fwd.addr, dt)
}

// fwdSubject is a near miss: a "Fwd:"-style subject and nothing else of a
// forward (a person typed the prefix, or trimmed the quoted part).
func (g *Generator) fwdSubject() generated {
	from := g.correspondent()
	client := g.clientFor(from.dom)
	l := langs[0]
	if g.r.chance(0.4) {
		l = pick(g.r, langs)
	}
	t := g.sentAt()
	subject := fwdPrefix(client, l) + " " + pick(g.r, topics)
	m := g.compose(from, []person{g.owner}, nil, subject, client, t, g.letterBody(client, g.letter(g.owner, from), g.r.chance(g.cfg.AttachmentRate)))
	g.submit(m, from, g.owner.addr, t)
	dt := g.deliver(m, from, from.addr, g.owner, t, true)
	return g.finish(m, Label{Lang: l.code}, from.addr, dt)
}

// localDate formats t as Outlook does in the "Sent:" line of language l.
func localDate(l lang, t time.Time) string {
	if l.days == nil {
		return t.Format("Monday, January 2, 2006 3:04 PM")
	}
	r := strings.NewReplacer(
		"{day}", l.days[t.Weekday()], "{d}", fmt.Sprint(t.Day()), "{month}", l.months[t.Month()-1],
		"{y}", fmt.Sprint(t.Year()), "{hm}", t.Format("15:04"))
	return r.Replace(l.dateFmt)
}
