package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/detect/baseline"
	"github.com/mailtrip/mailtrip/detect/baseline/geoip"
	"github.com/mailtrip/mailtrip/detect/mailrules"
	"github.com/mailtrip/mailtrip/detect/planted"
	"github.com/mailtrip/mailtrip/store"
	"github.com/mailtrip/mailtrip/tripwire"
)

// decoyIndex answers the log detectors' questions about planted decoys:
// which decoy a Message-ID in an audit record is, and whether a mailbox
// (an account as audit logs name it) holds decoys.
type decoyIndex struct {
	reg    *planted.Registry
	byUser map[string]*planted.Decoy // lower-cased account or local part → a decoy planted there
}

var (
	_ baseline.Decoys  = (*decoyIndex)(nil)
	_ mailrules.Decoys = mailrulesDecoys{}
)

func newDecoyIndex(reg *planted.Registry) *decoyIndex {
	x := &decoyIndex{reg: reg, byUser: map[string]*planted.Decoy{}}
	if reg == nil {
		return x
	}
	for _, d := range reg.Decoys() {
		for _, p := range d.Places {
			for _, u := range placeAccounts(p) {
				if _, ok := x.byUser[u]; !ok {
					x.byUser[u] = d
				}
			}
		}
	}
	return x
}

// placeAccounts names the account a planting's mailbox belongs to: the
// user of an IMAP URL, or the home or mail-spool directory's owner.
func placeAccounts(p planted.Place) []string {
	var out []string
	if u, err := url.Parse(p.Target); err == nil && (u.Scheme == "imap" || u.Scheme == "imaps") && u.User != nil {
		name := strings.ToLower(u.User.Username())
		out = append(out, name)
		if local, _, ok := strings.Cut(name, "@"); ok {
			out = append(out, local)
		}
		return out
	}
	parts := strings.Split(filepath.ToSlash(p.Target), "/")
	for i, s := range parts {
		if (s == "home" || s == "mail" || s == "vmail" || s == "Users") && i+1 < len(parts) && parts[i+1] != "" {
			out = append(out, strings.ToLower(parts[i+1]))
		}
	}
	return out
}

func (x *decoyIndex) place(d *planted.Decoy) (mailbox, folder string) {
	if len(d.Places) == 0 {
		return "", ""
	}
	return d.Places[0].Target, d.Places[0].Folder
}

// DecoyForMessageID implements baseline.Decoys.
func (x *decoyIndex) DecoyForMessageID(id string) (decoyID, mailbox, folder string, ok bool) {
	if x.reg == nil {
		return "", "", "", false
	}
	d, ok := x.reg.ByMessageID(id)
	if !ok {
		return "", "", "", false
	}
	mailbox, folder = x.place(d)
	return d.ID, mailbox, folder, true
}

// IsDecoyMailbox implements mailrules.Decoys.
func (x *decoyIndex) IsDecoyMailbox(mailbox string) (alert.Decoy, bool) {
	m := strings.ToLower(strings.TrimSpace(mailbox))
	d, ok := x.byUser[m]
	if !ok {
		if local, _, cut := strings.Cut(m, "@"); cut {
			d, ok = x.byUser[local]
		}
	}
	if !ok {
		return alert.Decoy{}, false
	}
	mb, folder := x.place(d)
	return alert.Decoy{ID: d.ID, Mailbox: mb, Folder: folder, Trigger: "mailbox-rule"}, true
}

// mailrulesDecoys adapts DecoyForMessageID to mailrules' form.
type mailrulesDecoys struct{ *decoyIndex }

func (m mailrulesDecoys) DecoyForMessageID(id string) (alert.Decoy, bool) {
	d, mb, folder, ok := m.decoyIndex.DecoyForMessageID(id)
	if !ok {
		return alert.Decoy{}, false
	}
	return alert.Decoy{ID: d, Mailbox: mb, Folder: folder, Trigger: "audit"}, true
}

// storeState keeps the baselines in the store (scan --state).
type storeState struct{ st *store.Store }

func (s storeState) Load(ctx context.Context, key string) ([]byte, error) {
	return s.st.LoadState(ctx, key)
}
func (s storeState) Save(ctx context.Context, key string, v []byte) error {
	return s.st.SaveState(ctx, key, v)
}

// baselineDetector builds the mailbox-access and sign-in detector from the
// configuration and flags.
func (a *app) baselineDetector(st *store.Store, decoys *decoyIndex, geoPaths []string) (detect.Detector, func(), error) {
	opt := baseline.DefaultOptions
	if st != nil {
		opt.State = storeState{st}
	}
	if decoys != nil {
		opt.Decoys = decoys
	}
	for _, n := range a.cfg.Scan.TrustedNetworks {
		p, err := tripwire.ParsePrefix(n)
		if err != nil {
			return nil, nil, usageError("scan.trusted_networks: %q is not an address or prefix", n)
		}
		opt.TrustedNetworks = append(opt.TrustedNetworks, p)
	}
	opt.TrustedApps = append(opt.TrustedApps, a.cfg.Scan.TrustedApps...)
	closer := func() {}
	if len(geoPaths) > 0 {
		db, err := geoip.Open(geoPaths...)
		if err != nil {
			return nil, nil, usageError("--geoip: %v", err)
		}
		opt.Geo = db
		closer = func() { _ = db.Close() }
	}
	return baseline.New(opt), closer, nil
}

// newAlertsOnly passes on only the alerts the store has not seen (scan
// --state): a daily scan reports what is new.
func newAlertsOnly(ctx context.Context, st *store.Store, next func(alert.Alert)) (func(alert.Alert), *int64) {
	var known int64
	return func(al alert.Alert) {
		inserted, err := st.PutAlert(ctx, al)
		if err == nil && !inserted {
			known++
			return
		}
		next(al)
	}, &known
}

func describeKnown(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d alerts reported by an earlier scan (--state) not repeated", n)
}
