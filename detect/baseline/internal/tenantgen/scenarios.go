package tenantgen

import (
	"fmt"
	"time"
)

// Users that scenarios use (indices into the user list).
const (
	uTraveler   = 9  // NYC → London twice, Chicago, San Francisco
	uTraveler2  = 14 // NYC → Tokyo once (a first visit: new country)
	uNewPhone   = 7
	uSync       = 3
	uBind       = 8
	uNewApp     = 10
	uThrottled  = 11
	uBrute      = 12
	uDecoy      = 13
	uSAF        = 15
	uLegacy     = 20
	uNewCountry = 22
	uTravel     = 25
	uIMAP       = 1
)

// Rule ids the attacks are expected to raise (detect/baseline's).
const (
	ruleSync     = "mailtrip-access-sync-burst"
	ruleBind     = "mailtrip-access-bind-volume"
	ruleThrottle = "mailtrip-access-throttled"
	ruleNewApp   = "mailtrip-access-new-app"
	ruleDecoy    = "mailtrip-access-decoy-read"
	ruleIMAP     = "mailtrip-imap-download-volume"
	ruleSpray    = "mailtrip-signin-spray"
	ruleBrute    = "mailtrip-signin-bruteforce"
	ruleSAF      = "mailtrip-signin-success-after-failures"
	ruleLegacy   = "mailtrip-signin-legacy-protocol"
	ruleCountry  = "mailtrip-signin-new-country"
	ruleTravel   = "mailtrip-signin-impossible-travel"
)

// plan sets travel and the days scenarios write themselves.
func (g *gen) plan() {
	t := g.users[uTraveler]
	t.away = map[int]*place{1: hotelLON, 2: hotelLON, 9: ispCHI, 15: hotelLON, 16: hotelLON, 20: hotelSF, 21: hotelSF}
	g.users[uTraveler2].away = map[int]*place{22: hotelTYO, 23: hotelTYO}
	g.users[uNewCountry].skip = map[int]bool{21: true, 22: true}
	g.users[uTravel].skip = map[int]bool{23: true}
}

// benignSpecials writes the look-alikes that are not part of daily life.
func (g *gen) benignSpecials() {
	// A user's new phone: new device string, a new carrier address, and
	// the phone synchronising a few folders.
	u := g.users[uNewPhone]
	t := g.day0(17).Add(17 * time.Hour)
	host := 61000 + g.rng.IntN(4000)
	g.signIn(u, t, mobileUS, host, newPhone, 0, "", "B-new-phone")
	g.sync(u, t.Add(time.Minute), mobileUS, host, newPhone, folders[:4], "", "B-new-phone")
	for k := 0; k < 6; k++ {
		g.bind(u, t.Add(time.Duration(2+k*7)*time.Minute), mobileUS, host, newPhone, 2+g.rng.IntN(5), false, "", "B-new-phone")
	}
	// The Tokyo trip's user reads mail there too (part of the day plan).
}

func (g *gen) attack(id, rule, desc string) string {
	g.t.Attacks = append(g.t.Attacks, Attack{ID: id, Rule: rule, Desc: desc})
	return id
}

// attacks injects one attack of each kind, all after the first week.
func (g *gen) attacks() {
	// Sync burst: a session from a hosting provider syncs 34 folders.
	{
		id := g.attack("A01-sync-burst", ruleSync, "34 folders synchronised from a hosting provider within 25 minutes")
		u := g.users[uSync]
		t := g.day0(12).Add(3*time.Hour + 10*time.Minute)
		g.signIn(u, t, hostNL, 23, browser, 0, id, "")
		for i, f := range folders[:34] {
			g.syncIP(u.upn, t.Add(time.Duration(2*60+i*40)*time.Second), hostNL.addr(23), outlookDesktop, []string{f}, id, "")
		}
	}
	// Bind volume: a hijacked OWA session reads ~900 items in 50 minutes.
	{
		id := g.attack("A02-bind-volume", ruleBind, "about 900 items read through OWA from a new address in 50 minutes")
		u := g.users[uBind]
		t := g.day0(14).Add(6 * time.Hour)
		g.signIn(u, t, hostNL, 44, browser, 0, id, "")
		for k := 0; k < 30; k++ {
			g.bindIDs(u.upn, t.Add(time.Duration(60+k*100)*time.Second), hostNL.addr(44), browser, folders[k%12], 20+g.rng.IntN(21), nil, false, id, "")
		}
	}
	// New app: a consented OAuth app reads a little mail through Graph.
	{
		id := g.attack("A03-new-app", ruleNewApp, "an OAuth app never seen for the user reads ~40 items through Graph over 3 hours")
		u := g.users[uNewApp]
		app := device{"", "", "e9a7c3b1-5d2f-4a6e-8c0b-7f1e2d3c4b5a", "Mail Insights Pro", "Client=REST;Client=RESTSystem;;"}
		t := g.day0(16).Add(10 * time.Hour)
		for k := 0; k < 8; k++ {
			g.bindIDs(u.upn, t.Add(time.Duration(k*22)*time.Minute), hostNL.addr(61), app, folders[k%6], 3+g.rng.IntN(4), nil, false, id, "")
		}
	}
	// Throttled: bulk EWS reading throttles the audit.
	{
		id := g.attack("A04-throttled", ruleThrottle, "MailItemsAccessed records marked IsThrottled after bulk EWS reading")
		u := g.users[uThrottled]
		ews := device{"", "", "47629505-c2b6-4a80-adb1-9b3a3d233b7b", "", "Client=WebServices;ExchangeWebServicesProxy/CrossSite/EXCH/15.20.7249.024/python-requests/2.31.0;"}
		t := g.day0(18).Add(5 * time.Hour)
		for k := 0; k < 6; k++ {
			g.bindIDs(u.upn, t.Add(time.Duration(k*3)*time.Minute), hostNL.addr(70), ews, folders[k], 5, nil, true, id, "")
		}
	}
	// Decoy read: an insider opens a planted decoy from the office.
	{
		id := g.attack("A05-decoy-read", ruleDecoy, "a planted decoy's Message-ID appears in a Bind record")
		u := g.users[uDecoy]
		dec := Decoy{ID: "dcy-4kq7m2xw", Mailbox: u.upn, Folder: "\\Inbox\\Finance", MessageID: fmt.Sprintf("<payroll-q3.%x@mail.%s>", g.rng.Uint64(), domain)}
		g.t.Decoys = append(g.t.Decoys, dec)
		g.bindIDs(u.upn, g.day0(19).Add(14*time.Hour), office.addr(77), outlookDesktop, dec.Folder, 2, []string{dec.MessageID}, false, id, "")
	}
	// IMAP download: a session from abroad downloads 5200 messages.
	{
		id := g.attack("A06-imap-download", ruleIMAP, "an IMAP session downloads 5200 messages (880 MB)")
		u := g.users[uIMAP]
		g.imapSessionIP(u.local, g.day0(20).Add(3*time.Hour), ispNG.addr(7), 5200, 880<<20, id, "")
	}
	// Password spraying against 40 users through legacy IMAP (Entra).
	{
		id := g.attack("A07-spray-entra", ruleSpray, "40 users, one failure each, from one address in 40 minutes (IMAP4 ROPC)")
		spray := device{"BAV2ROPC", "IMAP4", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", ""}
		t := g.day0(13).Add(4 * time.Hour)
		for i := 0; i < 40; i++ {
			g.entra(si{g.users[i].upn, t.Add(time.Duration(i*60) * time.Second), hostVN, 15, spray, 50126, id, ""})
		}
	}
	// Brute force against one user (UAL UserLoginFailed).
	{
		id := g.attack("A08-bruteforce-ual", ruleBrute, "30 failed logins for one user in 45 minutes (UAL)")
		u := g.users[uBrute]
		t := g.day0(15).Add(7 * time.Hour)
		for k := 0; k < 30; k++ {
			g.ualFailed(u.upn, t.Add(time.Duration(k*90)*time.Second), hostRO.addr(9), "python-requests/2.31.0", id)
		}
	}
	// Success after failures.
	{
		id := g.attack("A09-success-after-failures", ruleSAF, "7 failures then a success from the same foreign address")
		u := g.users[uSAF]
		t := g.day0(17).Add(4*time.Hour + 30*time.Minute)
		for k := 0; k < 7; k++ {
			g.signIn(u, t.Add(time.Duration(k*45)*time.Second), ispNG, 30, browser, 50126, id, "")
		}
		g.signIn(u, t.Add(6*time.Minute), ispNG, 30, browser, 0, id, "")
	}
	// Legacy protocol: SMTP AUTH from a hosting provider.
	{
		id := g.attack("A10-legacy-protocol", ruleLegacy, "a successful Authenticated SMTP sign-in")
		smtp := device{"Python/3.11 smtplib", "Authenticated SMTP", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", ""}
		g.signIn(g.users[uLegacy], g.day0(21).Add(9*time.Hour), hostNL, 80, smtp, 0, id, "")
	}
	// New country: a sign-in from Brazil, reachable in time.
	{
		id := g.attack("A11-new-country", ruleCountry, "a sign-in from Brazil, a country the user never signed in from")
		g.signIn(g.users[uNewCountry], g.day0(22).Add(16*time.Hour), ispBR, 5, browser, 0, id, "")
	}
	// Impossible travel inside a known country: New York, then San Jose
	// 30 minutes later.
	{
		id := g.attack("A12-impossible-travel", ruleTravel, "New York, then San Jose 30 minutes later")
		u := g.users[uTravel]
		t := g.day0(23).Add(13*time.Hour + 30*time.Minute)
		g.signIn(u, t, u.home, u.homeHost, outlookDesktop, 0, "", "")
		g.signIn(u, t.Add(30*time.Minute), hostUSW, 8, browser, 0, id, "")
	}
	// Password spraying against Dovecot.
	{
		id := g.attack("A13-spray-dovecot", ruleSpray, "15 IMAP users, 2 attempts each, from one address in 30 minutes")
		t := g.day0(24).Add(5 * time.Hour)
		for i := 0; i < 15; i++ {
			g.imapFail(g.users[i*2].local, t.Add(time.Duration(i*2)*time.Minute), hostVN.addr(99), 2, id)
		}
	}
}
