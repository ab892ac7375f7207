package decoy

import (
	"strings"
)

// content writes the paragraphs of every message and places the
// breadcrumbs: most land in the newest message, some in quoted ones.
func (c *composer) content() {
	r := c.r
	n := len(c.msgs)
	extra := make([][]string, n)
	place := func(p string, topBias int) {
		i := n - 1
		if n > 1 && r.IntN(100) >= topBias {
			i = r.IntN(n)
		}
		extra[i] = append(extra[i], p)
	}
	b := c.crumbs
	for i := range b.Links {
		c.curLink = i
		c.anchor = pick(r, c.theme.pools["anchor"])
		t := "{linkline}"
		if i > 0 && r.IntN(2) == 0 {
			t = "{linkmore}"
		}
		place(c.expandString(t), 65)
	}
	c.anchor = ""
	if b.Host != "" {
		place(c.expandString("{hostline}"), 60)
	}
	switch {
	case b.CredUser != "" && b.CredPassword != "":
		place(c.expandString("{credboth}"), 70)
	case b.CredPassword != "":
		place(c.expandString("{credpass}"), 70)
	case b.CredUser != "":
		place(c.expandString("{creduser}"), 70)
	}
	if b.CanaryAddress != "" {
		place(c.expandString("{contact}"), 75)
	}
	for k := 0; k < 1+r.IntN(2); k++ {
		if k == 0 || r.IntN(2) == 0 {
			place(c.expandString(pick(r, c.theme.details)), 55)
		}
	}
	for i, m := range c.msgs {
		if r.IntN(100) < 85 {
			m.greet = c.expandString("{greet}")
		}
		if i == n-1 && r.IntN(7) == 0 {
			m.banner = c.expandString("{banner}")
		}
		var main string
		switch {
		case i == 0:
			main = pick(r, c.theme.opens)
		case r.IntN(10) < 7:
			main = pick(r, c.theme.replies)
		default:
			main = "{ack}"
		}
		m.paras = append(m.paras, c.expandString(main))
		ex := extra[i]
		r.Shuffle(len(ex), func(a, b int) { ex[a], ex[b] = ex[b], ex[a] })
		m.paras = append(m.paras, ex...)
		if r.IntN(10) < 3 {
			t := "{ack}"
			if i > 0 && r.IntN(2) == 0 {
				t = pick(r, c.theme.replies)
			}
			m.paras = append(m.paras, c.expandString(t))
		}
		if r.IntN(2) == 0 {
			if s := c.expandString("{closer}"); s != "" {
				m.paras = append(m.paras, s)
			}
		}
		m.signoff = c.expandString("{signoff}")
	}
}

// disclaimer sets the conversation's footer, or none.
func (c *composer) disclaimer() {
	r := c.r
	if r.IntN(100) < 35 {
		return
	}
	a, b, d := c.expandString("{discl1}"), c.expandString("{discl2}"), c.expandString("{discl3}")
	switch r.IntN(3) {
	case 0:
		c.discl = []string{join(" ", a, b, d)}
	case 1:
		c.discl = []string{a, join(" ", b, d)}
	default:
		c.discl = []string{join(" ", a, b)}
		if d != "" {
			c.discl = append(c.discl, d)
		}
	}
}

func join(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// signature sets m.sig: one of several real-world shapes.
func (c *composer) signature(m *msg) {
	r := c.r
	p := m.from
	off := c.ro.offices[p.office%len(c.ro.offices)]
	name := p.Name
	if p.cert != "" && r.IntN(2) == 0 {
		name += ", " + p.cert
	}
	if m.client.mobile && r.IntN(3) > 0 {
		m.mobile = c.expandString("{mobile}")
		switch r.IntN(3) {
		case 0:
			m.sig = []string{p.first}
		case 1:
			m.sig = []string{initials(p)}
		default:
			m.sig = []string{p.Name}
		}
		return
	}
	phone := func() string {
		lab := pick(r, []string{"T: ", "Tel ", "Phone: ", "O: ", "Direct: ", "d ", ""})
		s := lab + p.Phone
		if p.mobile != "" && r.IntN(2) == 0 {
			sep := pick(r, []string{"  ", " | ", "\n"})
			s += sep + pick(r, []string{"M: ", "Mobile: ", "Cell ", "m "}) + p.mobile
		}
		return s
	}
	addr := func() []string {
		city := off.city
		if off.region != "" {
			city += ", " + off.region
		}
		city += " " + off.postal
		switch r.IntN(4) {
		case 0:
			return []string{join(", ", off.street, off.suite), city}
		case 1:
			return []string{off.street, join(" · ", off.suite, off.city)}
		case 2:
			return []string{off.city + " office"}
		}
		return []string{join(" | ", off.street, off.city)}
	}
	org := c.org.Name
	switch k := r.IntN(8); k {
	case 0, 1:
		m.sig = []string{name, p.Title}
		if r.IntN(2) == 0 {
			m.sig = append(m.sig, p.Department)
		}
		m.sig = append(m.sig, org)
		m.sig = append(m.sig, strings.Split(phone(), "\n")...)
		if r.IntN(3) == 0 {
			m.sig = append(m.sig, addr()...)
		}
	case 2:
		m.sig = []string{name + pick(r, []string{" | ", " - ", " · "}) + p.Title, org + pick(r, []string{" | ", "  "}) + p.Phone}
	case 3:
		m.sig = []string{"-- ", p.first, p.Title + pick(r, []string{", ", " | ", " at "}) + org}
		if r.IntN(2) == 0 {
			m.sig = append(m.sig, strings.Split(phone(), "\n")...)
		}
	case 4:
		m.sig = []string{p.first}
	case 5:
		m.sig = []string{p.first, "", name, p.Title + " | " + p.Department}
		if r.IntN(2) == 0 {
			m.sig = append(m.sig, p.Email)
		}
		m.sig = append(m.sig, strings.Split(phone(), "\n")...)
	default:
		m.sig = []string{p.first}
		if r.IntN(2) == 0 {
			m.sig = []string{name, p.Title}
			if r.IntN(2) == 0 {
				m.sig = append(m.sig, addr()...)
			}
		}
	}
}

func initials(p *persona) string {
	s := ""
	for _, w := range []string{p.first, p.last} {
		if w != "" {
			s += strings.ToUpper(string([]rune(w)[:1]))
		}
	}
	return s
}
