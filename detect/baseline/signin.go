package baseline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// legacyClients are Entra clientAppUsed values of legacy (basic)
// authentication, which cannot do MFA: everything but "Browser" and
// "Mobile Apps and Desktop clients"
// (https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins).
var legacyClients = map[string]bool{
	"imap4": true, "imap": true, "pop3": true, "pop": true, "authenticated smtp": true, "smtp": true,
	"exchange activesync": true, "other clients": true, "autodiscover": true,
	"exchange online powershell": true, "exchange web services": true, "mapi over http": true,
	"offline address book": true, "outlook anywhere (rpc over http)": true, "reporting web services": true,
}

// episode is a run of failures less than FailWindow apart.
type episode struct {
	mem   members
	al    *alert.Alert
	max   int
	total int
	ips   map[string]int
}

func (r *userRun) signIn(s *signIn) {
	switch s.out {
	case outFailure:
		r.failure(s)
	case outSuccess:
		r.success(s)
	}
}

func attempts(fs []signIn) int {
	n := 0
	for i := range fs {
		n += fs[i].attempts
	}
	return n
}

func (r *userRun) failure(s *signIn) {
	opt := &r.d.opt
	if len(r.fails) > 0 && s.t.Sub(r.fails[len(r.fails)-1].t) >= opt.FailWindow {
		r.endBrute()
	}
	drop := 0
	for drop < len(r.fails) && s.t.Sub(r.fails[drop].t) >= opt.FailWindow {
		drop++
	}
	clear(r.fails[:drop])
	r.fails = append(r.fails[drop:], *s)
	r.expireAt(s.t.Add(opt.FailWindow))
	if r.brute == nil {
		r.brute = &episode{ips: map[string]int{}}
	}
	ep := r.brute
	ep.mem.add(s.o, opt.MaxMembers)
	ep.total += s.attempts
	ep.ips[orDash(ipString(s.ip))] += s.attempts
	n := attempts(r.fails)
	ep.max = max(ep.max, n)
	if ep.al == nil && n >= opt.BruteMinFailures {
		al := newAlert(RuleBruteForce, &s.base)
		al.Summary = fmt.Sprintf("%d failed sign-ins for %s within %s", n, orDash(s.user), opt.FailWindow)
		al.Reasons = []string{fmt.Sprintf("%d failed password sign-ins for one user within %s (threshold %d); last one %s via %s",
			n, opt.FailWindow, opt.BruteMinFailures, orDash(s.code), s.source)}
		ep.al = &al
	}
	r.sinceSuccess = append(r.sinceSuccess, *s)
	if len(r.sinceSuccess) > 4*opt.MaxMembers {
		r.sinceSuccess = r.sinceSuccess[len(r.sinceSuccess)-opt.MaxMembers:]
	}
}

func (r *userRun) endBrute() {
	ep := r.brute
	r.brute = nil
	if ep == nil || ep.al == nil {
		return
	}
	al := ep.al
	ep.mem.set(al)
	al.Reasons = append(al.Reasons, fmt.Sprintf("%d failures in the whole episode, from %s", ep.total, countList(ep.ips, 5)))
	al.Evidence["failures"] = ep.total
	al.Evidence["max_in_window"] = ep.max
	al.Evidence["addresses"] = len(ep.ips)
	r.emit(*al)
}

func (r *userRun) finishSignIns() { r.endBrute() }

// advanceSignIns closes the brute-force episode when its last failure is
// FailWindow before t, and forgets the failures that are: no sign-in at
// t or later counts them.
func (r *userRun) advanceSignIns(t time.Time) {
	win := r.d.opt.FailWindow
	old := func(f *signIn) bool { return !t.Before(f.t.Add(win)) }
	if n := len(r.fails); n > 0 && old(&r.fails[n-1]) {
		r.endBrute()
	}
	drop := 0
	for drop < len(r.fails) && old(&r.fails[drop]) {
		drop++
	}
	r.fails = forget(r.fails, drop)
	drop = 0
	for drop < len(r.sinceSuccess) && old(&r.sinceSuccess[drop]) {
		drop++
	}
	r.sinceSuccess = forget(r.sinceSuccess, drop)
	if len(r.fails) > 0 {
		r.expireAt(r.fails[0].t.Add(win))
	}
	if len(r.sinceSuccess) > 0 {
		r.expireAt(r.sinceSuccess[0].t.Add(win))
	}
}

// forget drops the first n of fs, nil when none are left.
func forget(fs []signIn, n int) []signIn {
	if n == len(fs) {
		return nil
	}
	clear(fs[:n])
	return fs[n:]
}

func (r *userRun) success(s *signIn) {
	opt := &r.d.opt
	p := r.p
	trusted := s.ip.IsValid() && r.d.trusted(s.ip)
	judging := r.judging(s.t)
	ipKey := ipString(s.ip)

	// Success after failures.
	var recent []signIn
	for _, f := range r.sinceSuccess {
		if s.t.Sub(f.t) < opt.FailWindow && !f.t.After(s.t) {
			recent = append(recent, f)
		}
	}
	r.sinceSuccess = r.sinceSuccess[:0]
	if n := attempts(recent); n >= opt.SuccessMinFailures {
		al := newAlert(RuleSuccessAfterFailure, &s.base)
		ips := map[string]int{}
		var m members
		same := 0
		for _, f := range recent {
			ips[orDash(ipString(f.ip))] += f.attempts
			m.add(f.o, opt.MaxMembers)
			if f.ip == s.ip {
				same += f.attempts
			}
		}
		m.add(s.o, opt.MaxMembers)
		m.set(&al)
		al.Actor.UserAgent = s.ua
		al.Summary = fmt.Sprintf("%s signed in from %s after %d failed attempts within %s", orDash(s.user), orDash(ipKey), n, opt.FailWindow)
		al.Reasons = []string{
			fmt.Sprintf("%d failed password sign-ins (threshold %d) within %s before this success, from %s", n, opt.SuccessMinFailures, opt.FailWindow, countList(ips, 5)),
		}
		if same > 0 {
			al.Reasons = append(al.Reasons, fmt.Sprintf("%d of the failures came from the address that then succeeded", same))
		}
		al.Evidence = map[string]any{"failures": n, "addresses": len(ips), "source": s.source, "app": s.app}
		r.emit(al)
	}

	// Legacy protocol.
	client := strings.ToLower(s.client)
	if legacyClients[client] && !trusted && !known(p.Clients, client) && !r.legacy[client] {
		if r.legacy == nil {
			r.legacy = map[string]bool{}
		}
		r.legacy[client] = true
		al := newAlert(RuleLegacyProtocol, &s.base, client)
		al.Actor.UserAgent = s.ua
		al.Summary = fmt.Sprintf("%s signed in with legacy authentication (%s) from %s", orDash(s.user), s.client, orDash(ipKey))
		al.Reasons = []string{
			fmt.Sprintf("clientAppUsed %q is legacy (basic) authentication: a password alone, no MFA; attackers use it to get past MFA and for spraying", s.client),
			fmt.Sprintf("the user had not signed in with %s before (%d days of history)", s.client, r.historyDays(s.t)),
		}
		al.Evidence = map[string]any{"clientAppUsed": s.client, "appDisplayName": s.app, "userAgent": s.ua}
		r.emit(al)
	}

	// New country / ASN.
	c := s.loc.Country
	if c != "" && !trusted && judging && len(p.Countries) > 0 && !known(p.Countries, c) && !r.countries[c] {
		if r.countries == nil {
			r.countries = map[string]bool{}
		}
		r.countries[c] = true
		al := newAlert(RuleNewCountry, &s.base, c)
		al.Actor.UserAgent = s.ua
		al.Summary = fmt.Sprintf("%s signed in from %s, a country new for the user (%s)", orDash(s.user), c, orDash(ipKey))
		al.Reasons = []string{fmt.Sprintf("country %s not seen in %d days of the user's successful sign-ins (known: %s)", c, r.historyDays(s.t), keyList(p.Countries, 8))}
		if s.loc.ASN != 0 && !known(p.ASNs, asnKey(s.loc.ASN)) {
			al.Reasons = append(al.Reasons, fmt.Sprintf("the network AS%d %s is new for the user too", s.loc.ASN, s.loc.Org))
		}
		if s.ua != "" && !known(p.UserAgents, s.ua) {
			al.Reasons = append(al.Reasons, "with a user agent the user never signed in with")
		}
		al.Evidence = map[string]any{"country": c, "asn": s.loc.ASN, "known_countries": len(p.Countries), "userAgent": s.ua, "app": s.app}
		r.emit(al)
	} else if r.d.opt.NewASN && s.loc.ASN != 0 && c != "" && known(p.Countries, c) && !trusted && judging &&
		!known(p.ASNs, asnKey(s.loc.ASN)) && !r.asns[s.loc.ASN] {
		if r.asns == nil {
			r.asns = map[uint32]bool{}
		}
		r.asns[s.loc.ASN] = true
		al := newAlert(RuleNewASN, &s.base, asnKey(s.loc.ASN))
		al.Summary = fmt.Sprintf("%s signed in from AS%d %s, a network new for the user", orDash(s.user), s.loc.ASN, s.loc.Org)
		al.Reasons = []string{fmt.Sprintf("AS%d not seen in %d days of the user's sign-ins (known: %s)", s.loc.ASN, r.historyDays(s.t), keyList(p.ASNs, 8))}
		al.Evidence = map[string]any{"asn": s.loc.ASN, "country": c}
		r.emit(al)
	}

	// Impossible travel.
	if s.loc.HasCoords && !trusted && judging {
		if last := p.Last; last != nil && !s.t.Before(last.Time) && !p.knownPlace(s.loc.Lat, s.loc.Lon) {
			km := haversineKm(last.Lat, last.Lon, s.loc.Lat, s.loc.Lon)
			dt := s.t.Sub(last.Time)
			speed := math.Inf(1)
			if dt > 0 {
				speed = km / dt.Hours()
			}
			if km >= opt.MinTravelKm && speed > opt.MaxSpeedKmh {
				r.emit(r.travelAlert(s, last, km, dt, speed))
			}
		}
	}

	// Learn.
	p.touch(s.t)
	seen(&p.IPs, ipKey, s.t, maxIPs)
	if !trusted {
		seen(&p.Countries, c, s.t, maxSet)
		if s.loc.ASN != 0 {
			seen(&p.ASNs, asnKey(s.loc.ASN), s.t, maxSet)
		}
	}
	seen(&p.UserAgents, s.ua, s.t, maxSet)
	seen(&p.Clients, client, s.t, maxSet)
	if s.loc.HasCoords && !trusted {
		p.learnPlace(s.loc.Lat, s.loc.Lon, s.t)
		if p.Last == nil || !s.t.Before(p.Last.Time) {
			p.Last = &Fix{Time: s.t, Lat: s.loc.Lat, Lon: s.loc.Lon, IP: ipKey, Country: c}
		}
	}
}

func (r *userRun) travelAlert(s *signIn, last *Fix, km float64, dt time.Duration, speed float64) alert.Alert {
	al := newAlert(RuleImpossibleTravel, &s.base)
	al.Actor.UserAgent = s.ua
	sp := "at the same moment"
	if !math.IsInf(speed, 1) {
		sp = fmt.Sprintf("%.0f km/h", speed)
	}
	al.Summary = fmt.Sprintf("%s signed in from %s (%s) %s after signing in %.0f km away (%s): %s", orDash(s.user), orDash(ipString(s.ip)),
		orDash(s.loc.Country), dt.Round(time.Minute), km, orDash(last.Country), sp)
	al.Reasons = []string{
		fmt.Sprintf("successful sign-ins %.0f km apart %s apart imply %s, above %.0f km/h (threshold distance %.0f km)", km, dt.Round(time.Second), sp, r.d.opt.MaxSpeedKmh, r.d.opt.MinTravelKm),
		fmt.Sprintf("previous sign-in from %s (%s) at %s", orDash(last.IP), orDash(last.Country), last.Time.UTC().Format(time.RFC3339)),
		"the new location is not one the user signed in from before",
	}
	al.Evidence = map[string]any{"distance_km": math.Round(km), "seconds": dt.Seconds(), "previous_ip": last.IP, "previous_country": last.Country,
		"country": s.loc.Country, "latitude": s.loc.Lat, "longitude": s.loc.Lon}
	if !math.IsInf(speed, 1) {
		al.Evidence["speed_kmh"] = math.Round(speed)
	}
	return al
}

func asnKey(a uint32) string { return strconv.FormatUint(uint64(a), 10) }
