package mailgen

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// kind is what the scheduler picks; thread replies are labelled normal.
type kind int

const (
	kindNormal kind = iota
	kindThread
	kindManual
	kindAuto
	kindRedirect
	kindList
	kindBounce
	kindAutoReply
	kindCalendar
	kindFwdSubject
	numKinds
)

func (m Mix) weights() [numKinds]float64 {
	return [numKinds]float64{m.Normal, m.Thread, m.ManualForward, m.AutoForward, m.Redirect,
		m.List, m.Bounce, m.AutoReply, m.Calendar, m.FwdSubject}
}

// blockSize is the schedule block when Messages is 0 (size-bounded runs):
// every block of this many messages holds the configured proportions.
const blockSize = 1000

// Generator produces the messages of one Config in order.
type Generator struct {
	cfg       Config
	r         *rng
	now       time.Time
	owner     person
	ownerZone *time.Location
	org       domain
	// colleagues share the owner's organisation (or, for a mailbox outside
	// it, the organisation whose mail is forwarded to it).
	colleagues []person
	externals  []person
	// source is the mailbox whose mail auto-forwards and redirects copy.
	source   person
	schedule []kind
	n        int
	bytes    int64
	idSeq    int
	scratch  []byte
	platform [2]int // round-robin positions over AutoPlatforms / RedirectPlatforms
	client   int    // round-robin position over manual-forward clients
	lang     int    // round-robin position over non-English languages
	threads  []threadState
}

// generated is one message with what the writers need besides the label.
type generated struct {
	raw     []byte
	label   Label
	envFrom string    // envelope sender for the mbox "From " line ("MAILER-DAEMON" for <>)
	date    time.Time // delivery time
}

// New returns a generator for cfg.
func New(cfg Config) *Generator {
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg, r: newRNG(cfg.Seed), now: cfg.Start}
	g.org = domainFor(cfg.OrgDomain)
	ownerDom := domainFor(cfg.Owner[strings.IndexByte(cfg.Owner, '@')+1:])
	g.owner = person{name: nameFromAddress(cfg.Owner), addr: cfg.Owner, dom: ownerDom}
	g.ownerZone = time.FixedZone("CET", 3600)
	for range 24 {
		g.colleagues = append(g.colleagues, g.newPerson(g.org))
	}
	for range 60 {
		var d domain
		if g.r.chance(0.6) {
			d = pick(g.r, companyDomains)
		} else {
			d = pick(g.r, freemailDomains)
		}
		g.externals = append(g.externals, g.newPerson(d))
	}
	if ownerDom.name != g.org.name {
		// The mailbox collects another person's mail: the source is in the
		// organisation.
		g.source = person{name: "Jordan Doe", addr: "j.doe@" + g.org.name, dom: g.org}
	} else {
		// Legitimate forwards into an ordinary mailbox: the shared mailbox
		// of an acquired company, in another domain so that every artifact,
		// Delivered-To chains included, is visible.
		d := domain{name: "litwareinc.com", style: styleExchange}
		if g.org.name == d.name {
			d.name = "litware-sales.com"
		}
		g.source = person{name: "Litware Sales", addr: "sales@" + d.name, dom: d}
	}
	return g
}

// domainFor returns the known domain named name, or a Postfix-style one.
func domainFor(name string) domain {
	name = strings.ToLower(name)
	for _, l := range [][]domain{companyDomains, freemailDomains} {
		for _, d := range l {
			if d.name == name {
				return d
			}
		}
	}
	return domain{name: name, style: stylePostfix}
}

func nameFromAddress(addr string) string {
	local := addr[:strings.IndexByte(addr, '@')]
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		if len(p) > 1 {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		} else {
			parts[i] = strings.ToUpper(p)
		}
	}
	return strings.Join(parts, " ")
}

func (g *Generator) newPerson(d domain) person {
	f, l := pick(g.r, firstNames), pick(g.r, lastNames)
	var local string
	switch g.r.IntN(3) {
	case 0:
		local = asciiFold(f) + "." + asciiFold(l)
	case 1:
		local = asciiFold(f[:1]) + asciiFold(l)
	default:
		local = asciiFold(f) + fmt.Sprint(g.r.IntN(100))
	}
	return person{name: f + " " + l, addr: local + "@" + d.name, dom: d}
}

// correspondent returns someone who writes to the owner.
func (g *Generator) correspondent() person {
	if g.r.chance(0.45) {
		return pick(g.r, g.colleagues)
	}
	return pick(g.r, g.externals)
}

// fillSchedule plans the next block of kinds: exact counts from the mix by
// largest remainder, shuffled.
func (g *Generator) fillSchedule() {
	n := blockSize
	if g.cfg.Messages > 0 {
		n = g.cfg.Messages
	}
	w := g.cfg.Mix.weights()
	var sum float64
	for _, x := range w {
		sum += max(x, 0)
	}
	counts := make([]int, numKinds)
	type rem struct {
		k kind
		f float64
	}
	var rems []rem
	total := 0
	for k, x := range w {
		exact := max(x, 0) / sum * float64(n)
		counts[k] = int(math.Floor(exact))
		total += counts[k]
		if x > 0 {
			rems = append(rems, rem{kind(k), exact - math.Floor(exact)})
		}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for i := 0; total < n && len(rems) > 0; i++ {
		counts[rems[i%len(rems)].k]++
		total++
	}
	g.schedule = g.schedule[:0]
	for k, c := range counts {
		for range c {
			g.schedule = append(g.schedule, kind(k))
		}
	}
	g.r.Shuffle(len(g.schedule), func(i, j int) { g.schedule[i], g.schedule[j] = g.schedule[j], g.schedule[i] })
}

// Counts returns how many messages of each class a Config with Messages
// set produces.
func Counts(cfg Config) map[string]int {
	g := New(cfg)
	g.fillSchedule()
	out := map[string]int{}
	for _, k := range g.schedule {
		out[k.class()]++
	}
	return out
}

func (k kind) class() string {
	switch k {
	case kindNormal, kindThread:
		return ClassNormal
	case kindManual:
		return ClassManualForward
	case kindAuto:
		return ClassAutoForward
	case kindRedirect:
		return ClassRedirect
	case kindList:
		return ClassNearMissList
	case kindBounce:
		return ClassNearMissBounce
	case kindAutoReply:
		return ClassNearMissAutoRepl
	case kindCalendar:
		return ClassNearMissCalendar
	case kindFwdSubject:
		return ClassNearMissFwdSubj
	}
	return ""
}

// Done reports whether the Config's message count or byte budget is used up.
func (g *Generator) Done() bool {
	if g.cfg.Messages > 0 && g.n >= g.cfg.Messages {
		return true
	}
	if g.cfg.MaxBytes > 0 && g.bytes >= g.cfg.MaxBytes {
		return true
	}
	return g.cfg.Messages <= 0 && g.cfg.MaxBytes <= 0
}

// Next returns the next message and its label. After Done it returns nil.
func (g *Generator) Next() ([]byte, Label) {
	if g.Done() {
		return nil, Label{}
	}
	m := g.next()
	return m.raw, m.label
}

func (g *Generator) next() generated {
	if len(g.schedule) == 0 {
		g.fillSchedule()
	}
	k := g.schedule[0]
	g.schedule = g.schedule[1:]
	// Mail arrives in bursts: mostly minutes apart, sometimes hours.
	gap := time.Duration(g.r.ExpFloat64() * float64(25*time.Minute))
	if g.r.chance(0.05) {
		gap += time.Duration(g.r.IntN(14)) * time.Hour
	}
	g.now = g.now.Add(gap.Truncate(time.Second) + time.Second)
	out := g.generate(k)
	g.n++
	g.bytes += int64(len(out.raw))
	return out
}

// Message generates one message of the given class (a Class* constant)
// outside the schedule.
func (g *Generator) Message(class string) ([]byte, Label) {
	k := kindNormal
	for i := range numKinds {
		if kind(i).class() == class && kind(i) != kindThread {
			k = kind(i)
			break
		}
	}
	g.now = g.now.Add(time.Duration(1+g.r.IntN(3600)) * time.Second)
	m := g.generate(k)
	return m.raw, m.label
}

func (g *Generator) generate(k kind) generated {
	var out generated
	switch k {
	case kindNormal:
		out = g.normal()
	case kindThread:
		out = g.reply()
	case kindManual:
		out = g.manualForward()
	case kindAuto:
		out = g.autoForward()
	case kindRedirect:
		out = g.redirect()
	case kindList:
		out = g.listMail()
	case kindBounce:
		out = g.bounce()
	case kindAutoReply:
		out = g.autoReply()
	case kindCalendar:
		out = g.calendar()
	case kindFwdSubject:
		out = g.fwdSubject()
	}
	out.label.Class = k.class()
	return out
}

// finish serialises m and fills in the label's Message-ID.
func (g *Generator) finish(m *message, l Label, envFrom string, t time.Time) generated {
	l.MessageID = m.get("Message-ID")
	if envFrom == "" {
		envFrom = "MAILER-DAEMON"
	}
	return generated{raw: m.appendTo(nil), label: l, envFrom: envFrom, date: t}
}
