// Package planted recognises mailtrip's own decoys in scanned mail. A decoy
// found where it was planted is marked on its event (event.Event.Decoy) so
// that detectors judging the mailbox owner's mail leave it out. A decoy
// found anywhere else — its Message-ID in another mailbox, an export or an
// attacker's collection, or one of its breadcrumbs inside another message
// (a forwarded or quoted copy) — is evidence of collection and raises a
// high alert naming the decoy and where it was planted.
//
// The detector does no I/O: the caller loads a [Registry] from the store
// before the scan.
package planted

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/mailfmt"
	"github.com/mailtrip/mailtrip/token"
)

// Name is the detector's name in alert ids.
const Name = "planted"

// Rule ids.
const (
	RuleCopied     = "mailtrip-decoy-copied"
	RuleBreadcrumb = "mailtrip-decoy-breadcrumb"
)

// Place is where a decoy was planted.
type Place struct {
	Kind   string // maildir, mbox, eml, files, imap
	Target string // Maildir root, mbox file, folder or IMAP URL
	Folder string
	Path   string // the planted file (Maildir, eml, files); the mbox file
}

// Decoy is one decoy the registry knows.
type Decoy struct {
	ID        string
	MessageID string
	Places    []Place
}

// Registry is what the store says was generated and planted.
type Registry struct {
	byMsgID map[string]*Decoy
	bySub   map[string]*Decoy
	needles [][]byte // host names and domains the breadcrumbs live under
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byMsgID: map[string]*Decoy{}, bySub: map[string]*Decoy{}}
}

// Len is the number of decoys known.
func (r *Registry) Len() int { return len(r.byMsgID) }

// Add records a decoy with its breadcrumbs: (kind, sub-id, value) of each
// token, as the store holds them.
func (r *Registry) Add(d Decoy, tokens []Token) {
	dp := &d
	if id := strings.TrimSpace(d.MessageID); id != "" {
		r.byMsgID[id] = dp
	}
	for _, t := range tokens {
		r.bySub[t.Sub] = dp
		if n := needleOf(t); n != "" {
			r.addNeedle(n)
		}
	}
}

// addNeedle keeps the set of needles small: a domain that another needle
// is a parent of replaces it ("canary.example" covers "cdn.canary.example"),
// so the prefilter does one search per canary domain, not per breadcrumb.
func (r *Registry) addNeedle(n string) {
	kept := r.needles[:0]
	for _, x := range r.needles {
		switch xs := string(x); {
		case xs == n || strings.HasSuffix(n, "."+xs):
			return // already covered; the slice is unchanged
		case strings.HasSuffix(xs, "."+n):
			continue // n covers x: drop x
		}
		kept = append(kept, x)
	}
	r.needles = append(kept, []byte(n))
}

// Token is one breadcrumb of a decoy.
type Token struct {
	Sub, Kind, Value string
}

// needleOf is the host name or domain a breadcrumb lives under: the
// literal a message carrying it must contain, which lets the detector skip
// the token search for every other message.
func needleOf(t Token) string {
	switch token.Kind(t.Kind) {
	case token.KindURL, token.KindImage:
		if u, err := url.Parse(t.Value); err == nil {
			return strings.ToLower(u.Hostname())
		}
	case token.KindDNS:
		if _, zone, ok := strings.Cut(t.Value, "."); ok {
			return strings.ToLower(zone)
		}
	case token.KindEmail:
		if _, dom, ok := strings.Cut(t.Value, "@"); ok {
			return strings.ToLower(dom)
		}
	}
	return ""
}

// prefilterBytes is how much of a body the prefilter looks at: a decoy's
// breadcrumbs, and those of a forwarded or quoted decoy, sit in the first
// text part.
const prefilterBytes = 16 << 10

// Detector marks planted decoys and reports copies of them.
type Detector struct {
	reg *Registry
}

var _ detect.Detector = (*Detector)(nil)

// New returns a detector over reg.
func New(reg *Registry) *Detector { return &Detector{reg: reg} }

// Name returns "planted".
func (d *Detector) Name() string { return Name }

// Detect must run before detectors that honour event.Decoy.
func (d *Detector) Detect(ctx context.Context, e *event.Event, emit detect.Emit) error {
	if e == nil || e.Message == nil || d.reg == nil || d.reg.Len() == 0 {
		return nil
	}
	m := e.Message
	if dc := d.reg.byMsgID[strings.TrimSpace(m.Header.Get("Message-ID"))]; dc != nil {
		e.Decoy = dc.ID
		if !dc.plantedAt(e.Origin) {
			emit(d.copied(e, dc))
		}
		return nil
	}
	if !d.mayCarry(m.Header, m.Body) {
		return nil
	}
	var text strings.Builder
	for _, f := range m.Header {
		text.WriteString(f.Value)
		text.WriteByte('\n')
	}
	text.Write(m.Body)
	seen := map[string]bool{}
	for _, sub := range token.Find(text.String()) {
		dc := d.reg.bySub[string(sub)]
		if dc == nil || seen[dc.ID] {
			continue
		}
		seen[dc.ID] = true
		e.Decoy = dc.ID
		emit(d.breadcrumb(e, dc, string(sub)))
	}
	return nil
}

// mayCarry reports whether the body mentions a breadcrumb's host or
// domain, or an address field does (there case-insensitively): only then
// is the message searched for tokens.
func (d *Detector) mayCarry(h mailfmt.Header, body []byte) bool {
	if len(body) > prefilterBytes {
		body = body[:prefilterBytes]
	}
	for _, n := range d.reg.needles {
		if bytes.Contains(body, n) {
			return true
		}
	}
	for _, name := range []string{"Reply-To", "Cc", "To"} {
		for _, v := range h.Values(name) {
			lv := strings.ToLower(v)
			for _, n := range d.reg.needles {
				if strings.Contains(lv, string(n)) {
					return true
				}
			}
		}
	}
	return false
}

// plantedAt reports whether o is one of the decoy's own plantings: the
// same file for eml and files (or the same Maildir message, whatever its
// flags), the same mbox file.
func (dc *Decoy) plantedAt(o event.Origin) bool {
	file := o.File
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	for _, p := range dc.Places {
		switch p.Kind {
		case "mbox":
			if file == p.Path || file == p.Target {
				return true
			}
		case "maildir":
			if maildirKey(file) == maildirKey(p.Path) && strings.HasPrefix(file, p.Target) {
				return true
			}
		default:
			if file == p.Path {
				return true
			}
		}
	}
	return false
}

// maildirKey is a Maildir file's unique name, without the info part the
// client changes with the flags.
func maildirKey(path string) string {
	base := filepath.Base(path)
	if i := strings.IndexAny(base, ":;"); i >= 0 {
		base = base[:i]
	}
	return base
}

func (dc *Decoy) where() string {
	if len(dc.Places) == 0 {
		return "not planted"
	}
	var parts []string
	for _, p := range dc.Places {
		s := p.Kind + ":" + p.Target
		if p.Folder != "" {
			s += " (" + p.Folder + ")"
		}
		parts = append(parts, s)
	}
	return "planted in " + strings.Join(parts, ", ")
}

func (d *Detector) newAlert(e *event.Event, dc *Decoy, ruleID, title, trigger string) alert.Alert {
	rule := alert.Rule{ID: ruleID, Title: title, Level: alert.High,
		Tags: []string{alert.TagCollection, alert.TagT1114}}
	a := alert.New(Name, rule, e.Origin, dc.ID)
	a.Time = e.Time
	a.Mailbox, a.Folder = e.Mailbox, e.Folder
	a.MessageID = strings.TrimSpace(e.Message.Header.Get("Message-ID"))
	dec := &alert.Decoy{ID: dc.ID, Trigger: trigger}
	if len(dc.Places) > 0 {
		dec.Mailbox, dec.Folder = dc.Places[0].Target, dc.Places[0].Folder
	}
	a.Decoy = dec
	return a
}

func (d *Detector) copied(e *event.Event, dc *Decoy) alert.Alert {
	a := d.newAlert(e, dc, RuleCopied, "Decoy found outside where it was planted", "copy")
	a.Summary = fmt.Sprintf("decoy %s (%s) found in %s", dc.ID, dc.where(), e.Origin)
	a.Reasons = []string{
		fmt.Sprintf("the message's Message-ID %s is the decoy's", dc.MessageID),
		"a decoy exists only where mailtrip planted it: a copy elsewhere means the mailbox was copied, exported or forwarded",
	}
	a.Evidence = map[string]any{"header.Message-ID": dc.MessageID, "planted": dc.where()}
	return a
}

func (d *Detector) breadcrumb(e *event.Event, dc *Decoy, sub string) alert.Alert {
	a := d.newAlert(e, dc, RuleBreadcrumb, "Decoy breadcrumb inside another message", "content")
	a.Summary = fmt.Sprintf("a message in %s carries a breadcrumb of decoy %s (%s)", e.Mailbox, dc.ID, dc.where())
	a.Reasons = []string{
		fmt.Sprintf("token %s of decoy %s appears in the message", sub, dc.ID),
		"the decoy's content was forwarded, quoted or pasted into this message",
	}
	a.Evidence = map[string]any{"token": sub, "planted": dc.where()}
	return a
}

// ByMessageID returns the decoy whose Message-ID is id (with or without
// angle brackets).
func (r *Registry) ByMessageID(id string) (*Decoy, bool) {
	id = strings.TrimSpace(id)
	if d, ok := r.byMsgID[id]; ok {
		return d, true
	}
	if !strings.HasPrefix(id, "<") {
		d, ok := r.byMsgID["<"+id+">"]
		return d, ok
	}
	d, ok := r.byMsgID[strings.Trim(id, "<>")]
	return d, ok
}

// Decoys returns every decoy known, in no particular order.
func (r *Registry) Decoys() []*Decoy {
	out := make([]*Decoy, 0, len(r.byMsgID))
	for _, d := range r.byMsgID {
		out = append(out, d)
	}
	return out
}
