package mailrules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
)

// Name is the detector's name in alert ids.
const Name = "mailrules"

// Rule ids; docs/mailrules.md documents each.
const (
	RuleExternalForward   = "mailtrip-mailrule-external-forward"
	RuleHide              = "mailtrip-mailrule-hide"
	RuleMailboxForwarding = "mailtrip-mailbox-forwarding"
	RuleTransportCopy     = "mailtrip-transport-rule-copy"
	RuleMailboxPermission = "mailtrip-mailbox-permission"
	RuleGmailForward      = "mailtrip-gmail-external-forward"
	RuleGmailMonitor      = "mailtrip-gmail-email-monitor"
	RuleGmailRouting      = "mailtrip-gmail-routing-rule"
	RuleSieveRedirect     = "mailtrip-sieve-redirect"
)

// ATT&CK tags.
const (
	tagDefenseEvasion = "attack.defense-evasion"
	tagPersistence    = "attack.persistence"
	tagT1564_008      = "attack.t1564.008" // Hide Artifacts: Email Hiding Rules
	tagT1098_002      = "attack.t1098.002" // Account Manipulation: Additional Email Delegate Permissions
)

var forwardTags = []string{alert.TagCollection, alert.TagT1114, alert.TagT1114_003}

var rules = map[string]alert.Rule{
	RuleExternalForward:   {ID: RuleExternalForward, Title: "Inbox rule forwards mail outside the organisation", Tags: forwardTags},
	RuleHide:              {ID: RuleHide, Title: "Inbox rule hides mail from its owner", Tags: []string{tagDefenseEvasion, tagT1564_008}},
	RuleMailboxForwarding: {ID: RuleMailboxForwarding, Title: "Mailbox forwarding to an outside address", Tags: forwardTags},
	RuleTransportCopy:     {ID: RuleTransportCopy, Title: "Transport rule copies or redirects mail outside the organisation", Tags: forwardTags},
	RuleMailboxPermission: {ID: RuleMailboxPermission, Title: "Mailbox or folder permission granted", Tags: []string{tagPersistence, tagT1098_002}},
	RuleGmailForward:      {ID: RuleGmailForward, Title: "Gmail forwarding to an outside address", Tags: forwardTags},
	RuleGmailMonitor:      {ID: RuleGmailMonitor, Title: "Gmail email monitor created", Tags: []string{alert.TagCollection, alert.TagT1114, alert.TagT1114_002}},
	RuleGmailRouting:      {ID: RuleGmailRouting, Title: "Gmail routing or compliance rule sends mail outside the organisation", Tags: forwardTags},
	RuleSieveRedirect:     {ID: RuleSieveRedirect, Title: "Sieve, .forward or procmail rule sends mail outside the organisation", Tags: forwardTags},
}

// Rules returns the rules of this detector, for documentation and
// "rules list".
func Rules() []alert.Rule {
	out := make([]alert.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Decoys is what the detector needs to know about planted decoys; the
// caller adapts the decoy registry to it.
type Decoys interface {
	// IsDecoyMailbox reports whether decoys are planted in the mailbox
	// (an address or account name, as the record names it) and names
	// one of them.
	IsDecoyMailbox(mailbox string) (alert.Decoy, bool)
	// DecoyForMessageID returns the decoy whose Message-ID this is.
	DecoyForMessageID(messageID string) (alert.Decoy, bool)
}

// Options configure the detector.
type Options struct {
	// InternalDomains are the organisation's own mail domains (their
	// subdomains included). Empty: a destination is judged against the
	// domains the record itself shows as the user's (see docs).
	InternalDomains []string
	// Decoys, when set, marks rules touching a decoy mailbox.
	Decoys Decoys
	// MinHistory is how many earlier records of a user (with a client
	// address or client name) the input must hold before a rule made
	// from an address or client none of them used counts as unusual
	// (default 5; negative turns the comparison off).
	MinHistory int
	// MaxUsers bounds the users whose addresses are remembered
	// (default 100000).
	MaxUsers int
	// Now stamps DetectedAt (default time.Now).
	Now func() time.Time
}

// Detector judges inbox, forwarding, transport and permission records.
type Detector struct {
	opt     Options
	domains []string
	hist    *history
}

var (
	_ detect.Detector = (*Detector)(nil)
)

// New returns a detector.
func New(opt Options) *Detector {
	if opt.MinHistory == 0 {
		opt.MinHistory = 5
	}
	if opt.MaxUsers <= 0 {
		opt.MaxUsers = 100000
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Detector{opt: opt, domains: normalizeDomains(opt.InternalDomains), hist: newHistory(opt.MaxUsers)}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Detect implements detect.Detector. It looks at log events of the
// m365.*, gws.* and sieve.* formats (or, when the format is not given,
// at events whose fields have their shape) and ignores the rest.
func (d *Detector) Detect(ctx context.Context, e *event.Event, emit detect.Emit) error {
	if e == nil || e.Kind != event.KindLog || e.Fields == nil {
		return nil
	}
	var fs []finding
	switch platform(e) {
	case "m365":
		fs = d.m365(e)
	case "gws":
		fs = d.gws(e)
	case "sieve":
		fs = d.sieve(e)
	}
	for i := range fs {
		emit(d.alert(e, &fs[i]))
	}
	return nil
}

// platform says which reader's record e is.
func platform(e *event.Event) string {
	f := e.Origin.Format
	switch {
	case strings.HasPrefix(f, "m365."):
		return "m365"
	case strings.HasPrefix(f, "gws."):
		return "gws"
	case strings.HasPrefix(f, "sieve."):
		return "sieve"
	case f != "" && !strings.HasPrefix(f, "jsonlog."):
		return ""
	}
	// Unknown format: go by shape.
	switch {
	case e.Fields["Format"] != nil && e.Fields["Action"] != nil:
		return "sieve"
	case e.Fields["kind"] == "admin#reports#activity", e.Fields["parameters_flat"] != nil, e.Fields["event"] != nil && e.Fields["actor"] != nil:
		return "gws"
	}
	return "m365"
}

// finding is one alert before it is stamped.
type finding struct {
	rule     string
	level    alert.Level
	summary  string
	reasons  []string
	mailbox  string
	folder   string
	actor    *alert.Actor
	decoy    *alert.Decoy
	evidence map[string]any
}

func (f *finding) reason(format string, a ...any) {
	f.reasons = append(f.reasons, fmt.Sprintf(format, a...))
}

// raise adds n levels, up to max.
func (f *finding) raise(n int, max alert.Level) {
	l := f.level + alert.Level(n)
	if l > max {
		l = max
	}
	if l > f.level {
		f.level = l
	}
}

// markDecoy makes a finding about a decoy mailbox at least min and names
// the decoy.
func (d *Detector) markDecoy(f *finding, min alert.Level, mailboxes ...string) {
	if d.opt.Decoys == nil {
		return
	}
	for _, m := range mailboxes {
		if m == "" {
			continue
		}
		if dc, ok := d.opt.Decoys.IsDecoyMailbox(m); ok {
			dc.Trigger = "rule"
			f.decoy = &dc
			if f.level < min {
				f.level = min
			}
			f.reason("the mailbox %s holds planted decoy %s: whatever this rule sends on or hides includes decoy mail", m, dc.ID)
			return
		}
	}
}

// decoyMessage names a decoy whose Message-ID the record carries.
func (d *Detector) decoyMessage(f *finding, ids ...string) {
	if d.opt.Decoys == nil {
		return
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if dc, ok := d.opt.Decoys.DecoyForMessageID(id); ok {
			dc.Trigger = "rule"
			f.decoy = &dc
			if f.level < alert.High {
				f.level = alert.High
			}
			f.reason("the record names decoy message %s (decoy %s)", id, dc.ID)
			return
		}
	}
}

func (d *Detector) alert(e *event.Event, f *finding) alert.Alert {
	r := rules[f.rule]
	r.Level = f.level
	a := alert.New(Name, r, e.Origin)
	a.Time = e.Time
	a.DetectedAt = d.opt.Now().UTC()
	a.Summary = f.summary
	a.Reasons = f.reasons
	a.Mailbox = f.mailbox
	if a.Mailbox == "" {
		a.Mailbox = e.Mailbox
	}
	a.Folder = f.folder
	if f.actor != nil && *f.actor != (alert.Actor{}) {
		a.Actor = f.actor
	}
	a.Decoy = f.decoy
	a.Evidence = f.evidence
	return a
}

// str is logfmt.String for map values.
func str(v any) string { return logfmt.String(v) }

// strList returns a value that is a string or a list of strings as a
// slice.
func strList(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	if s := str(v); s != "" {
		return []string{s}
	}
	return nil
}

// isEmptyValue says whether a parameter value clears a setting.
func isEmptyValue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "$null", "null", "none", "$false":
		return true
	}
	return false
}
