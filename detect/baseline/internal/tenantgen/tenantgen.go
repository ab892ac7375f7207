// Package tenantgen generates a realistic Microsoft 365 / self-hosted
// mail tenant's audit logs for testing detect/baseline: users with homes,
// offices, a few devices and work hours; Entra ID sign-ins (Graph form,
// with location and ASN as Entra writes them), unified audit log
// MailItemsAccessed and UserLoginFailed records, and Dovecot IMAP logs
// (login, auth failures, logout counters) — as text, so the tests read
// them through the real logfmt readers and get exactly the Fields those
// produce.
//
// Weeks of normal activity carry benign look-alikes (typos, MFA prompts,
// a new phone, corporate VPN egress abroad, a backup app syncing whole
// mailboxes nightly, business travel at airliner speed, a power IMAP
// user), and attacks of every kind the detector covers are injected
// after the first week; every line of an attack is labelled with its
// [Attack] id. The output is deterministic for a seed.
package tenantgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Config sizes the tenant.
type Config struct {
	Seed  uint64
	Users int       // 60 by default
	Days  int       // 28 by default
	Start time.Time // a Monday, 00:00 UTC; 2024-03-04 by default
}

// Line is one log record as text.
type Line struct {
	Time   time.Time
	Text   string
	Attack string // Attack.ID, "" for normal activity
	Benign string // the benign look-alike it belongs to, if any
}

// Stream is one log file.
type Stream struct {
	Name   string // file name: ual.jsonl, signins.jsonl, dovecot.log
	Format string // ingest format: m365.ual, m365.signin, syslog
	Lines  []Line
}

// Attack is one injected attack and the rule expected to find it.
type Attack struct {
	ID, Rule, Desc string
}

// Decoy is a planted decoy message.
type Decoy struct {
	ID, Mailbox, Folder, MessageID string
}

// Tenant is the generated data.
type Tenant struct {
	Streams []*Stream
	Attacks []Attack
	Decoys  []Decoy
	Users   []string
}

type device struct {
	ua, client, appID, appName, info string
}

var (
	outlookDesktop = device{"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", "Mobile Apps and Desktop clients",
		"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office", "Client=MSExchangeRPC"}
	browser = device{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Browser",
		"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "Client=OWA;Action=ViaProxy"}
	phone = device{"Outlook-iOS/2.0", "Mobile Apps and Desktop clients",
		"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile", "Client=OutlookService;Outlook-iOS/2.0"}
	newPhone = device{"Outlook-iOS/2.0 (iPhone16,2; iOS 17.4)", "Mobile Apps and Desktop clients",
		"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile", "Client=OutlookService;Outlook-iOS/2.0"}
	crmApp    = device{"", "", "6f1b3c2a-8d4e-4f5a-9b7c-1e2d3f4a5b6c", "Contoso CRM Mail Sync", "Client=REST;Client=RESTSystem;;"}
	backupApp = device{"", "", "b4c7a1e2-0f3d-4e5b-8a6c-9d7e1f2a3b4c", "Vault Backup", "Client=WebServices;VaultBackupAgent/4.2;"}
)

var folders = []string{"\\Inbox", "\\Sent Items", "\\Drafts", "\\Archive", "\\Deleted Items", "\\Junk Email",
	"\\Inbox\\Projects", "\\Inbox\\Finance", "\\Inbox\\HR", "\\Inbox\\Customers", "\\Inbox\\Vendors", "\\Inbox\\Legal",
	"\\Inbox\\Board", "\\Inbox\\Payroll", "\\Archive\\2022", "\\Archive\\2023", "\\Archive\\2024", "\\Notes", "\\Outbox",
	"\\Conversation History", "\\RSS Feeds", "\\Inbox\\Travel", "\\Inbox\\Newsletters", "\\Inbox\\IT", "\\Inbox\\Sales",
	"\\Inbox\\Marketing", "\\Inbox\\Partners", "\\Inbox\\Contracts", "\\Inbox\\Invoices", "\\Inbox\\Tax", "\\Inbox\\Audit",
	"\\Inbox\\Security", "\\Inbox\\Recruiting", "\\Inbox\\Facilities", "\\Inbox\\Personal"}

var firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
	"olivia", "peggy", "rupert", "sybil", "trent", "uma", "victor", "wendy", "xavier", "yara", "zack", "amir", "bea", "chen",
	"dana", "eli", "fatima", "gus", "hana", "igor", "jane", "kofi", "lena", "marco", "nora", "omar", "priya", "quinn"}

const domain = "contoso.example"

type user struct {
	upn, local string
	home       *place
	homeHost   int
	tzOffset   int // hours to add to local time for UTC
	wfh        float64
	imap       bool
	power      bool // heavy IMAP user
	api        bool // uses the CRM app
	backup     bool
	vpnUser    bool
	imapMedian float64
	away       map[int]*place // day → where the user travels
	skip       map[int]bool   // days written by a scenario instead
}

type gen struct {
	cfg     Config
	rng     *rand.Rand
	t       *Tenant
	ual     *Stream
	signin  *Stream
	dovecot *Stream
	users   []*user
	seq     int
}

// Generate builds a tenant.
func Generate(cfg Config) *Tenant {
	if cfg.Users <= 0 {
		cfg.Users = 60
	}
	if cfg.Users < 45 {
		cfg.Users = 45 // the attacks need that many distinct users
	}
	if cfg.Days <= 0 {
		cfg.Days = 28
	}
	if cfg.Days < 28 {
		cfg.Days = 28 // the attacks are placed in weeks 2 to 4
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), t: &Tenant{}}
	g.ual = &Stream{Name: "ual.jsonl", Format: "m365.ual"}
	g.signin = &Stream{Name: "signins.jsonl", Format: "m365.signin"}
	g.dovecot = &Stream{Name: "dovecot.log", Format: "syslog"}
	g.t.Streams = []*Stream{g.ual, g.signin, g.dovecot}
	for i := 0; i < cfg.Users; i++ {
		u := &user{local: fmt.Sprintf("%s.%02d", firstNames[i%len(firstNames)], i)}
		u.upn = u.local + "@" + domain
		u.home, u.tzOffset = ispNYC, 5
		if g.rng.Float64() < 0.2 {
			u.home, u.tzOffset = ispCHI, 6
		}
		u.homeHost = g.rng.IntN(60000)
		u.wfh = 0.2 + 0.4*g.rng.Float64()
		u.imap = i%4 == 1
		u.power = i == 5
		u.api = i%5 == 2
		u.backup = i == 30 || i == 31 || i == 32
		u.vpnUser = i%6 == 4
		u.imapMedian = 15 + 40*g.rng.Float64()
		if u.power {
			u.imapMedian = 300
		}
		g.users = append(g.users, u)
		g.t.Users = append(g.t.Users, u.upn)
	}
	g.plan()
	for d := 0; d < cfg.Days; d++ {
		for _, u := range g.users {
			g.day(u, d)
		}
	}
	g.benignSpecials()
	g.attacks()
	for _, s := range g.t.Streams {
		sort.SliceStable(s.Lines, func(i, j int) bool { return s.Lines[i].Time.Before(s.Lines[j].Time) })
	}
	return g.t
}

func (g *gen) day0(d int) time.Time { return g.cfg.Start.AddDate(0, 0, d) }

// at is local hour h (fractional) of day d for u, in UTC.
func (g *gen) at(u *user, d int, h float64) time.Time {
	return g.day0(d).Add(time.Duration((h + float64(u.tzOffset)) * float64(time.Hour))).Truncate(time.Second)
}

func (g *gen) id() string {
	g.seq++
	r := g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(r), uint16(r>>32), g.seq%4096, uint16(r>>48)%4096, uint64(g.seq)*7919+r%1000)
}

// day writes one user's normal activity on day d.
func (g *gen) day(u *user, d int) {
	wd := g.day0(d).Weekday()
	weekend := wd == time.Saturday || wd == time.Sunday
	if weekend && g.rng.Float64() > 0.15 && u.away[d] == nil {
		if u.backup {
			g.backupRun(u, d)
		}
		return
	}
	if u.skip[d] {
		return
	}
	loc, host, tag := office, g.rng.IntN(200), ""
	if g.rng.Float64() < u.wfh || weekend {
		loc, host = u.home, u.homeHost
	}
	if u.vpnUser && g.rng.Float64() < 0.3 {
		loc, host, tag = vpn, g.rng.IntN(200), "B-vpn-egress"
	}
	mobLoc, mob := mobileUS, g.rng.IntN(60000)
	if p := u.away[d]; p != nil {
		loc, host, tag = p, g.rng.IntN(60000), "B-travel"
		mobLoc, mob = p, host
	}
	start := 7.5 + 1.5*g.rng.Float64()
	// Morning sign-ins: desktop, browser; occasional typo or MFA prompt.
	if g.rng.Float64() < 0.06 {
		for k := 0; k < 1+g.rng.IntN(2); k++ {
			g.signIn(u, g.at(u, d, start-0.02*float64(k+1)), loc, host, outlookDesktop, 50126, "", "B-typo")
		}
	}
	if g.rng.Float64() < 0.04 {
		g.signIn(u, g.at(u, d, start-0.01), loc, host, outlookDesktop, 50076, "", "B-mfa-prompt")
	}
	g.signIn(u, g.at(u, d, start), loc, host, outlookDesktop, 0, "", tag)
	if g.rng.Float64() < 0.6 {
		g.signIn(u, g.at(u, d, start+1+3*g.rng.Float64()), loc, host, browser, 0, "", tag)
	}
	g.signIn(u, g.at(u, d, start+0.5+8*g.rng.Float64()), mobLoc, mob, phone, 0, "", tag)

	// Mail access through the day.
	nb := 8 + g.rng.IntN(18)
	for k := 0; k < nb; k++ {
		h := start + 9*g.rng.Float64()
		dev, at, ah := outlookDesktop, loc, host
		switch x := g.rng.Float64(); {
		case x < 0.2:
			dev, at, ah = phone, mobLoc, mob
		case x < 0.3:
			dev = browser
		}
		g.bind(u, g.at(u, d, h), at, ah, dev, 1+g.rng.IntN(6), false, "", tag)
	}
	for k := 0; k < 1+g.rng.IntN(3); k++ {
		g.sync(u, g.at(u, d, start+0.01*float64(k)), loc, host, outlookDesktop, []string{folders[k]}, "", tag)
	}
	if u.api {
		for k := 0; k < 3+g.rng.IntN(8); k++ {
			g.bind(u, g.at(u, d, start+9*g.rng.Float64()), cloudUS, 10, crmApp, 1+g.rng.IntN(3), false, "", "")
		}
	}
	if u.backup {
		g.backupRun(u, d)
	}
	if u.imap {
		for k := 0; k < 3+g.rng.IntN(4); k++ {
			h := start + 9*g.rng.Float64()
			n := int64(math.Max(0, u.imapMedian*math.Exp(0.5*g.rng.NormFloat64())))
			if u.power {
				n = int64(u.imapMedian * math.Exp(1.1*g.rng.NormFloat64()))
			}
			btag := tag
			if u.power {
				btag = "B-power-imap-user"
			}
			g.imapSession(u, g.at(u, d, h), loc, host, n, int64(float64(n)*(30000+40000*g.rng.Float64())), "", btag)
		}
	}
}

// backupRun: the backup service syncs every folder at 02:00 UTC.
func (g *gen) backupRun(u *user, d int) {
	t := g.day0(d).Add(2*time.Hour + time.Duration(g.rng.IntN(600))*time.Second)
	for i, f := range folders[:30] {
		g.sync(u, t.Add(time.Duration(i*20)*time.Second), backupDC, 7, backupApp, []string{f}, "", "B-backup-app")
	}
}
