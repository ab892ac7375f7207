package decoy

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// crumbsFor returns breadcrumbs unique to seed, shaped like the token
// package's (sub-id in path, query or host).
func crumbsFor(seed int64) Breadcrumbs {
	id := fmt.Sprintf("k%014x", uint64(seed)*0x9e3779b97f4a7c15>>8)
	return Breadcrumbs{
		Links: []string{
			"https://files.canary.example/s/" + id + "a/Q3-statement.pdf",
			"https://portal.canary.example/login?sid=" + id + "b&next=%2Fapprove&lang=en-US&ref=mail-" + id + "-long-parameter-to-force-wrapping",
		},
		ImageURL:      "https://cdn.canary.example/img/" + id + "c/logo.png?v=2",
		Host:          "vpn-" + id + ".canary.example",
		CanaryAddress: "ap.desk." + id + "@canary.example",
		CredUser:      "svc_" + id[:8],
		CredPassword:  "Wx!" + id[3:11] + "&<9",
		CredService:   "sso-" + id[5:9] + ".canary.example",
	}
}

// parsed is a decoy taken apart by the standard library.
type parsed struct {
	msg   *mail.Message
	texts []string // decoded text/plain parts
	htmls []string // decoded text/html parts
	atts  []string
}

func parse(t testing.TB, raw []byte) *parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, raw)
	}
	p := &parsed{msg: m}
	var walk func(ct string, cte string, disp string, r io.Reader)
	walk = func(ct, cte, disp string, r io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			n := 0
			for {
				part, err := mr.NextRawPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				n++
				walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-Disposition"), part)
			}
			if n == 0 {
				t.Fatalf("empty multipart")
			}
			return
		}
		switch strings.ToLower(cte) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		case "", "7bit", "8bit":
		default:
			t.Fatalf("transfer encoding %q", cte)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("decode %s (%s): %v", mt, cte, err)
		}
		switch {
		case strings.HasPrefix(disp, "attachment"):
			p.atts = append(p.atts, string(b))
		case mt == "text/plain":
			p.texts = append(p.texts, string(b))
		case mt == "text/html":
			p.htmls = append(p.htmls, string(b))
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body)
	if len(p.texts) != 1 || len(p.htmls) != 1 {
		t.Fatalf("want one text and one html part, have %d and %d", len(p.texts), len(p.htmls))
	}
	return p
}

var dateRE = regexp.MustCompile(`;\s*([^;]+)$`)
var hostRE = regexp.MustCompile(`(?:^|\s)(?:from|by)\s+([A-Za-z0-9.\-\[\]]+)`)

// checkDecoy verifies one decoy against everything Generate promises.
func checkDecoy(t testing.TB, opt Options, d *Decoy) {
	t.Helper()
	p := parse(t, d.Raw)
	h := p.msg.Header
	org := opt.Org
	loc, _ := time.LoadLocation(org.TimeZone)
	date, err := h.Date()
	if err != nil {
		t.Fatalf("Date: %v", err)
	}
	if !date.Equal(d.Date) {
		t.Fatalf("Date %v, Decoy.Date %v", date, d.Date)
	}
	if date.Before(org.History.From) || !date.Before(org.History.To) {
		t.Fatalf("Date %v outside history", date)
	}
	if _, off := date.Zone(); func() int { _, o := date.In(loc).Zone(); return o }() != off {
		t.Fatalf("Date %s: offset is not %s's", h.Get("Date"), org.TimeZone)
	}
	if !opt.Now.IsZero() && date.After(opt.Now) {
		t.Fatalf("Date after Now")
	}
	id := h.Get("Message-ID")
	if id != d.MessageID || !strings.HasPrefix(id, "<") || !strings.HasSuffix(strings.ToLower(id), strings.ToLower(org.Domain)+">") {
		t.Fatalf("Message-ID %q not in %s", id, org.Domain)
	}
	for _, a := range []string{"From", "To", "Cc", "Reply-To"} {
		if h.Get(a) == "" {
			continue
		}
		if _, err := h.AddressList(a); err != nil {
			t.Fatalf("%s %q: %v", a, h.Get(a), err)
		}
	}
	if _, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	rec := h["Received"]
	if len(rec) == 0 {
		t.Fatalf("no Received")
	}
	prev := date
	for i := len(rec) - 1; i >= 0; i-- {
		m := dateRE.FindStringSubmatch(rec[i])
		if m == nil {
			t.Fatalf("Received without date: %q", rec[i])
		}
		ht, err := mail.ParseDate(strings.TrimSpace(m[1]))
		if err != nil {
			t.Fatalf("Received date %q: %v", m[1], err)
		}
		if !ht.After(prev) {
			t.Fatalf("Received hop %q not after %v", rec[i], prev)
		}
		prev = ht
		for _, hm := range hostRE.FindAllStringSubmatch(rec[i][:strings.LastIndexByte(rec[i], ';')], -1) {
			host := hm[1]
			if strings.HasPrefix(host, "[") {
				continue // address literal
			}
			if !inDomain(host, org.Domain) {
				t.Fatalf("Received host %q not in %s: %q", host, org.Domain, rec[i])
			}
		}
	}
	if d.Thread > 1 && (h.Get("In-Reply-To") == "" || h.Get("References") == "") {
		t.Fatalf("thread of %d without In-Reply-To/References", d.Thread)
	}
	text, htm := p.texts[0], html.UnescapeString(p.htmls[0])
	c := opt.Crumbs
	must := func(what, v string, where ...string) {
		if v == "" {
			return
		}
		for _, w := range where {
			if strings.Contains(w, v) {
				return
			}
		}
		t.Fatalf("%s %q missing (theme %s, seed %d)\n%s", what, v, d.Theme, opt.Seed, d.Raw)
	}
	for _, l := range c.Links {
		must("link", l, text)
		must("link", l, htm)
		must("link (raw)", l, string(d.Raw))
	}
	must("image", c.ImageURL, htm)
	must("host", c.Host, text)
	must("canary", c.CanaryAddress, text)
	must("canary (raw)", c.CanaryAddress, string(d.Raw))
	must("user", c.CredUser, text)
	must("password", c.CredPassword, text)
	must("password (raw)", c.CredPassword, string(d.Raw))
	if c.CredUser != "" && c.CredPassword != "" {
		must("service", c.CredService, text)
	}
}

func TestGenerateMany(t *testing.T) {
	org := DefaultOrg()
	seen := map[string]int{}
	threads := map[int]int{}
	for seed := int64(1); seed <= 2000; seed++ {
		opt := Options{Seed: seed, Org: org, Crumbs: crumbsFor(seed)}
		if seed%3 == 0 {
			opt.Theme = Themes()[int(seed/3)%len(Themes())]
		}
		if seed%7 == 0 {
			opt.Crumbs.Links = opt.Crumbs.Links[:1]
			opt.Crumbs.ImageURL = ""
		}
		if seed%11 == 0 {
			opt.Crumbs.CredUser = ""
		}
		d, err := Generate(opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkDecoy(t, opt, d)
		seen[d.Theme]++
		threads[d.Thread]++
	}
	t.Logf("themes: %v; thread lengths: %v", seen, threads)
	for _, th := range Themes() {
		if seen[th] == 0 {
			t.Errorf("theme %s never generated", th)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for seed := int64(0); seed < 50; seed++ {
		opt := Options{Seed: seed, Org: DefaultOrg(), Crumbs: crumbsFor(seed)}
		a, err := Generate(opt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Generate(opt)
		if sha256.Sum256(a.Raw) != sha256.Sum256(b.Raw) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
		opt.Seed += 1000
		c, _ := Generate(opt)
		if bytes.Equal(a.Raw, c.Raw) {
			t.Fatalf("seeds %d and %d give the same bytes", seed, opt.Seed)
		}
	}
}

func TestThemesReachable(t *testing.T) {
	for i, th := range Themes() {
		t.Run(th, func(t *testing.T) {
			opt := Options{Seed: int64(i), Theme: th, Org: DefaultOrg(), Crumbs: crumbsFor(int64(i))}
			d, err := Generate(opt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Theme != th {
				t.Fatalf("theme %q, want %q", d.Theme, th)
			}
			checkDecoy(t, opt, d)
		})
	}
	if _, err := Generate(Options{Theme: "nope", Org: DefaultOrg()}); !errors.Is(err, ErrUnknownTheme) {
		t.Fatalf("unknown theme: %v", err)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultOrg().Validate(); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*Org)) Org { o := DefaultOrg(); f(&o); return o }
	cases := map[string]Org{
		"no name":        mod(func(o *Org) { o.Name = " " }),
		"bad domain":     mod(func(o *Org) { o.Domain = "not a domain" }),
		"no servers":     mod(func(o *Org) { o.MailServers = nil }),
		"foreign server": mod(func(o *Org) { o.MailServers = []string{"mx.example.net"} }),
		"empty history":  mod(func(o *Org) { o.History.To = o.History.From }),
		"bad zone":       mod(func(o *Org) { o.TimeZone = "Mars/Olympus" }),
		"no zone":        mod(func(o *Org) { o.TimeZone = "" }),
		"bad person":     mod(func(o *Org) { o.People = []Person{{Name: "A B", Email: "not an address"}} }),
		"bad department": mod(func(o *Org) { o.Departments = []string{""} }),
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if err := o.Validate(); !errors.Is(err, ErrInvalidOrg) {
				t.Fatalf("Validate = %v, want ErrInvalidOrg", err)
			}
			if _, err := Generate(Options{Org: o}); !errors.Is(err, ErrInvalidOrg) {
				t.Fatalf("Generate = %v, want ErrInvalidOrg", err)
			}
		})
	}
	bad := []Breadcrumbs{
		{Links: []string{"javascript:alert(1)"}}, {Links: []string{"https://a.example/x y"}},
		{Host: "bad host"}, {CanaryAddress: "Name <a@b.example>"}, {CredPassword: "pa ss"}, {CredUser: "a\nb"},
		{ImageURL: "ftp://x.example/a.png"},
	}
	for i, b := range bad {
		if _, err := Generate(Options{Org: DefaultOrg(), Crumbs: b}); !errors.Is(err, ErrInvalidCrumbs) {
			t.Errorf("crumbs %d: %v, want ErrInvalidCrumbs", i, err)
		}
	}
}

func TestOrgPeopleAndNow(t *testing.T) {
	o := DefaultOrg()
	o.Name, o.Domain = "Contoso Relay", "relay.example"
	o.MailServers = []string{"smtp.relay.example"}
	o.TimeZone = "Europe/Berlin"
	o.People = []Person{{Name: "Ana Ruiz", Email: "ana@relay.example", Department: "Finance"}}
	now := o.History.To.AddDate(0, -6, 0)
	for seed := int64(0); seed < 200; seed++ {
		opt := Options{Seed: seed, Org: o, Now: now, Crumbs: crumbsFor(seed)}
		d, err := Generate(opt)
		if err != nil {
			t.Fatal(err)
		}
		checkDecoy(t, opt, d)
	}
}

func BenchmarkGenerate(b *testing.B) {
	org := DefaultOrg()
	crumbs := crumbsFor(7)
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		n++
		if _, err := Generate(Options{Seed: n, Org: org, Crumbs: crumbs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decoys/s")
}

// BenchmarkGenerateParallel generates on every core at once, each
// goroutine with its own seeds: what `decoy generate` and planting jobs
// get on the machine, as generation shares nothing between decoys.
func BenchmarkGenerateParallel(b *testing.B) {
	org := DefaultOrg()
	crumbs := crumbsFor(7)
	b.ReportAllocs()
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Generate(Options{Seed: seq.Add(1), Org: org, Crumbs: crumbs}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decoys/s")
}
