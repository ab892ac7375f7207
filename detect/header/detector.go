package header

import (
	"context"
	"fmt"
	mhdr "github.com/mailtrip/mailtrip/mailfmt/header"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/detect"
	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/mailfmt"
)

// Name is the detector's stable name, part of every alert id it produces.
const Name = "header"

// Alert rule ids.
const (
	RuleIDAutoForward         = "mailtrip-header-auto-forward"
	RuleIDRedirect            = "mailtrip-header-redirect"
	RuleIDUnmatchedForwarding = "mailtrip-header-unmatched-autoforward"
)

// Options configure Classify and the Detector. Zero numeric fields take the
// value from DefaultOptions.
type Options struct {
	// InternalDomains are the organisation's own mail domains (subdomains
	// included). When set, a forward to any other domain raises the
	// per-message alert to medium, and a Delivered-To chain between
	// internal domains does not count. When empty, mailtrip cannot tell
	// internal from external and all per-message alerts stay low.
	InternalDomains []string
	// MinAutoForwarded is the number of auto-forwarded or redirected
	// messages a mailbox must hold before the per-mailbox heuristic can
	// fire.
	MinAutoForwarded int
	// MaxLooksForwardedRatio: the heuristic fires when the messages that
	// look forwarded by hand (and carry no artifact) number fewer than
	// this fraction of the auto-forwarded ones.
	MaxLooksForwardedRatio float64
	// MaxMembers caps the member origins kept per mailbox for the
	// aggregate alert; the count is always kept.
	MaxMembers int
}

// DefaultOptions are the defaults; docs/forwarding-artifacts.md gives the
// reasoning at length.
//
//   - MinAutoForwarded 5: one or two artifact-bearing messages happen
//     innocently (a colleague's one-off rule, a shared mailbox); five in one
//     collecting store is a pattern, and a short-lived attacker rule still
//     reaches it.
//   - MaxLooksForwardedRatio 0.5: an owner who routes mail to another box
//     by hand leaves hand-forward marks on most of it; a silent rule leaves
//     none. Fewer than half as many hand forwards as automatic copies means
//     the volume is not the owner forwarding things themselves.
//   - MaxMembers 1000: enough to triage from, small enough for one alert.
var DefaultOptions = Options{
	MinAutoForwarded:       5,
	MaxLooksForwardedRatio: 0.5,
	MaxMembers:             1000,
}

func (o Options) withDefaults() Options {
	if o.MinAutoForwarded <= 0 {
		o.MinAutoForwarded = DefaultOptions.MinAutoForwarded
	}
	if o.MaxLooksForwardedRatio <= 0 {
		o.MaxLooksForwardedRatio = DefaultOptions.MaxLooksForwardedRatio
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultOptions.MaxMembers
	}
	return o
}

// Detector finds auto-forwarded and redirected messages and, per mailbox,
// auto-forwarding that hand forwards do not account for. It is safe for
// concurrent use.
type Detector struct {
	opt      Options
	internal func(string) bool
	manual   func(*view) []Finding // manualForwardView; replaced in tests

	mu    sync.Mutex
	boxes map[string]*mailboxState
}

var (
	_ detect.Detector = (*Detector)(nil)
	_ detect.Flusher  = (*Detector)(nil)
)

// New returns a Detector with opt (zero fields defaulted).
func New(opt Options) *Detector {
	opt = opt.withDefaults()
	return &Detector{
		opt:      opt,
		internal: internalMatcher(opt.InternalDomains),
		manual:   manualForwardView,
		boxes:    map[string]*mailboxState{},
	}
}

// Name returns "header".
func (d *Detector) Name() string { return Name }

// Detect classifies a message event, records it in its mailbox's counts and
// emits one alert when the message carries auto-forwarding artifacts.
// Events that are not messages are ignored.
func (d *Detector) Detect(ctx context.Context, e *event.Event, emit detect.Emit) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if e == nil || e.Kind != event.KindMessage || e.Message == nil {
		return nil
	}
	if e.Decoy != "" {
		return nil // a planted decoy is not the mailbox owner's mail
	}
	m := e.Message
	r := classify(m, d.internal, d.manual)
	date := e.Time // ingest parsed the Date header already
	if date.IsZero() {
		date = messageDate(m.Header)
	}
	origin := e.Origin
	if origin.RecordID == "" {
		origin.RecordID = messageID(m.Header)
	}
	d.record(e.Mailbox, origin, date, r)
	if len(r.Auto) > 0 {
		emit(d.messageAlert(e, origin, date, r))
	}
	return nil
}

// messageAlert builds the per-message alert.
func (d *Detector) messageAlert(e *event.Event, origin event.Origin, date time.Time, r Result) alert.Alert {
	rule := alert.Rule{
		ID:    RuleIDAutoForward,
		Title: "Automatically forwarded message",
		Level: alert.Low,
		Tags:  []string{alert.TagCollection, alert.TagT1114_003},
	}
	verb := "was automatically forwarded"
	if r.Redirected() {
		rule.ID, rule.Title = RuleIDRedirect, "Redirected message"
		verb = "was redirected"
	}
	dests := r.Destinations()
	var external []string
	if len(d.opt.InternalDomains) > 0 {
		for _, a := range dests {
			if !d.internal(domainOf(a)) {
				external = append(external, a)
			}
		}
		if len(external) > 0 {
			rule.Level = alert.Medium
		}
	}

	a := alert.New(Name, rule, origin)
	a.Time = date
	a.Mailbox, a.Folder = e.Mailbox, e.Folder
	a.MessageID = origin.RecordID
	var platforms, rules []string
	for _, f := range r.Auto {
		platforms = appendNew(platforms, f.Platform)
		rules = appendNew(rules, f.Rule)
		a.Reasons = append(a.Reasons, reason(f))
	}
	where := "a message"
	if a.MessageID != "" {
		where = "message " + a.MessageID
	}
	to := ""
	if len(dests) > 0 {
		to = " to " + strings.Join(dests, ", ")
	}
	a.Summary = fmt.Sprintf("%s in %s %s%s (%s)", upperFirst(where), mailboxName(e.Mailbox), verb, to, strings.Join(platforms, ", "))
	if len(external) > 0 {
		a.Reasons = append(a.Reasons, fmt.Sprintf("destination outside the internal domains (%s): %s",
			strings.Join(d.opt.InternalDomains, ", "), strings.Join(external, ", ")))
	}

	ev := map[string]any{"platform": platforms, "rules": rules}
	if len(dests) > 0 {
		ev["destinations"] = dests
	}
	if len(external) > 0 {
		ev["destinations.external"] = external
	}
	for _, f := range r.Auto {
		for _, x := range f.Evidence {
			key := x.Where + "." + x.Name
			if prev, ok := ev[key].([]string); ok {
				ev[key] = appendNew(prev, x.Value)
			} else {
				ev[key] = []string{x.Value}
			}
		}
	}
	// Supporting evidence only (docs/forwarding-artifacts.md): stamped on
	// ordinary outbound Exchange Online mail too.
	if v := e.Message.Header.Values("X-LD-Processed"); len(v) > 0 {
		ev["header.X-LD-Processed"] = v
	}
	a.Evidence = ev
	return a
}

// ruleText says in words what each artifact rule means.
var ruleText = map[string]string{
	RuleExchangeAutoForwarded:     "Exchange marked the message as automatically forwarded",
	RuleExchangeInboxRulesLoop:    "an Exchange mailbox (inbox) rule forwarded or redirected the message",
	RuleExchangeForwardingLoop:    "Exchange mailbox forwarding (ForwardingSmtpAddress/ForwardingAddress) sent the message on",
	RuleExchangeTransportRuleLoop: "an Exchange transport (mail flow) rule redirected the message or added recipients",
	RuleGmailForwardedTo:          "Gmail automatic forwarding sent a copy on",
	RuleGmailCAFEnvelope:          "the envelope sender is Gmail's forwarding (+caf_=) return path",
	RuleMailFwdBy:                 "a mail system marked the message as forwarded (X-MailFwdBy)",
	RuleSieveRedirectedFrom:       "a Sieve redirect (Dovecot Pigeonhole) re-sent the message",
	RuleZimbraForwarded:           "a Zimbra filter redirect re-sent the message",
	RuleResentBlock:               "an RFC 5322 Resent- block shows the message was re-sent (server redirect or a client's bounce/resend)",
	RuleSRSReturnPath:             "the envelope sender was rewritten by a forwarder (SRS)",
	RuleDeliveredToChain:          "Delivered-To fields show delivery to one organisation's mailbox, then on to another",
}

// reason renders a finding in words, naming each header and value.
func reason(f Finding) string {
	var b strings.Builder
	b.WriteString(f.Rule)
	b.WriteString(": ")
	if t, ok := ruleText[f.Rule]; ok {
		b.WriteString(t)
	} else {
		fmt.Fprintf(&b, "%s %s artifact", f.Platform, f.Kind)
	}
	for i, x := range f.Evidence {
		if i == 0 {
			b.WriteString(" — ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s: %q", x.Where, x.Name, x.Value)
	}
	if len(f.Destinations) > 0 {
		fmt.Fprintf(&b, " (destination %s)", strings.Join(f.Destinations, ", "))
	}
	return b.String()
}

// Flush emits, per mailbox in name order, one unmatched-auto-forwarding
// alert when the heuristic holds (see Options). It may be called again;
// the counts are kept for Stats.
func (d *Detector) Flush(ctx context.Context, emit detect.Emit) error {
	for _, s := range d.Stats() {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if s.Flagged {
			emit(d.mailboxAlert(s))
		}
	}
	return nil
}

func (d *Detector) mailboxAlert(s MailboxStats) alert.Alert {
	rule := alert.Rule{
		ID:    RuleIDUnmatchedForwarding,
		Title: "Auto-forwarded mail not matched by hand forwards",
		Level: alert.High,
		Tags:  []string{alert.TagCollection, alert.TagT1114_003},
	}
	a := alert.New(Name, rule, event.Origin{File: s.Mailbox}, s.Mailbox)
	a.Time = s.FirstForwarded
	a.Mailbox = s.Mailbox
	auto := s.AutoForwarded + s.Redirected
	hand := s.LooksForwarded - s.Both
	a.Summary = fmt.Sprintf("%s holds %d auto-forwarded or redirected messages but only %d that look forwarded by hand",
		mailboxName(s.Mailbox), auto, hand)
	a.Reasons = []string{
		fmt.Sprintf("%d of %d messages carry auto-forwarding artifacts (%d forwarded, %d redirected), at least the minimum of %d",
			auto, s.Messages, s.AutoForwarded, s.Redirected, d.opt.MinAutoForwarded),
		fmt.Sprintf("%d messages look forwarded by hand without any artifact (%d look forwarded, %d of those also carry artifacts), fewer than %.2f × %d = %.1f",
			hand, s.LooksForwarded, s.Both, d.opt.MaxLooksForwardedRatio, auto, d.opt.MaxLooksForwardedRatio*float64(auto)),
	}
	if len(s.Destinations) > 0 {
		var parts []string
		for _, x := range s.Destinations {
			parts = append(parts, fmt.Sprintf("%s (%d)", x.Address, x.Count))
		}
		a.Reasons = append(a.Reasons, "destinations: "+strings.Join(parts, ", "))
	}
	if !s.FirstForwarded.IsZero() {
		a.Reasons = append(a.Reasons, fmt.Sprintf("auto-forwarded messages dated %s to %s",
			s.FirstForwarded.UTC().Format(time.RFC3339), s.LastForwarded.UTC().Format(time.RFC3339)))
	}
	ev := map[string]any{
		"messages":        s.Messages,
		"auto_forwarded":  s.AutoForwarded,
		"redirected":      s.Redirected,
		"looks_forwarded": s.LooksForwarded,
		"both":            s.Both,
	}
	if len(s.Destinations) > 0 {
		ds := make([]string, len(s.Destinations))
		for i, x := range s.Destinations {
			ds[i] = x.Address
		}
		ev["destinations"] = ds
	}
	if len(s.Domains) > 0 {
		ds := make([]string, len(s.Domains))
		for i, x := range s.Domains {
			ds[i] = x.Domain
		}
		ev["destination_domains"] = ds
	}
	a.Evidence = ev
	a.Members = s.Members
	a.MemberCount = s.MemberCount
	return a
}

// messageDate parses the Date header; zero when absent or unparsable.
func messageDate(h mailfmt.Header) time.Time {
	t, _ := mhdr.ParseDate(h.Get("Date"))
	return t
}

func messageID(h mailfmt.Header) string { return strings.TrimSpace(h.Get("Message-ID")) }

func mailboxName(mb string) string {
	if mb == "" {
		return "the mailbox"
	}
	return "mailbox " + mb
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
