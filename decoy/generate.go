package decoy

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"
)

// Breadcrumbs are the tokens a decoy carries. Empty fields are left out.
type Breadcrumbs struct {
	Links         []string // URLs to embed (http or https)
	ImageURL      string   // optional remote image (logo or pixel) in the HTML part
	Host          string   // DNS name, e.g. vpn-xxxx.canary.example
	CanaryAddress string   // mail address that alerts when written to
	CredUser      string
	CredPassword  string
	CredService   string // host name of the decoy service the credentials are for
	// MessageIDKey makes the Message-IDs of the conversation unique to
	// one decoy (pass its Message-ID token): two decoys generated from the
	// same Seed differ in their breadcrumbs and must not share a
	// Message-ID. "" derives them from Seed alone.
	MessageIDKey string
}

// Options select one decoy. The same Options give the same bytes.
type Options struct {
	Seed   int64
	Theme  string // "" = chosen by Seed
	Org    Org
	Crumbs Breadcrumbs
	// Now bounds dates from above (a decoy is never dated after it); the
	// zero value means Org.History.To. Generate never reads the clock.
	Now time.Time
}

// Decoy is a generated message.
type Decoy struct {
	Raw       []byte // RFC 5322 message with CRLF line ends
	MessageID string // with angle brackets, as in the header
	Subject   string
	From      string   // address of the sender
	To        []string // addresses of the To recipients
	Date      time.Time
	Theme     string
	Thread    int // messages in the conversation shown, this one included (1 = no quoted text)
}

// msg is one message of the conversation.
type msg struct {
	from     *persona
	to, cc   []*persona
	date     time.Time
	client   *client
	subject  string
	id       string
	paras    []string // expanded paragraphs; may hold link markers and '\n'
	greet    string
	signoff  string
	sig      []string // signature lines
	sigImage bool     // the HTML signature carries the remote image
	mobile   string
	banner   string
	attr     string // attribution line when this message is quoted by a prefix-quoting client
	sent     string // "Sent:" value when quoted by an Outlook client
}

func (p *persona) name() string { return p.Name }

func (p *persona) plain() string { return p.Name + " <" + p.Email + ">" }

func (p *persona) header() string { return (&mail.Address{Name: p.Name, Address: p.Email}).String() }

// composer holds the state of one Generate call.
type composer struct {
	r       *rand.Rand
	seed    int64
	org     Org
	ro      *roster
	loc     *time.Location
	theme   *theme
	crumbs  Breadcrumbs
	vars    map[string]string
	curLink int
	anchor  string
	msgs    []*msg
	discl   []string  // disclaimer paragraphs for this conversation, may be empty
	top     time.Time // date of the newest message
	sender  *persona
}

// Generate builds one decoy.
func Generate(opt Options) (*Decoy, error) {
	if err := opt.Org.Validate(); err != nil {
		return nil, err
	}
	if err := opt.Crumbs.validate(); err != nil {
		return nil, err
	}
	loc, _ := loadZone(opt.Org.TimeZone)
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0x6d61696c74726970))
	c := &composer{r: r, seed: opt.Seed, org: opt.Org, loc: loc, crumbs: opt.Crumbs, ro: rosterFor(opt.Org)}
	if opt.Theme == "" {
		c.theme = themes[r.IntN(len(themes))]
	} else if c.theme = themeByName(opt.Theme); c.theme == nil {
		return nil, fmt.Errorf("%w %q (have %s)", ErrUnknownTheme, opt.Theme, strings.Join(Themes(), ", "))
	}
	end := opt.Org.History.To
	if !opt.Now.IsZero() && opt.Now.Before(end) {
		end = opt.Now
	}
	if !end.After(opt.Org.History.From.Add(time.Hour)) {
		return nil, fmt.Errorf("%w: Now %v leaves no room in history", ErrInvalidOrg, opt.Now)
	}
	c.build(opt.Org.History.From, end)
	return c.write(), nil
}

func (b Breadcrumbs) validate() error {
	bad := func(what, v string) error { return fmt.Errorf("%w: %s %q", ErrInvalidCrumbs, what, v) }
	for _, l := range b.Links {
		if !crumbURL(l) {
			return bad("link", l)
		}
	}
	if b.ImageURL != "" && !crumbURL(b.ImageURL) {
		return bad("image URL", b.ImageURL)
	}
	if b.Host != "" && (!validHost(b.Host) || !strings.Contains(b.Host, ".")) {
		return bad("host", b.Host)
	}
	if b.CredService != "" && !validHost(b.CredService) {
		return bad("credential service", b.CredService)
	}
	if b.CanaryAddress != "" {
		a, err := mail.ParseAddress(b.CanaryAddress)
		if err != nil || a.Address != b.CanaryAddress || !crumbText(b.CanaryAddress) ||
			strings.ContainsAny(b.CanaryAddress, "\"\\()<>[],;:") {
			return bad("canary address", b.CanaryAddress)
		}
	}
	for _, v := range []string{b.CredUser, b.CredPassword} {
		if v != "" && (!crumbText(v) || len(v) > 200) {
			return bad("credential", v)
		}
	}
	return nil
}

// crumbURL accepts absolute http(s) URLs of printable ASCII without
// spaces, short enough to stay on one line of a 7bit part.
func crumbURL(s string) bool {
	if !(strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) || len(s) > 900 || len(s) < 10 {
		return false
	}
	return crumbText(s) && !strings.ContainsAny(s, " \"<>\\^`{|}")
}

// crumbText: printable ASCII without spaces, so it survives any encoding
// and every renderer intact.
func crumbText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

// build fills c.msgs: the conversation, oldest first.
func (c *composer) build(from, end time.Time) {
	r := c.r
	sender := c.person(c.theme.from, nil)
	rcpt := c.person(c.theme.to, []*persona{sender})
	third := c.person(append(append([]string(nil), c.theme.from...), c.theme.to...), []*persona{sender, rcpt})
	c.top = c.topDate(from, end)
	c.setVars(sender, rcpt, third)

	n := 1
	switch k := r.IntN(100); {
	case k < 30:
		n = 1
	case k < 60:
		n = 2
	case k < 82:
		n = 3
	case k < 94:
		n = 4
	default:
		n = 5
	}
	c.msgs = make([]*msg, n)
	t := c.top
	for i := n - 1; i >= 0; i-- {
		m := &msg{date: t, client: pickClient(r)}
		// The newest message goes from sender to recipient (the decoy
		// sits in the recipient's mailbox); earlier ones alternate, and
		// the third person sometimes chimes in.
		if (n-1-i)%2 == 0 {
			m.from, m.to = sender, []*persona{rcpt}
		} else {
			m.from, m.to = rcpt, []*persona{sender}
		}
		if i > 0 && i < n-1 && r.IntN(4) == 0 {
			m.from, m.to = third, []*persona{sender, rcpt}
		}
		if r.IntN(3) == 0 && m.from != third {
			m.cc = []*persona{third}
		}
		c.msgs[i] = m
		gap := time.Duration(4+r.IntN(60*26)) * time.Minute
		if r.IntN(4) == 0 {
			gap = time.Duration(2+r.IntN(50)) * time.Minute
		}
		t = t.Add(-gap)
		if t.Before(from) {
			t = from.Add(time.Duration(i) * time.Minute)
		}
	}
	// Subjects: the first sets the topic, replies prefix it.
	base := c.expandString(pick(r, c.theme.subjects))
	c.vars["subject"] = base
	idr := r
	if k := c.crumbs.MessageIDKey; k != "" {
		h := fnv.New64a()
		h.Write([]byte(k))
		idr = rand.New(rand.NewPCG(uint64(c.seed)^h.Sum64(), h.Sum64()))
	}
	for i, m := range c.msgs {
		m.subject = base
		if i > 0 {
			m.subject = replyPrefix(r, m.client) + base
		}
		m.id = m.client.msgID(idr, c)
	}
	if n > 1 && r.IntN(8) == 0 {
		c.msgs[n-1].subject = pick(r, []string{"FW: ", "Fwd: ", "FW: "}) + base
	}
	c.disclaimer()
	c.content()
	for i, m := range c.msgs {
		c.signature(m)
		if i+1 < n {
			if next := c.msgs[i+1].client; next.attrib != nil {
				m.attr = next.attrib(r, m)
			}
			m.sent = outlookSent(r, m.date)
		}
		m.sigImage = c.crumbs.ImageURL != "" && (i == n-1 || r.IntN(4) == 0)
	}
}

func replyPrefix(r *rand.Rand, cl *client) string {
	switch cl.quote {
	case quoteOutlook:
		return "RE: "
	}
	if r.IntN(5) == 0 {
		return "RE: "
	}
	return "Re: "
}

// person picks a persona from the first department in prefs that has one,
// never one of not.
func (c *composer) person(prefs []string, not []*persona) *persona {
	r := c.r
	taken := func(i int) bool {
		for _, p := range not {
			if p == &c.ro.people[i] {
				return true
			}
		}
		return false
	}
	for _, d := range prefs {
		if r.IntN(4) == 0 {
			continue // sometimes someone from elsewhere writes
		}
		ids := c.ro.byDept[d]
		for tries := 0; tries < 4 && len(ids) > 0; tries++ {
			if i := ids[r.IntN(len(ids))]; !taken(i) {
				return &c.ro.people[i]
			}
		}
	}
	for {
		if i := r.IntN(len(c.ro.people)); !taken(i) {
			return &c.ro.people[i]
		}
	}
}

// topDate picks the newest message's date inside [from, end): a working
// day and hour in the org's zone, spread over the history.
func (c *composer) topDate(from, end time.Time) time.Time {
	r := c.r
	span := end.Sub(from)
	lo := from.Add(span / 20) // leave room for the quoted thread
	if span < 72*time.Hour {
		lo = from.Add(span / 2)
	}
	for tries := 0; tries < 8; tries++ {
		t := lo.Add(time.Duration(r.Int64N(int64(end.Sub(lo)))))
		t = t.In(c.loc)
		wd := t.Weekday()
		if (wd == time.Saturday || wd == time.Sunday) && r.IntN(6) > 0 {
			continue
		}
		h := 7 + r.IntN(12)
		if r.IntN(12) == 0 {
			h = r.IntN(24)
		}
		t = time.Date(t.Year(), t.Month(), t.Day(), h, r.IntN(60), r.IntN(60), 0, c.loc)
		if !t.Before(lo) && t.Before(end.Add(-10*time.Minute)) {
			return t
		}
	}
	return lo.Add(time.Duration(r.Int64N(int64(end.Sub(lo) / 2)))).Truncate(time.Second).In(c.loc)
}
