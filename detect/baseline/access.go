package baseline

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
)

// accessWindow counts one (user, address, app) pair's Sync folders and
// Bind items over the last AccessWindow. An episode is a run of records
// less than AccessWindow apart; each rule alerts at most once per episode.
type accessWindow struct {
	app     string
	ip      netip.Addr
	entries []*access
	folders map[string]int
	bind    int
	last    time.Time

	mem              members
	maxSync, maxBind int
	syncAl, bindAl   *alert.Alert
}

// dayAgg gathers a user's throttled records of one UTC day.
type dayAgg struct {
	first *access
	mem   members
	apps  map[string]int
	ips   map[string]int
}

// clientFamily is the "Client=X" part of a ClientInfoString, the app key
// of records without an AppId.
func clientFamily(c string) string {
	c, _, _ = strings.Cut(c, ";")
	return strings.ToLower(c)
}

func (r *userRun) access(a *access) {
	opt := &r.d.opt
	p := r.p
	judging := r.judging(a.t)
	ipKey := ipString(a.ip)
	ipNew := judging && a.ip.IsValid() && !known(p.IPs, ipKey) && !r.d.trusted(a.ip)
	trustedApp := r.d.trustedApp(a.app)

	if a.throttled && !trustedApp {
		if r.throttled == nil {
			r.throttled = map[string]*dayAgg{}
		}
		day := a.t.UTC().Format(time.DateOnly)
		g := r.throttled[day]
		if g == nil {
			g = &dayAgg{first: a, apps: map[string]int{}, ips: map[string]int{}}
			r.throttled[day] = g
			r.expireAt(dayEnd(a.t))
		}
		g.mem.add(a.o, opt.MaxMembers)
		g.apps[orDash(a.app)]++
		g.ips[orDash(ipKey)]++
	}

	appNew := judging && a.api && a.app != "" && !known(p.Apps, a.app)
	if appNew && !trustedApp && !r.newApps[a.app] {
		if r.newApps == nil {
			r.newApps = map[string]bool{}
		}
		r.newApps[a.app] = true
		r.emit(r.newAppAlert(a, ipNew))
	}

	if !trustedApp {
		r.window(a, judging, ipNew, appNew)
	}

	p.touch(a.t)
	seen(&p.IPs, ipKey, a.t, maxIPs)
	if a.api && a.app != "" {
		seen(&p.Apps, a.app, a.t, maxSet)
	}
}

func (r *userRun) newAppAlert(a *access, ipNew bool) alert.Alert {
	al := newAlert(RuleNewApp, &a.base, a.app)
	al.Mailbox = a.mailbox
	al.Actor.UserAgent = a.client
	if ipNew {
		al.Rule.Level = alert.High
	}
	al.Summary = fmt.Sprintf("App %s read mail of %s through an API for the first time (from %s)", a.app, orDash(a.mailbox), orDash(ipString(a.ip)))
	al.Reasons = []string{
		fmt.Sprintf("MailItemsAccessed %s by app %s (client %q): no API app read this user's mail with that id in %d days of history (known apps: %s)",
			orDash(a.typ), a.app, a.client, r.historyDays(a.t), keyList(r.p.Apps, 5)),
	}
	if ipNew {
		al.Reasons = append(al.Reasons, fmt.Sprintf("the address %s is new for the user too", ipString(a.ip)))
	}
	al.Evidence = map[string]any{"AppId": a.app, "ClientInfoString": a.client, "MailAccessType": a.typ,
		"items": a.items, "known_apps": len(r.p.Apps)}
	return al
}

// window adds a record to its (address, app) window and raises the Sync
// burst and Bind volume alerts when the counts cross their thresholds.
func (r *userRun) window(a *access, judging, ipNew, appNew bool) {
	opt := &r.d.opt
	app := a.app
	if app == "" {
		app = clientFamily(a.client)
	}
	key := ipString(a.ip) + "|" + app
	if r.windows == nil {
		r.windows = map[string]*accessWindow{}
	}
	w := r.windows[key]
	if w == nil {
		w = &accessWindow{app: app, ip: a.ip, folders: map[string]int{}}
		r.windows[key] = w
	}
	if len(w.entries) > 0 && a.t.Sub(w.last) >= opt.AccessWindow {
		r.endEpisode(w)
	}
	drop := 0
	for _, old := range w.entries {
		if a.t.Sub(old.t) < opt.AccessWindow {
			break
		}
		drop++
		w.forget(old)
	}
	w.entries = append(w.entries[drop:], a)
	if a.t.After(w.last) {
		w.last = a.t
	}
	r.expireAt(a.t.Add(opt.AccessWindow))
	sync := strings.EqualFold(a.typ, "Sync")
	if sync {
		for _, f := range a.folders {
			w.folders[f]++
		}
	} else {
		w.bind += a.items
	}
	w.mem.add(a.o, opt.MaxMembers)
	nSync, nBind := len(w.folders), w.bind
	w.maxSync, w.maxBind = max(w.maxSync, nSync), max(w.maxBind, nBind)
	peak := r.p.Peaks[app]
	level := alert.Low // learning: nothing to compare with yet
	if judging {
		level = alert.Medium
		if ipNew || appNew {
			level = alert.High
		}
	}
	if w.syncAl == nil && sync && nSync >= opt.SyncMinFolders && float64(nSync) > opt.PeakFactor*float64(peak.SyncFolders) {
		al := r.burstAlert(RuleSyncBurst, a, w, level, ipNew, appNew, judging)
		al.Summary = fmt.Sprintf("%s synchronised %d folders of %s within %s from %s (%s)", orDash(a.user), nSync, orDash(a.mailbox), opt.AccessWindow, orDash(ipString(a.ip)), app)
		al.Reasons = append([]string{fmt.Sprintf("MailItemsAccessed Sync records for %d distinct folders within %s from one address and app (threshold %d); a Sync record means the whole folder was downloaded to the client",
			nSync, opt.AccessWindow, opt.SyncMinFolders)}, al.Reasons...)
		if peak.SyncFolders > 0 {
			al.Reasons = append(al.Reasons, fmt.Sprintf("this app's largest earlier burst for the user was %d folders", peak.SyncFolders))
		}
		al.Evidence["folders_in_window"] = nSync
		al.Evidence["folders"] = sortedKeys(w.folders, 50)
		w.syncAl = &al
	}
	if w.bindAl == nil && !sync && nBind >= opt.BindMinItems && float64(nBind) > opt.PeakFactor*float64(peak.BindItems) {
		al := r.burstAlert(RuleBindVolume, a, w, level, ipNew, appNew, judging)
		al.Summary = fmt.Sprintf("%s read %d items of %s within %s from %s (%s)", orDash(a.user), nBind, orDash(a.mailbox), opt.AccessWindow, orDash(ipString(a.ip)), app)
		al.Reasons = append([]string{fmt.Sprintf("MailItemsAccessed Bind records for %d items within %s from one address and app (threshold %d)",
			nBind, opt.AccessWindow, opt.BindMinItems)}, al.Reasons...)
		if peak.BindItems > 0 {
			al.Reasons = append(al.Reasons, fmt.Sprintf("this app's largest earlier hour for the user was %d items", peak.BindItems))
		}
		al.Evidence["items_in_window"] = nBind
		w.bindAl = &al
	}
}

func (w *accessWindow) forget(old *access) {
	if strings.EqualFold(old.typ, "Sync") {
		for _, f := range old.folders {
			if w.folders[f]--; w.folders[f] <= 0 {
				delete(w.folders, f)
			}
		}
	} else {
		w.bind -= old.items
	}
}

func (r *userRun) burstAlert(rule string, a *access, w *accessWindow, level alert.Level, ipNew, appNew, judging bool) alert.Alert {
	al := newAlert(rule, &a.base, w.app)
	al.Rule.Level = level
	al.Mailbox = a.mailbox
	al.Actor.UserAgent = a.client
	switch {
	case !judging:
		al.Reasons = append(al.Reasons, fmt.Sprintf("no baseline for the user yet (%d days, %d records of history): judged on the absolute threshold only", r.historyDays(a.t), r.p.Records))
	case ipNew:
		al.Reasons = append(al.Reasons, fmt.Sprintf("the address %s never accessed this user's mail or signed in before", ipString(a.ip)))
	}
	if appNew {
		al.Reasons = append(al.Reasons, fmt.Sprintf("app %s never read this user's mail before", a.app))
	}
	al.Evidence["app"] = w.app
	al.Evidence["AppId"] = a.app
	al.Evidence["ClientInfoString"] = a.client
	return al
}

// endEpisode emits the episode's alerts with their members and learns
// its peaks.
func (r *userRun) endEpisode(w *accessWindow) {
	r.dirty = true
	for _, al := range []*alert.Alert{w.syncAl, w.bindAl} {
		if al == nil {
			continue
		}
		w.mem.set(al)
		al.Evidence["episode_max_folders"] = w.maxSync
		al.Evidence["episode_max_items"] = w.maxBind
		r.emit(*al)
	}
	if r.p.Peaks == nil {
		r.p.Peaks = map[string]Peak{}
	}
	pk := r.p.Peaks[w.app]
	pk.SyncFolders = max(pk.SyncFolders, w.maxSync)
	pk.BindItems = max(pk.BindItems, w.maxBind)
	if pk != (Peak{}) {
		r.p.Peaks[w.app] = pk
	}
	if len(r.p.Peaks) > maxSet*4 {
		delete(r.p.Peaks, w.app) // a bound; should not happen with real apps
	}
	w.entries, w.folders, w.bind = w.entries[:0], map[string]int{}, 0
	w.mem, w.maxSync, w.maxBind, w.syncAl, w.bindAl = members{}, 0, 0, nil, nil
}

// advanceAccess closes the episodes whose last record is AccessWindow
// before t, and the throttled days that ended by t.
func (r *userRun) advanceAccess(t time.Time) {
	win := r.d.opt.AccessWindow
	for _, k := range sortedKeys(r.windows, len(r.windows)) {
		w := r.windows[k]
		if end := w.last.Add(win); t.Before(end) {
			r.expireAt(end)
			continue
		}
		r.endEpisode(w)
		delete(r.windows, k)
	}
	for _, day := range sortedKeys(r.throttled, len(r.throttled)) {
		g := r.throttled[day]
		if end := dayEnd(g.first.t); t.Before(end) {
			r.expireAt(end)
			continue
		}
		r.emit(throttledAlert(day, g))
		delete(r.throttled, day)
	}
}

// finishAccess closes every episode and throttled day.
func (r *userRun) finishAccess() {
	for _, k := range sortedKeys(r.windows, len(r.windows)) {
		r.endEpisode(r.windows[k])
	}
	for _, day := range sortedKeys(r.throttled, len(r.throttled)) {
		r.emit(throttledAlert(day, r.throttled[day]))
	}
	r.windows, r.throttled = nil, nil
}

// dayEnd is the next UTC midnight after t.
func dayEnd(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// throttledAlert: a user's throttled records of one UTC day.
func throttledAlert(day string, g *dayAgg) alert.Alert {
	a := g.first
	al := newAlert(RuleThrottled, &a.base, day)
	al.Mailbox = a.mailbox
	al.Actor.UserAgent = a.client
	al.Summary = fmt.Sprintf("Mailbox access by %s was throttled in audit on %s (%d throttled records)", orDash(a.user), day, g.mem.count)
	al.Reasons = []string{
		"MailItemsAccessed records marked IsThrottled: Exchange throttles this audit when one mailbox has more than 1000 MailItemsAccessed records in 24 hours, so bulk access happened and some of it was not logged",
		fmt.Sprintf("apps: %s; addresses: %s", countList(g.apps, 5), countList(g.ips, 5)),
	}
	al.Evidence = map[string]any{"IsThrottled": true, "day": day, "throttled_records": g.mem.count}
	g.mem.set(&al)
	return al
}

// session judges one IMAP/POP3 session's download against the user's
// earlier sessions.
func (r *userRun) session(s *session) {
	opt := &r.d.opt
	p := r.p
	if len(p.Sessions) >= opt.IMAPMinSessions {
		var reasons []string
		ev := map[string]any{}
		check := func(what string, v int64, ok bool, get func(Sample) int64, floor int64) {
			if !ok {
				return
			}
			var hist []float64
			for _, x := range p.Sessions {
				if h := get(x); h >= 0 {
					hist = append(hist, float64(h))
				}
			}
			if len(hist) < opt.IMAPMinSessions || v < floor {
				return
			}
			med, _ := medianMAD(hist)
			for i, h := range hist {
				hist[i] = math.Log1p(h)
			}
			lmed, lmad := medianMAD(hist)
			z := robustZ(math.Log1p(float64(v)), lmed, lmad)
			if float64(v) < opt.IMAPMinRatio*med || z < opt.IMAPMinScore {
				return
			}
			reasons = append(reasons, fmt.Sprintf("%s: %d, %.0f× the user's median of %.0f over %d earlier sessions (threshold %.0f×); robust z-score on a log scale %.1f (threshold %.0f); above the floor of %d",
				what, v, float64(v)/max(med, 1), med, len(hist), opt.IMAPMinRatio, z, opt.IMAPMinScore, floor))
			ev[what] = v
			ev[what+".median"] = med
			ev[what+".z"] = math.Round(z*10) / 10
		}
		check("messages", s.msgs, s.hasMsgs, func(x Sample) int64 { return x.Msgs }, opt.IMAPMinMessages)
		check("bytes", s.bytes, s.hasByte, func(x Sample) int64 { return x.Bytes }, opt.IMAPMinBytes)
		if len(reasons) > 0 {
			al := newAlert(RuleIMAPDownload, &s.base)
			if s.ip.IsValid() && !known(p.IPs, ipString(s.ip)) && !r.d.trusted(s.ip) {
				al.Rule.Level = alert.High
				reasons = append(reasons, fmt.Sprintf("from %s, an address the user never used before", ipString(s.ip)))
			}
			al.Summary = fmt.Sprintf("%s session of %s downloaded %d messages / %d bytes, far above the user's norm", orDash(s.proto), orDash(s.user), s.msgs, s.bytes)
			al.Reasons = reasons
			ev["process"] = s.proto
			al.Evidence = ev
			r.emit(al)
		}
	}
	smp := Sample{Msgs: -1, Bytes: -1}
	if s.hasMsgs {
		smp.Msgs = s.msgs
	}
	if s.hasByte {
		smp.Bytes = s.bytes
	}
	p.addSession(smp)
	p.touch(s.t)
	seen(&p.IPs, ipString(s.ip), s.t, maxIPs)
}

// keyList names up to n keys of a set, most recently seen first.
func keyList(m map[string]time.Time, n int) string {
	if len(m) == 0 {
		return "none"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if !m[ks[i]].Equal(m[ks[j]]) {
			return m[ks[i]].After(m[ks[j]])
		}
		return ks[i] < ks[j]
	})
	if len(ks) > n {
		return strings.Join(ks[:n], ", ") + fmt.Sprintf(" and %d more", len(ks)-n)
	}
	return strings.Join(ks, ", ")
}

// countList renders a count map, most frequent first.
func countList(m map[string]int, n int) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if m[ks[i]] != m[ks[j]] {
			return m[ks[i]] > m[ks[j]]
		}
		return ks[i] < ks[j]
	})
	var b strings.Builder
	for i, k := range ks {
		if i == n {
			fmt.Fprintf(&b, " and %d more", len(ks)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d)", k, m[k])
	}
	return b.String()
}

// sortedKeys returns up to n of m's keys in order.
func sortedKeys[V any](m map[string]V, n int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) > n {
		ks = ks[:n]
	}
	return ks
}
