package baseline

import (
	"context"
	"fmt"
	"hash/maphash"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
)

// Name is the detector's stable name, part of every alert id it produces.
const Name = "baseline"

// nShards splits per-key state so concurrent Detect calls rarely wait on
// one another.
const nShards = 64

// Detector finds mailbox-access and sign-in anomalies (see the package
// doc). It is safe for concurrent use: Detect files each record under its
// user (and, for sign-ins, its source address) in sharded maps; Flush
// sorts each key's records by time and evaluates the rules.
type Detector struct {
	opt         Options
	trustedApps map[string]bool
	seed        maphash.Seed

	users [nShards]userShard
	ips   [nShards]ipShard
}

type userShard struct {
	mu sync.Mutex
	m  map[string]*userData
}

// userData holds one user's records until Flush.
type userData struct {
	user     string // as first seen
	signIns  []signIn
	access   []access
	sessions []session
	dropped  int
}

type ipShard struct {
	mu sync.Mutex
	m  map[netip.Addr]*ipData
}

// ipData holds one source address's sign-in attempts until Flush.
type ipData struct {
	attempts []signIn
	dropped  int
}

var (
	_ detect.Detector = (*Detector)(nil)
	_ detect.Flusher  = (*Detector)(nil)
)

// New returns a Detector with opt (zero fields defaulted).
func New(opt Options) *Detector {
	opt = opt.withDefaults()
	d := &Detector{opt: opt, trustedApps: map[string]bool{}, seed: maphash.MakeSeed()}
	for _, a := range opt.TrustedApps {
		d.trustedApps[strings.ToLower(strings.TrimSpace(a))] = true
	}
	for i := range d.users {
		d.users[i].m = map[string]*userData{}
		d.ips[i].m = map[netip.Addr]*ipData{}
	}
	return d
}

// Name returns "baseline".
func (d *Detector) Name() string { return Name }

// Detect files one log record. Decoy reads are reported at once; every
// other rule is evaluated by Flush, in time order. Records of kinds the
// detector does not cover are ignored; malformed ones never fail.
func (d *Detector) Detect(ctx context.Context, e *event.Event, emit detect.Emit) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if e == nil || e.Kind != event.KindLog || e.Fields == nil {
		return nil
	}
	kind, src := classify(e.Fields)
	switch kind {
	case recAccess:
		var hits []decoyHit
		var idsFn func(id, folder string)
		if d.opt.Decoys != nil {
			idsFn = func(id, folder string) {
				if h, ok := d.findDecoy(id, folder); ok {
					hits = append(hits, h)
				}
			}
		}
		a := observeAccess(e, idsFn)
		for _, h := range hits {
			emit(decoyAlert(&a, h))
		}
		if a.user == "" || a.t.IsZero() {
			return nil
		}
		d.withUser(a.user, func(u *userData) {
			if len(u.access) < d.opt.MaxRecordsPerKey {
				u.access = append(u.access, a)
			} else {
				u.dropped++
			}
		})
	case recSignIn:
		s := observeSignIn(e, src)
		if s.out == 0 || s.t.IsZero() || (s.user == "" && !s.ip.IsValid()) {
			return nil
		}
		d.locate(&s)
		if s.user != "" {
			d.withUser(s.user, func(u *userData) {
				if len(u.signIns) < d.opt.MaxRecordsPerKey {
					u.signIns = append(u.signIns, s)
				} else {
					u.dropped++
				}
			})
		}
		if s.ip.IsValid() && s.out != outInterrupted && !d.trusted(s.ip) {
			sh := &d.ips[d.shardIP(s.ip)]
			sh.mu.Lock()
			x := sh.m[s.ip]
			if x == nil {
				x = &ipData{}
				sh.m[s.ip] = x
			}
			if len(x.attempts) < d.opt.MaxRecordsPerKey {
				x.attempts = append(x.attempts, s)
			} else {
				x.dropped++
			}
			sh.mu.Unlock()
		}
	case recSession:
		s := observeSession(e)
		if s.user == "" || s.t.IsZero() || (!s.hasMsgs && !s.hasByte) {
			return nil
		}
		d.withUser(s.user, func(u *userData) {
			if len(u.sessions) < d.opt.MaxRecordsPerKey {
				u.sessions = append(u.sessions, s)
			} else {
				u.dropped++
			}
		})
	}
	return nil
}

// locate fills a sign-in's country, ASN and coordinates from Geo where
// the record has none.
func (d *Detector) locate(s *signIn) {
	if d.opt.Geo == nil || !s.ip.IsValid() || (s.loc.Country != "" && s.loc.ASN != 0 && s.loc.HasCoords) {
		return
	}
	g, ok := d.opt.Geo.Lookup(s.ip)
	if !ok {
		return
	}
	if s.loc.Country == "" {
		s.loc.Country = strings.ToUpper(g.Country)
	}
	if s.loc.ASN == 0 {
		s.loc.ASN, s.loc.Org = g.ASN, g.Org
	}
	if !s.loc.HasCoords && g.HasCoords {
		s.loc.Lat, s.loc.Lon, s.loc.HasCoords = g.Lat, g.Lon, true
	}
	s.hasLoc = s.loc.Country != "" || s.loc.ASN != 0
}

func (d *Detector) trusted(a netip.Addr) bool {
	for _, p := range d.opt.TrustedNetworks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (d *Detector) trustedApp(app string) bool {
	return app != "" && d.trustedApps[strings.ToLower(app)]
}

func (d *Detector) withUser(user string, f func(*userData)) {
	key := strings.ToLower(user)
	sh := &d.users[maphash.String(d.seed, key)%nShards]
	sh.mu.Lock()
	u := sh.m[key]
	if u == nil {
		u = &userData{user: user}
		sh.m[key] = u
	}
	f(u)
	sh.mu.Unlock()
}

func (d *Detector) shardIP(a netip.Addr) uint64 {
	b := a.As16()
	return maphash.Bytes(d.seed, b[:]) % nShards
}

// Flush evaluates every rule over the records filed since the last Flush,
// in time order per user and per source address, emits the findings, and
// saves each user's updated baseline through State. The detector is empty
// afterwards.
func (d *Detector) Flush(ctx context.Context, emit detect.Emit) error {
	users := map[string]*userData{}
	for i := range d.users {
		sh := &d.users[i]
		sh.mu.Lock()
		for k, u := range sh.m {
			users[k] = u
		}
		sh.m = map[string]*userData{}
		sh.mu.Unlock()
	}
	ips := map[netip.Addr]*ipData{}
	for i := range d.ips {
		sh := &d.ips[i]
		sh.mu.Lock()
		for k, x := range sh.m {
			ips[k] = x
		}
		sh.m = map[netip.Addr]*ipData{}
		sh.mu.Unlock()
	}

	keys := make([]string, 0, len(users))
	for k := range users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		u := users[k]
		p, err := loadProfile(ctx, d.opt.State, k)
		if err != nil {
			errs = append(errs, err)
			p = newProfile()
		}
		run := &userRun{d: d, p: p, key: k, emit: emit}
		run.evaluate(u)
		if p.Records > 0 {
			if err := saveProfile(ctx, d.opt.State, k, p, d.opt.Retention); err != nil {
				errs = append(errs, err)
			}
		}
	}

	addrs := make([]netip.Addr, 0, len(ips))
	for a := range ips {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	for _, a := range addrs {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		d.spray(a, ips[a], emit)
	}
	if len(errs) > 0 {
		return fmt.Errorf("baseline state: %w (and %d more)", errs[0], len(errs)-1)
	}
	return nil
}

// decoyHit is a planted decoy found among a record's message ids.
type decoyHit struct {
	id, decoy, mailbox, folder, accessFolder string
}

func (d *Detector) findDecoy(id, folder string) (decoyHit, bool) {
	try := []string{id}
	if t := strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"); t != id {
		try = append(try, t)
	} else {
		try = append(try, "<"+id+">")
	}
	for _, x := range try {
		if dec, mb, f, ok := d.opt.Decoys.DecoyForMessageID(x); ok {
			return decoyHit{id: id, decoy: dec, mailbox: mb, folder: f, accessFolder: folder}, true
		}
	}
	return decoyHit{}, false
}

// decoyAlert: a MailItemsAccessed record lists a decoy's Message-ID.
func decoyAlert(a *access, h decoyHit) alert.Alert {
	al := newAlert(RuleDecoyRead, &a.base, h.id)
	al.Mailbox = a.mailbox
	al.Folder = h.accessFolder
	al.MessageID = h.id
	al.Actor.UserAgent = a.client
	al.Decoy = &alert.Decoy{ID: h.decoy, Mailbox: h.mailbox, Folder: h.folder, Trigger: "audit/mailitemsaccessed"}
	how := "read"
	if strings.EqualFold(a.typ, "Sync") {
		how = "synchronised"
	}
	al.Summary = fmt.Sprintf("Decoy %s (%s) in %s was %s by %s from %s", h.decoy, h.id, orDash(h.mailbox), how, orDash(a.user), orDash(ipString(a.ip)))
	al.Reasons = []string{
		fmt.Sprintf("a MailItemsAccessed %s record lists Message-ID %s, which belongs to decoy %s planted in %s/%s; no one has a reason to open a decoy",
			orDash(a.typ), h.id, h.decoy, orDash(h.mailbox), orDash(h.folder)),
	}
	if a.api {
		al.Reasons = append(al.Reasons, fmt.Sprintf("read through an API (app %s, client %q)", orDash(a.app), a.client))
	}
	al.Evidence = map[string]any{
		"Operation": "MailItemsAccessed", "MailAccessType": a.typ, "InternetMessageId": h.id,
		"AppId": a.app, "ClientInfoString": a.client, "MailboxOwnerUPN": a.mailbox, "folder": h.accessFolder,
	}
	return al
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// IncrementalFlush marks the Detector as safe to flush periodically on a
// stream (scan --follow): each Flush evaluates the records that arrived
// since the last one against the users' profiles (kept in State).
func (d *Detector) IncrementalFlush() {}

var _ detect.IncrementalFlusher = (*Detector)(nil)
