// Package rulegen generates a realistic Microsoft 365 tenant's unified
// audit log (Management Activity API records as JSON Lines) for testing
// detect/mailrules: about fifty users in one domain and a few in a second
// internal domain, weeks of sign-ins (UserLoggedIn) and of the changes
// people and admins really make — admins running Get-Mailbox, Set-Mailbox
// with ordinary settings or clearing forwarding, Get-InboxRule, disclaimer
// and internal journaling transport rules, FullAccess on a shared mailbox
// for a team member; users filing newsletters into a folder, moving a
// colleague's mail, marking a mailing list read, filing receipts into
// Archive, deleting a shop's spam, forwarding to a deputy inside the
// organisation (inbox rule or Set-Mailbox, later cleared), and sharing
// calendars and free/busy (LimitedDetails, FreeBusySimple, an assistant
// as Editor).
//
// After the first week attacks of every kind the detector covers are
// injected, each as one labelled record (plus, for most, the attacker's
// sign-in before it, labelled too): New-InboxRule forwarding and
// redirecting outside, hiding rules (RSS Feeds / Deleted Items, mark as
// read, finance words), a rule named only by punctuation, an Outlook
// UpdateInboxRules forward, Set-Mailbox ForwardingSmtpAddress outside with
// DeliverToMailboxAndForward, New-TransportRule BlindCopyTo outside,
// Add-MailboxPermission FullAccess to an unusual account, and
// Add-MailboxFolderPermission Reviewer / Owner for Default / Anonymous on
// the Inbox.
//
// Records have the field shapes of the real samples in
// ../shared/testdata/platform/m365/ (Parameters as [{Name, Value}],
// ClientIP with a port on admin-audit records, OperationProperties with
// RuleActions as a JSON string on UpdateInboxRules). The package does not
// import mailrules (the tests of that package import this one); the
// expected rule ids are spelt here. The output is deterministic for a
// seed.
package rulegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Rule ids of detect/mailrules expected to find the attacks.
const (
	RuleExternalForward   = "mailtrip-mailrule-external-forward"
	RuleHide              = "mailtrip-mailrule-hide"
	RuleMailboxForwarding = "mailtrip-mailbox-forwarding"
	RuleTransportCopy     = "mailtrip-transport-rule-copy"
	RuleMailboxPermission = "mailtrip-mailbox-permission"
)

// Config sizes the tenant.
type Config struct {
	Seed  uint64
	Users int       // 50 by default (a tenth of them in the second domain)
	Days  int       // 28 by default
	Start time.Time // 2024-03-04 00:00 UTC (a Monday) by default
}

// Line is one audit record as a JSON text.
type Line struct {
	Time   time.Time
	Text   string
	Attack string // Attack.ID; "" for normal activity
	Benign string // the kind of benign activity, e.g. "newsletter-rule"
}

// Attack is one injected attack and the rule expected to find it.
type Attack struct {
	ID, Rule, Desc string
}

// Tenant is the generated data.
type Tenant struct {
	Domains []string // the two internal domains
	Org     string   // OrganizationName, e.g. northwind.onmicrosoft.com
	Users   []string
	Lines   []Line
	Attacks []Attack
}

// Domains are the tenant's internal domains.
var Domains = []string{"northwind-traders.com", "nwt-labs.io"}

const orgName = "northwindtraders.onmicrosoft.com"

// WriteTo writes the records as JSON Lines.
func (t *Tenant) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, l := range t.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.WriteTo(w)
}

type user struct {
	upn, alias, name string
	office, home     string // IPv4 addresses
	browser          bool   // OWA rather than Outlook desktop
}

type gen struct {
	rng    *rand.Rand
	cfg    Config
	users  []*user
	admins []*user
	t      *Tenant
}

var firstNames = []string{"Anna", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Leo", "Maria", "Nils", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Uwe", "Vera", "Will", "Xenia", "Yusuf", "Zoe"}
var lastNames = []string{"Adler", "Berg", "Costa", "Dietz", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jansen", "Keller", "Lopez", "Meyer", "Novak", "Olsen", "Petrov", "Quinto", "Richter", "Silva", "Tanaka", "Ullrich", "Vogel", "Wagner", "Young", "Zimmer"}

// Generate builds a tenant.
func Generate(cfg Config) *Tenant {
	if cfg.Users <= 0 {
		cfg.Users = 50
	}
	if cfg.Days <= 0 {
		cfg.Days = 28
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x6d61696c72756c65)), cfg: cfg,
		t: &Tenant{Domains: append([]string(nil), Domains...), Org: orgName}}
	g.makeUsers()
	for d := 0; d < cfg.Days; d++ {
		g.day(d)
	}
	g.benign()
	g.attacks()
	sort.SliceStable(g.t.Lines, func(i, j int) bool { return g.t.Lines[i].Time.Before(g.t.Lines[j].Time) })
	return g.t
}

func (g *gen) makeUsers() {
	seen := map[string]bool{}
	second := g.cfg.Users / 10
	for len(g.users) < g.cfg.Users {
		f, l := firstNames[g.rng.IntN(len(firstNames))], lastNames[g.rng.IntN(len(lastNames))]
		alias := strings.ToLower(f + "." + l)
		if seen[alias] {
			continue
		}
		seen[alias] = true
		dom, office := Domains[0], fmt.Sprintf("198.51.100.%d", 10+g.rng.IntN(200))
		if len(g.users) < second {
			dom, office = Domains[1], fmt.Sprintf("192.0.2.%d", 10+g.rng.IntN(200))
		}
		u := &user{upn: alias + "@" + dom, alias: alias, name: f + " " + l, office: office,
			home:    fmt.Sprintf("%d.%d.%d.%d", 24+g.rng.IntN(70), g.rng.IntN(256), g.rng.IntN(256), 2+g.rng.IntN(250)),
			browser: g.rng.IntN(3) == 0}
		g.users = append(g.users, u)
		g.t.Users = append(g.t.Users, u.upn)
	}
	// Two admins in the main domain.
	for _, u := range g.users[second:] {
		if len(g.admins) == 2 {
			break
		}
		g.admins = append(g.admins, u)
	}
}

// at returns a time on day d between hours h0 and h1 (UTC).
func (g *gen) at(d, h0, h1 int) time.Time {
	return g.cfg.Start.Add(time.Duration(d)*24*time.Hour + time.Duration(h0)*time.Hour +
		time.Duration(g.rng.IntN((h1-h0)*3600))*time.Second)
}

func (g *gen) weekday(d int) bool {
	wd := g.cfg.Start.AddDate(0, 0, d).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

func (g *gen) uuid() string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.rng.Uint32(), g.rng.IntN(1<<16), 0x4000|g.rng.IntN(1<<12), 0x8000|g.rng.IntN(1<<14), g.rng.Uint64()&(1<<48-1))
}

func (g *gen) port() string { return fmt.Sprintf(":%d", 1024+g.rng.IntN(64000)) }

func (g *gen) emit(ts time.Time, rec map[string]any, attack, benign string) {
	rec["CreationTime"] = ts.UTC().Format("2006-01-02T15:04:05")
	rec["Id"] = g.uuid()
	rec["OrganizationId"] = "5b7e2c1a-0d3f-4e8b-9a61-2f4c8d9e0b17"
	rec["OrganizationName"] = orgName
	rec["Version"] = 1
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	g.t.Lines = append(g.t.Lines, Line{Time: ts, Text: string(b), Attack: attack, Benign: benign})
}

const (
	uaChrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	uaOutlook = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)"
	uaAttack  = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
)

// login is a UserLoggedIn record as Entra writes it to the audit log.
func (g *gen) login(ts time.Time, u *user, ip, ua, attack string) {
	g.emit(ts, map[string]any{
		"Operation": "UserLoggedIn", "RecordType": 15, "ResultStatus": "Success", "UserKey": g.uuid(), "UserType": 0,
		"Workload": "AzureActiveDirectory", "ClientIP": ip, "ObjectId": "00000002-0000-0ff1-ce00-000000000000", "UserId": u.upn,
		"AzureActiveDirectoryEventType": 1,
		"ExtendedProperties":            []any{nv("ResultStatusDetail", "Success"), nv("UserAgent", ua), nv("RequestType", "OAuth2:Authorize")},
		"ModifiedProperties":            []any{}, "ActorIpAddress": ip, "ApplicationId": "00000002-0000-0ff1-ce00-000000000000",
		"Actor": []any{map[string]any{"ID": g.uuid(), "Type": 0}, map[string]any{"ID": u.upn, "Type": 5}}, "ErrorNumber": "0",
	}, attack, "")
}

func nv(n, v string) map[string]any { return map[string]any{"Name": n, "Value": v} }

// cmdlet is an Exchange admin-audit record (RecordType 1) of a cmdlet run
// by actor from ip (a port is added, as Exchange writes it).
func (g *gen) cmdlet(ts time.Time, op, actor, objectID, ip, attack, benign string, params ...string) {
	ps := []any{}
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, nv(params[i], params[i+1]))
	}
	userType := 0
	for _, a := range g.admins {
		if a.upn == actor {
			userType = 2
		}
	}
	g.emit(ts, map[string]any{
		"Operation": op, "RecordType": 1, "ResultStatus": "True", "UserKey": fmt.Sprintf("10032%011X", g.rng.Uint64()&(1<<44-1)),
		"UserType": userType, "Workload": "Exchange", "ClientIP": ip + g.port(), "ObjectId": objectID, "UserId": actor,
		"AppId": "", "ClientAppId": "", "ExternalAccess": false, "SessionId": g.uuid(),
		"OriginatingServer": fmt.Sprintf("PH0PR14MB%04d (15.20.7452.028)", g.rng.IntN(10000)), "Parameters": ps,
	}, attack, benign)
}

// updateRules is an Outlook client's UpdateInboxRules record
// (RecordType 2, OperationProperties, RuleActions as a JSON string).
func (g *gen) updateRules(ts time.Time, u *user, ip, name, actions, condition, attack, benign string) {
	g.emit(ts, map[string]any{
		"Operation": "UpdateInboxRules", "RecordType": 2, "ResultStatus": "Succeeded", "UserKey": fmt.Sprintf("10032%011X", g.rng.Uint64()&(1<<44-1)),
		"UserType": 0, "Workload": "Exchange", "ClientIP": ip, "ClientIPAddress": ip, "UserId": u.upn, "MailboxOwnerUPN": u.upn,
		"ClientInfoString": "Client=MSExchangeRPC", "ClientProcessName": "OUTLOOK.EXE", "ClientVersion": "16.0.17328.20184",
		"ExternalAccess": false, "InternalLogonType": 0, "LogonType": 0, "MailboxGuid": g.uuid(),
		"OperationProperties": []any{nv("RuleOperation", "AddMailboxRule"), nv("RuleId", fmt.Sprintf("%d", 1e15+g.rng.Int64N(8e15))),
			nv("RuleName", name), nv("RuleCondition", condition), nv("RuleActions", actions), nv("RuleState", "Enabled"),
			nv("RuleSequence", fmt.Sprintf("%d", 10+g.rng.IntN(5)*10))},
		"Item": map[string]any{"ParentFolder": map[string]any{"Name": "Inbox", "Path": `\Inbox`}},
	}, attack, benign)
}

// folderAudit is a mailbox-audit ModifyFolderPermissions record.
func (g *gen) folderAudit(ts time.Time, u *user, ip, member, sid, rights, folder, benign string) {
	g.emit(ts, map[string]any{
		"Operation": "ModifyFolderPermissions", "RecordType": 2, "ResultStatus": "Succeeded", "UserType": 0, "Workload": "Exchange",
		"ClientIP": ip, "ClientIPAddress": ip, "UserId": u.upn, "MailboxOwnerUPN": u.upn, "AppId": "00000002-0000-0ff1-ce00-000000000000",
		"ClientInfoString": "Client=OWA;Action=ViaProxy", "ExternalAccess": false, "MailboxGuid": g.uuid(),
		"Item": map[string]any{"Id": g.uuid(), "ParentFolder": map[string]any{"MemberRights": rights, "MemberSid": sid, "MemberUpn": member,
			"Name": folder, "Path": `\` + folder}},
	}, "", benign)
}

func (u *user) ip(g *gen) string {
	if g.rng.IntN(4) == 0 {
		return u.home
	}
	return u.office
}

func (u *user) ua() string {
	if u.browser {
		return uaChrome
	}
	return uaOutlook
}

// day: sign-ins of every user on working days (and a few at weekends),
// and the admins' routine look-ups.
func (g *gen) day(d int) {
	for _, u := range g.users {
		n := 1 + g.rng.IntN(2)
		if !g.weekday(d) {
			if g.rng.IntN(8) != 0 {
				continue
			}
			n = 1
		}
		for i := 0; i < n; i++ {
			ip := u.ip(g)
			if !g.weekday(d) {
				ip = u.home
			}
			g.login(g.at(d, 7, 18), u, ip, u.ua(), "")
		}
	}
	if !g.weekday(d) {
		return
	}
	for _, a := range g.admins {
		for i := 0; i < 1+g.rng.IntN(3); i++ {
			v := g.users[g.rng.IntN(len(g.users))]
			g.cmdlet(g.at(d, 8, 17), "Get-Mailbox", a.upn, v.alias, a.office, "", "admin-get-mailbox", "Identity", v.upn)
		}
		if g.rng.IntN(3) == 0 {
			v := g.users[g.rng.IntN(len(g.users))]
			g.cmdlet(g.at(d, 8, 17), "Get-InboxRule", a.upn, v.alias, a.office, "", "admin-get-inboxrule", "Mailbox", v.upn)
		}
		if g.rng.IntN(3) == 0 {
			v := g.users[g.rng.IntN(len(g.users))]
			settings := [][]string{{"RetainDeletedItemsFor", "30.00:00:00"}, {"ProhibitSendQuota", "49.5 GB (53,150,220,288 bytes)"},
				{"LitigationHoldEnabled", "True"}, {"AuditEnabled", "True"}, {"MessageCopyForSentAsEnabled", "True"}, {"Type", "Regular"}}
			s := settings[g.rng.IntN(len(settings))]
			g.cmdlet(g.at(d, 8, 17), "Set-Mailbox", a.upn, v.alias, a.office, "", "admin-set-mailbox", "Identity", v.upn, s[0], s[1])
		}
	}
}

func (g *gen) pick() *user { return g.users[g.rng.IntN(len(g.users))] }

func (g *gen) other(u *user) *user {
	for {
		if v := g.pick(); v != u {
			return v
		}
	}
}

func (g *gen) workday() int {
	for {
		if d := g.rng.IntN(g.cfg.Days); g.weekday(d) {
			return d
		}
	}
}

// benign adds the look-alikes: rules, forwarding and delegations people
// and admins make in any tenant.
func (g *gen) benign() {
	newsletters := []string{"newsletter@hbr.org", "news@techcrunch.com", "digest@medium.com", "noreply@linkedin.com", "updates@github.com"}
	lists := []string{"[all-staff]", "[eng-announce]", "[social]", "[it-status]"}
	projects := []string{"Projects", "Team", "Clients", "Reports", "Travel"}
	for _, u := range g.users {
		inbox := func(benign string, params ...string) {
			g.cmdlet(g.at(g.workday(), 8, 18), "New-InboxRule", u.upn, u.upn+`\`+params[1], u.ip(g), "", benign,
				append(params, "Mailbox", u.upn, "StopProcessingRules", "True")...)
		}
		if g.rng.IntN(2) == 0 {
			from := newsletters[g.rng.IntN(len(newsletters))]
			if g.rng.IntN(3) == 0 {
				g.updateRules(g.at(g.workday(), 8, 18), u, u.office, "Newsletters",
					`[{"ActionType":"MoveToFolder","FolderName":"Newsletters"}]`, `From: `+from, "", "newsletter-rule-outlook")
			} else {
				inbox("newsletter-rule", "Name", "Newsletters", "From", from, "MoveToFolder", `:\Newsletters`)
			}
		}
		if g.rng.IntN(3) == 0 {
			v := g.other(u)
			inbox("colleague-rule", "Name", "From "+v.name, "From", v.upn, "MoveToFolder", `:\`+projects[g.rng.IntN(len(projects))])
		}
		if g.rng.IntN(3) == 0 {
			inbox("mailing-list-read", "Name", "Mailing list", "SubjectContainsWords", lists[g.rng.IntN(len(lists))], "MarkAsRead", "True", "MoveToFolder", `:\Lists`)
		}
		if g.rng.IntN(10) == 0 { // low: filing into Archive is a hiding folder
			inbox("archive-receipts", "Name", "Receipts", "From", "receipts@uber.com", "MoveToFolder", `:\Archive`)
		}
		if g.rng.IntN(12) == 0 { // low: deletes a shop's mail
			inbox("delete-shop-spam", "Name", "Shop spam", "FromAddressContainsWords", "deals.shop.example", "DeleteMessage", "True")
		}
		if g.rng.IntN(4) == 0 { // calendar sharing: reads no mail
			v := g.other(u)
			g.cmdlet(g.at(g.workday(), 8, 18), "Add-MailboxFolderPermission", u.upn, u.upn+`:\Calendar`, u.ip(g), "", "calendar-limiteddetails",
				"Identity", u.upn+`:\Calendar`, "User", v.upn, "AccessRights", "LimitedDetails")
		}
		if g.rng.IntN(8) == 0 {
			g.folderAudit(g.at(g.workday(), 8, 18), u, u.office, "Everyone", "S-1-1-0", "FreeBusySimple", "Inbox", "everyone-freebusy")
		}
		if g.rng.IntN(8) == 0 {
			g.cmdlet(g.at(g.workday(), 8, 18), "Set-MailboxFolderPermission", u.upn, u.upn+`:\Calendar`, u.ip(g), "", "calendar-default-freebusy",
				"Identity", u.upn+`:\Calendar`, "User", "Default", "AccessRights", "FreeBusySimple")
		}
	}
	// Holiday cover: forwarding to a deputy inside the organisation (also
	// across the two internal domains), by rule or by Set-Mailbox, later
	// cleared.
	for i := 0; i < 4+g.rng.IntN(3); i++ {
		u := g.pick()
		v := g.other(u)
		d := g.workday()
		if i%2 == 0 {
			g.cmdlet(g.at(d, 8, 18), "New-InboxRule", u.upn, u.upn+`\Holiday cover`, u.ip(g), "", "deputy-forward-rule",
				"Name", "Holiday cover", "ForwardTo", fmt.Sprintf(`"%s" [SMTP:%s]`, v.name, v.upn), "Mailbox", u.upn)
		} else {
			g.cmdlet(g.at(d, 8, 18), "Set-Mailbox", u.upn, u.alias, u.ip(g), "", "deputy-forward-mailbox",
				"Identity", u.upn, "ForwardingSmtpAddress", "smtp:"+v.upn, "DeliverToMailboxAndForward", "True")
			if d+7 < g.cfg.Days {
				a := g.admins[g.rng.IntN(len(g.admins))]
				g.cmdlet(g.at(d+7, 8, 18), "Set-Mailbox", a.upn, u.alias, a.office, "", "admin-clear-forwarding",
					"Identity", u.upn, "ForwardingSmtpAddress", "$null", "ForwardingAddress", "")
			}
		}
	}
	// An assistant as Editor on the manager's Inbox: low by design.
	for i := 0; i < 1+g.rng.IntN(2); i++ {
		u := g.pick()
		v := g.other(u)
		g.cmdlet(g.at(g.workday(), 8, 18), "Add-MailboxFolderPermission", u.upn, u.upn+`:\Inbox`, u.ip(g), "", "assistant-editor",
			"Identity", u.upn+`:\Inbox`, "User", v.upn, "AccessRights", "Editor")
	}
	// Admins: transport rules that stay inside, and FullAccess on a shared
	// mailbox for a team member (medium by design: the detector cannot
	// tell a shared mailbox from a person's).
	a := g.admins[0]
	g.cmdlet(g.at(g.workday(), 8, 18), "New-TransportRule", a.upn, "External disclaimer", a.office, "", "transport-disclaimer",
		"Name", "External disclaimer", "ApplyHtmlDisclaimerText", "<p>This message was sent from outside Northwind.</p>", "FromScope", "NotInOrganization")
	g.cmdlet(g.at(g.workday(), 8, 18), "New-TransportRule", a.upn, "Legal journaling", a.office, "", "transport-journal-internal",
		"Name", "Legal journaling", "BlindCopyTo", "legal-archive@"+Domains[0], "SentToScope", "InOrganization", "SubjectContainsWords", "contract")
	for i := 0; i < 1+g.rng.IntN(2); i++ {
		v := g.pick()
		g.cmdlet(g.at(g.workday(), 8, 18), "Add-MailboxPermission", a.upn, "finance-shared", a.office, "", "shared-mailbox-fullaccess",
			"Identity", "finance-shared@"+Domains[0], "User", v.upn, "AccessRights", "FullAccess", "InheritanceType", "All")
	}
}

// attackerIPs are the networks attacks come from.
var attackerIPs = []string{"185.220.101.%d", "45.137.21.%d", "103.251.167.%d", "91.219.236.%d", "193.32.162.%d"}

var dropDomains = []string{"proton.me", "gmail.com", "outlook.com", "mail.ru", "invoices-portal.example"}

func (g *gen) attacks() {
	first := 7
	day := func() int {
		for {
			if d := first + g.rng.IntN(g.cfg.Days-first); g.weekday(d) || g.rng.IntN(3) == 0 {
				return d
			}
		}
	}
	ip := func() string { return fmt.Sprintf(attackerIPs[g.rng.IntN(len(attackerIPs))], 2+g.rng.IntN(250)) }
	drop := func() string {
		return fmt.Sprintf("%s%d@%s", []string{"acct", "billing", "j.doe", "records", "sync"}[g.rng.IntN(5)], g.rng.IntN(100), dropDomains[g.rng.IntN(len(dropDomains))])
	}
	victim := func() *user {
		for {
			if u := g.pick(); u != g.admins[0] && u != g.admins[1] {
				return u
			}
		}
	}
	add := func(id, rule, desc string) string {
		g.t.Attacks = append(g.t.Attacks, Attack{ID: id, Rule: rule, Desc: desc})
		return id
	}
	// userAttack: the attacker signs in as the victim, then runs the cmdlet.
	userAttack := func(id, rule, desc, op string, params func(u *user) []string) {
		u, src, d := victim(), ip(), day()
		add(id, rule, desc)
		ts := g.at(d, 0, 23)
		g.login(ts, u, src, uaAttack, id)
		ps := params(u)
		obj := ps[1]
		if op == "New-InboxRule" {
			obj = u.upn + `\` + obj
		}
		g.cmdlet(ts.Add(time.Duration(2+g.rng.IntN(10))*time.Minute), op, u.upn, obj, src, id, "", ps...)
	}
	userAttack("fwd-external", RuleExternalForward, "New-InboxRule forwarding every message to an external address", "New-InboxRule",
		func(u *user) []string {
			return []string{"Name", "Sync", "ForwardTo", drop(), "Mailbox", u.upn}
		})
	userAttack("redirect-external", RuleExternalForward, "New-InboxRule redirecting finance mail to an external address", "New-InboxRule",
		func(u *user) []string {
			return []string{"Name", "Accounts", "RedirectTo", fmt.Sprintf(`"Accounts" [SMTP:%s]`, drop()), "SubjectOrBodyContainsWords", "invoice;remittance", "Mailbox", u.upn}
		})
	userAttack("hide-rss-finance", RuleHide, "New-InboxRule moving invoice/payment mail to RSS Feeds, marked read", "New-InboxRule",
		func(u *user) []string {
			return []string{"Name", "Updates", "SubjectOrBodyContainsWords", "invoice;payment;wire", "MoveToFolder", `:\RSS Feeds`, "MarkAsRead", "True", "StopProcessingRules", "True", "Mailbox", u.upn}
		})
	userAttack("hide-deleted-finance", RuleHide, "New-InboxRule moving bank mail to Deleted Items, marked read", "New-InboxRule",
		func(u *user) []string {
			return []string{"Name", "Cleanup", "FromAddressContainsWords", "bank", "SubjectContainsWords", "payment;transfer", "MoveToFolder", `:\Deleted Items`, "MarkAsRead", "True", "Mailbox", u.upn}
		})
	userAttack("punct-name", RuleHide, "New-InboxRule named \"..\" deleting security warnings", "New-InboxRule",
		func(u *user) []string {
			return []string{"Name", "..", "SubjectOrBodyContainsWords", "suspicious;compromised;hacked", "DeleteMessage", "True", "Mailbox", u.upn}
		})
	userAttack("set-mailbox-forward", RuleMailboxForwarding, "Set-Mailbox ForwardingSmtpAddress to an external address, keeping a copy", "Set-Mailbox",
		func(u *user) []string {
			return []string{"Identity", u.upn, "ForwardingSmtpAddress", "smtp:" + drop(), "DeliverToMailboxAndForward", "True"}
		})
	{ // Outlook client rule: UpdateInboxRules forward to external.
		u, src, d := victim(), ip(), day()
		id := add("updateinboxrules-forward", RuleExternalForward, "Outlook UpdateInboxRules rule forwarding to an external address")
		ts := g.at(d, 0, 23)
		g.login(ts, u, src, uaOutlook, id)
		g.updateRules(ts.Add(5*time.Minute), u, src, "Copy", fmt.Sprintf(`[{"ActionType":"Forward","Recipients":["%s"]}]`, drop()), "", id, "")
	}
	// Admin-level: a compromised admin account from the attacker's network.
	admin := g.admins[g.rng.IntN(len(g.admins))]
	adminAttack := func(id, rule, desc, op, objectID string, params ...string) {
		src, d := ip(), day()
		add(id, rule, desc)
		ts := g.at(d, 0, 23)
		g.login(ts, admin, src, uaAttack, id)
		g.cmdlet(ts.Add(time.Duration(3+g.rng.IntN(20))*time.Minute), op, admin.upn, objectID, src, id, "", params...)
	}
	adminAttack("transport-bcc", RuleTransportCopy, "New-TransportRule BlindCopyTo an external address", "New-TransportRule", "Compliance Journal",
		"Name", "Compliance Journal", "BlindCopyTo", drop(), "SentToScope", "NotInOrganization", "Priority", "0")
	ceo := victim()
	adminAttack("fullaccess-unusual", RuleMailboxPermission, "Add-MailboxPermission FullAccess on an executive's mailbox to an unusual service account, AutoMapping off",
		"Add-MailboxPermission", ceo.alias,
		"Identity", ceo.upn, "User", fmt.Sprintf("svc-mailsync%02d", g.rng.IntN(100)), "AccessRights", "FullAccess", "InheritanceType", "All", "AutoMapping", "False")
	userAttack("folder-default-reviewer", RuleMailboxPermission, "Add-MailboxFolderPermission Reviewer for Default on the Inbox", "Add-MailboxFolderPermission",
		func(u *user) []string {
			return []string{"Identity", u.upn + `:\Inbox`, "User", "Default", "AccessRights", "Reviewer"}
		})
	userAttack("folder-anonymous-owner", RuleMailboxPermission, "Add-MailboxFolderPermission Owner for Anonymous on the Inbox", "Add-MailboxFolderPermission",
		func(u *user) []string {
			return []string{"Identity", u.upn + `:\Inbox`, "User", "Anonymous", "AccessRights", "Owner"}
		})
}
