package mailgen

import (
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

var wordDecoder mime.WordDecoder

// field is one header field; value may hold pre-folded "\n\t" breaks.
type field struct{ name, value string }

// message is a header in wire order plus an encoded body.
type message struct {
	fields []field
	body   []byte
}

func (m *message) add(name, value string) { m.fields = append(m.fields, field{name, value}) }

// prepend puts fs on top, as an MTA adding trace fields does.
func (m *message) prepend(fs ...field) {
	m.fields = append(append(make([]field, 0, len(fs)+len(m.fields)), fs...), m.fields...)
}

func (m *message) get(name string) string {
	for _, f := range m.fields {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// appendTo serialises m with LF line ends.
func (m *message) appendTo(dst []byte) []byte {
	for _, f := range m.fields {
		dst = appendField(dst, f)
	}
	dst = append(dst, '\n')
	return append(dst, m.body...)
}

// appendField writes "Name: value\n", folding values longer than 78
// columns before white space (RFC 5322 section 2.2.3) unless the value is
// folded already.
func appendField(dst []byte, f field) []byte {
	dst = append(dst, f.name...)
	dst = append(dst, ':', ' ')
	if strings.Contains(f.value, "\n") || len(f.name)+2+len(f.value) <= 78 {
		dst = append(dst, f.value...)
		return append(dst, '\n')
	}
	col := len(f.name) + 2
	v := f.value
	for len(v) > 0 {
		// Next token: up to (not including) the next space after position 0.
		i := strings.IndexByte(v[1:], ' ')
		tok := v
		if i >= 0 {
			tok = v[:i+1]
		}
		if col+len(tok) > 78 && col > len(f.name)+2 && tok[0] == ' ' {
			dst = append(dst, '\n')
			col = 0
		}
		dst = append(dst, tok...)
		col += len(tok)
		v = v[len(tok):]
	}
	return append(dst, '\n')
}

// encodeWord returns s as is when it is ASCII, else as RFC 2047 encoded
// words (Q encoding for mostly-ASCII text, B otherwise, as clients do).
func encodeWord(s string) string {
	ascii := true
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			n++
		}
	}
	if ascii {
		return s
	}
	if n*4 < len(s) {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return mime.BEncoding.Encode("utf-8", s)
}

// person is a correspondent.
type person struct {
	name string
	addr string
	dom  domain
}

func (p person) String() string {
	return (&mail.Address{Name: p.name, Address: p.addr}).String()
}

// plain is how clients show a correspondent in body text: the display
// name undecoded, then the address in angle brackets.
func (p person) plain() string {
	if p.name == "" {
		return p.addr
	}
	return p.name + " <" + p.addr + ">"
}

// asciiFold turns a display name into an address local part.
func asciiFold(s string) string {
	repl := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "ue", "ö", "oe", "ä", "ae",
		"ç", "c", "ğ", "g", "ı", "i", "ş", "s", "ñ", "n", "ł", "l", "ø", "o", "å", "a")
	return strings.ToLower(repl.Replace(s))
}

func addressList(ps []person) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// rfc5322Date formats t as mail clients do.
func rfc5322Date(t time.Time) string { return t.Format("Mon, 02 Jan 2006 15:04:05 -0700") }

// mtaDate is the Postfix style with the zone name in a comment.
func mtaDate(t time.Time) string { return t.Format("Mon, _2 Jan 2006 15:04:05 -0700 (MST)") }

// zoneFor returns a fixed time zone for a correspondent.
func (g *Generator) zone() *time.Location {
	z := pick(g.r, timeZones)
	return time.FixedZone(z.name, z.offset)
}

// messageID returns a Message-ID in the shape the sender's system uses.
func (g *Generator) messageID(p person, client string, t time.Time) string {
	g.idSeq++
	switch {
	case client == "gmail" || p.dom.style == styleGmail && client == "":
		return fmt.Sprintf("<CA%s%s+%s@mail.gmail.com>", g.r.upperAlnum(10), strings.ToUpper(g.r.hex(8)), g.r.upperAlnum(20)+fmt.Sprint(g.idSeq))
	case strings.HasPrefix(client, "outlook") || p.dom.style == styleExchange && client == "":
		host := fmt.Sprintf("%s%02dMB%04d", pick(g.r, []string{"AM9PR", "DB9PR", "PH0PR", "BN8PR", "VI1PR"}), g.r.IntN(20), g.r.IntN(10000))
		return fmt.Sprintf("<%s%s%d@%s.%s.prod.outlook.com>", host, strings.ToUpper(g.r.hex(12)), g.idSeq, host, pick(g.r, []string{"eurprd07", "namprd12", "eurprd04"}))
	case client == "thunderbird":
		return fmt.Sprintf("<%s-%d@%s>", g.r.uuid(false), g.idSeq, p.dom.name)
	case client == "apple-mail" || p.dom.style == styleApple:
		return fmt.Sprintf("<%s-%d@%s>", g.r.uuid(true), g.idSeq, p.dom.name)
	case client == "yahoo" || p.dom.style == styleYahoo:
		return fmt.Sprintf("<%d.%d.%d@mail.yahoo.com>", 1000000000+g.r.IntN(999999999), g.idSeq, g.r.IntN(1<<30))
	}
	return fmt.Sprintf("<%s.%d.%s@%s>", t.UTC().Format("20060102150405"), g.idSeq, g.r.hex(10), "mail."+p.dom.name)
}

// ip returns an address from the documentation ranges (RFC 5737).
func (g *Generator) ip() string {
	return fmt.Sprintf("%s.%d", pick(g.r, []string{"192.0.2", "198.51.100", "203.0.113"}), 1+g.r.IntN(254))
}

func (g *Generator) privateIP() string {
	return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

// postfixID is a Postfix long queue id.
func (g *Generator) postfixID() string {
	const set = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
	b := make([]byte, 15)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

// outHost returns the host that sends mail out of d and its address.
func (g *Generator) outHost(d domain) (host, ip string) {
	ip = g.ip()
	switch d.style {
	case styleGmail:
		return fmt.Sprintf("mail-%s%d-f%d.google.com", pick(g.r, []string{"ed", "wr", "lf", "pj", "qt"}), 1+g.r.IntN(3), 40+g.r.IntN(150)), ip
	case styleExchange:
		return fmt.Sprintf("mail-%s%02don%d.outbound.protection.outlook.com", pick(g.r, []string{"am6eur", "db8eur", "bn8nam", "dm6nam"}), 1+g.r.IntN(5), 2000+g.r.IntN(200)), ip
	case styleYahoo:
		return fmt.Sprintf("sonic%d-%d.consmr.mail.%s.yahoo.com", 300+g.r.IntN(30), g.r.IntN(50), pick(g.r, []string{"ne1", "gq1", "bf2"})), ip
	case styleApple:
		return fmt.Sprintf("st43p00im-zteg%d.me.com", 10000+g.r.IntN(90000)), ip
	}
	return fmt.Sprintf("%s.%s", pick(g.r, []string{"mail", "smtp", "mx-out", "relay"}), d.name), ip
}

// submit prepends the Received fields of the sender's own system.
func (g *Generator) submit(m *message, from person, rcpt string, t time.Time) {
	z := t.Location()
	switch from.dom.style {
	case styleGmail:
		m.prepend(field{"Received", fmt.Sprintf("by %s with SMTP id %s\n        for <%s>; %s",
			"mail-"+pick(g.r, []string{"ed1", "wr1", "lf1"})+"-f"+fmt.Sprint(40+g.r.IntN(150))+".google.com",
			fmt.Sprintf("%d-%s.%d", 2000+g.r.IntN(8000), g.r.hex(16), g.r.IntN(9)),
			rcpt, mtaDate(t.In(z)))})
	case styleExchange:
		h := fmt.Sprintf("%s%02dMB%04d.%s.prod.outlook.com", pick(g.r, []string{"AM9PR", "DB9PR", "PH0PR"}), g.r.IntN(20), g.r.IntN(10000), pick(g.r, []string{"eurprd07", "namprd12"}))
		m.prepend(field{"Received", fmt.Sprintf("from %s\n ([fe80::%s:%s]) by %s\n ([fe80::%s:%s%%4]) with mapi id 15.20.%d.%03d; %s",
			h, g.r.hex(4), g.r.hex(4), h, g.r.hex(4), g.r.hex(4), 8000+g.r.IntN(999), g.r.IntN(40), rfc5322Date(t.UTC()))})
	case styleYahoo:
		m.prepend(field{"Received", fmt.Sprintf("from sonic.gate.mail.ne1.yahoo.com by sonic%d.consmr.mail.ne1.yahoo.com with HTTP; %s", 300+g.r.IntN(30), rfc5322Date(t.UTC()))})
	default:
		m.prepend(field{"Received", fmt.Sprintf("from [%s] (unknown [%s])\n\t(Authenticated sender: %s)\n\tby smtp.%s (Postfix) with ESMTPSA id %s;\n\t%s",
			g.privateIP(), g.ip(), from.addr, from.dom.name, g.postfixID(), mtaDate(t.In(z)))})
	}
}

// deliver prepends the fields that the recipient's system adds: the
// receiving MX's Received, then (for Postfix/Dovecot systems and Gmail)
// Delivered-To, and Return-Path on final delivery.
func (g *Generator) deliver(m *message, from person, envFrom string, rcpt person, t time.Time, final bool) time.Time {
	t = t.Add(time.Duration(1+g.r.IntN(8)) * time.Second)
	host, ip := g.outHost(from.dom)
	var trace []field
	if final {
		trace = append(trace, field{"Return-Path", "<" + envFrom + ">"})
	}
	z := time.FixedZone("UTC", 0)
	if rcpt.dom.name == g.owner.dom.name {
		z = g.ownerZone
	}
	switch rcpt.dom.style {
	case styleGmail:
		trace = append(trace, field{"Delivered-To", rcpt.addr},
			field{"Received", fmt.Sprintf("by 2002:a05:%s:%s:b0:%s:%s with SMTP id %s;\n        %s",
				g.r.hex(4), g.r.hex(3), g.r.hex(3), g.r.hex(4), g.r.upperAlnum(6)+"csp"+fmt.Sprint(g.r.IntN(1e6)), mtaDate(t.In(z)))},
			field{"Received", fmt.Sprintf("from %s (%s. [%s])\n        by mx.google.com with ESMTPS id %s.%d\n        for <%s>\n        (Google Transport Security);\n        %s",
				host, host, ip, g.r.hex(16), g.r.IntN(9), rcpt.addr, mtaDate(t.In(z)))})
	case styleExchange:
		trace = append(trace, field{"Received", fmt.Sprintf("from %s (%s [%s]) by\n %s.mail.protection.outlook.com\n (10.167.%d.%d) with Microsoft SMTP Server (version=TLS1_3,\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.%d.%d; %s",
			host, host, ip, strings.ReplaceAll(rcpt.dom.name, ".", "-"), g.r.IntN(256), g.r.IntN(256), 8000+g.r.IntN(999), g.r.IntN(40), rfc5322Date(t.UTC()))})
	case styleExim:
		// Exim adds no Delivered-To; its local delivery writes Envelope-to
		// and Delivery-date (envelope_to_add, delivery_date_add), and a
		// redirect router sends the message on without either.
		if final {
			trace = append(trace, field{"Envelope-to", rcpt.addr}, field{"Delivery-date", rfc5322Date(t.In(z))})
		}
		trace = append(trace, field{"Received", fmt.Sprintf("from %s ([%s] helo=%s)\n\tby mx.%s with esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384\n\t(Exim 4.97)\n\t(envelope-from <%s>)\n\tid %s-%s-%s\n\tfor %s;\n\t%s",
			host, ip, host, rcpt.dom.name, envFrom, g.r.upperAlnum(6), g.r.upperAlnum(11), g.r.upperAlnum(4), rcpt.addr, rfc5322Date(t.In(z)))})
	default:
		lmtp := fmt.Sprintf("from mx%d.%s ([%s])\n\tby imap.%s with LMTP\n\tid %s\n\t(envelope-from <%s>)\n\tfor <%s>; %s",
			1+g.r.IntN(2), rcpt.dom.name, g.privateIP(), rcpt.dom.name, g.r.upperAlnum(22), envFrom, rcpt.addr, rfc5322Date(t.In(z)))
		trace = append(trace, field{"Delivered-To", rcpt.addr},
			field{"Received", lmtp},
			field{"Received", fmt.Sprintf("from %s (%s [%s])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits))\n\t(No client certificate requested)\n\tby mx%d.%s (Postfix) with ESMTPS id %s\n\tfor <%s>; %s",
				host, host, ip, 1+g.r.IntN(2), rcpt.dom.name, g.postfixID(), rcpt.addr, mtaDate(t.In(z)))})
	}
	if final {
		// Authentication-Results sits right under Return-Path.
		trace = append(trace[:1], append([]field{{"Authentication-Results", fmt.Sprintf("mx1.%s;\n\tdkim=pass header.d=%s header.s=%s;\n\tspf=pass (%s: domain of %s designates %s as permitted sender) smtp.mailfrom=%s",
			rcpt.dom.name, from.dom.name, pick(g.r, []string{"selector1", "s1", "google", "20230601", "default"}), rcpt.dom.name, envFrom, ip, envFrom)}}, trace[1:]...)...)
	}
	m.prepend(trace...)
	return t
}
