package baseline

import (
	"context"
	"fmt"
	"hash/maphash"
	"net/netip"
	"strings"
	"sync"
	"time"

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
// user (and, for sign-ins, its source address) in sharded maps; Flush and
// FlushSome (flush.go) sort each key's records by time and evaluate the
// rules.
type Detector struct {
	opt         Options
	trustedApps map[string]bool
	seed        maphash.Seed

	users [nShards]userShard
	ips   [nShards]ipShard

	// flushMu serialises Flush and FlushSome; the runs below are theirs.
	flushMu sync.Mutex
	// runs carries each user's profile and open windows from one
	// FlushSome to the next (lower-case user → run); sprays does the
	// same for source addresses.
	runs   map[string]*userRun
	sprays map[netip.Addr]*sprayRun
}

type userShard struct {
	mu     sync.Mutex
	m      map[string]*userData
	newest time.Time // latest record time filed here, for the watermark
}

// userData holds one user's records until a flush judges them.
type userData struct {
	user     string // as first seen
	signIns  []signIn
	access   []access
	sessions []session
	dropped  int
}

type ipShard struct {
	mu     sync.Mutex
	m      map[netip.Addr]*ipData
	newest time.Time
}

// ipData holds one source address's sign-in attempts until a flush
// judges them.
type ipData struct {
	attempts []signIn
	dropped  int
}

var (
	_ detect.Detector           = (*Detector)(nil)
	_ detect.Flusher            = (*Detector)(nil)
	_ detect.IncrementalFlusher = (*Detector)(nil)
)

// New returns a Detector with opt (zero fields defaulted).
func New(opt Options) *Detector {
	opt = opt.withDefaults()
	d := &Detector{opt: opt, trustedApps: map[string]bool{}, seed: maphash.MakeSeed(),
		runs: map[string]*userRun{}, sprays: map[netip.Addr]*sprayRun{}}
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
// other rule is evaluated by Flush or FlushSome, in time order. Records of
// kinds the detector does not cover are ignored; malformed ones never
// fail.
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
		d.withUser(a.user, a.t, func(u *userData) {
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
			d.withUser(s.user, s.t, func(u *userData) {
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
			noteNewest(&sh.newest, s.t)
			sh.mu.Unlock()
		}
	case recSession:
		s := observeSession(e)
		if s.user == "" || s.t.IsZero() || (!s.hasMsgs && !s.hasByte) {
			return nil
		}
		d.withUser(s.user, s.t, func(u *userData) {
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

// withUser calls f with the records held for user, under its shard's
// lock, and notes t for the watermark.
func (d *Detector) withUser(user string, t time.Time, f func(*userData)) {
	key := strings.ToLower(user)
	sh := &d.users[maphash.String(d.seed, key)%nShards]
	sh.mu.Lock()
	u := sh.m[key]
	if u == nil {
		u = &userData{user: user}
		sh.m[key] = u
	}
	f(u)
	noteNewest(&sh.newest, t)
	sh.mu.Unlock()
}

// maxSkew is how far past the clock a record may be dated and still move
// the watermark: one record dated years ahead must not make every later
// FlushSome judge everything at once.
const maxSkew = 24 * time.Hour

func noteNewest(newest *time.Time, t time.Time) {
	if t.After(*newest) && t.Before(time.Now().Add(maxSkew)) {
		*newest = t
	}
}

func (d *Detector) shardIP(a netip.Addr) uint64 {
	b := a.As16()
	return maphash.Bytes(d.seed, b[:]) % nShards
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
