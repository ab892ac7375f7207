package mailgen

import (
	"time"
)

// Message classes used in [Label.Class].
const (
	ClassNormal           = "normal"
	ClassManualForward    = "manual-forward"
	ClassAutoForward      = "auto-forward"
	ClassRedirect         = "redirect"
	ClassNearMissList     = "nearmiss-list"
	ClassNearMissBounce   = "nearmiss-bounce"
	ClassNearMissAutoRepl = "nearmiss-autoreply"
	ClassNearMissCalendar = "nearmiss-calendar"
	ClassNearMissFwdSubj  = "nearmiss-fwd-subject"
)

// Classes lists every class in a fixed order.
var Classes = []string{
	ClassNormal, ClassManualForward, ClassAutoForward, ClassRedirect,
	ClassNearMissList, ClassNearMissBounce, ClassNearMissAutoRepl,
	ClassNearMissCalendar, ClassNearMissFwdSubj,
}

// IsForwarded reports whether class is one a forwarding detector must flag
// per message (auto-forward or redirect).
func IsForwarded(class string) bool {
	return class == ClassAutoForward || class == ClassRedirect
}

// Label is the ground truth for one generated message.
type Label struct {
	// Class is one of the Class* constants.
	Class string `json:"class"`
	// Platform names the client (manual forwards: "gmail", "outlook",
	// "outlook-2019", "outlook-live", "thunderbird", "apple-mail", "yahoo",
	// with "-attachment" for forwards as message/rfc822) or the forwarding
	// platform (auto-forward and redirect: see [AutoPlatforms]); empty for
	// other classes.
	Platform string `json:"platform,omitempty"`
	// MessageID is the Message-ID header value with angle brackets.
	MessageID string `json:"message_id"`
	// Lang is the language of a manual forward's client ("en", "de", ...).
	Lang string `json:"lang,omitempty"`

	// Where a writer put the message (set by the writers).
	Mailbox string `json:"mailbox,omitempty"` // the mbox file, Maildir root or .eml folder
	Folder  string `json:"folder,omitempty"`  // Maildir++ folder (".Sub.Folder"), "" for INBOX
	File    string `json:"file,omitempty"`    // file holding the message
	Offset  int64  `json:"offset"`            // byte offset of the mbox "From " line; 0 otherwise
	Size    int64  `json:"size"`              // bytes the message occupies, mbox "From " line included
}

// Mix gives the relative weight of each kind of message. Weights need not
// sum to one; zero weights are never generated.
type Mix struct {
	Normal        float64 // single messages, plain or with attachments
	Thread        float64 // replies with quoted text (labelled normal)
	ManualForward float64
	AutoForward   float64
	Redirect      float64
	List          float64 // nearmiss-list
	Bounce        float64 // nearmiss-bounce
	AutoReply     float64 // nearmiss-autoreply
	Calendar      float64 // nearmiss-calendar
	FwdSubject    float64 // nearmiss-fwd-subject
}

// DefaultMix is an ordinary business mailbox with a little of everything.
var DefaultMix = Mix{
	Normal:        0.50,
	Thread:        0.20,
	ManualForward: 0.06,
	AutoForward:   0.04,
	Redirect:      0.02,
	List:          0.08,
	Bounce:        0.02,
	AutoReply:     0.03,
	Calendar:      0.03,
	FwdSubject:    0.02,
}

// Config fully determines a generated mailbox.
type Config struct {
	// Seed seeds every random choice.
	Seed int64
	// Messages is the number of messages to generate; 0 means no limit
	// (MaxBytes must then be set).
	Messages int
	// MaxBytes stops generation once this many message bytes were produced
	// (the writers stop after the message that crosses it); 0 means no limit.
	MaxBytes int64
	// OrgDomain is the organisation's mail domain (default "contoso.com").
	OrgDomain string
	// Owner is the mailbox owner's address (default "j.doe@" + OrgDomain).
	Owner string
	// Mix weighs the message kinds (DefaultMix when all zero).
	Mix Mix
	// AttachmentRate is the share of normal messages carrying attachments
	// (default 0.3). LargeRate is the share of attachments of 100 KB to
	// 5 MB (default 0.06); the rest are 2–100 KB. Set NoLarge to cap
	// attachments at 100 KB (fast tests).
	AttachmentRate float64
	LargeRate      float64
	NoLarge        bool
	// Start is the date of the first message (default 2025-01-06 08:00 UTC).
	Start time.Time
	// CRLF makes the writers use CRLF line ends.
	CRLF bool
	// Folders are the Maildir++ folders WriteMaildir spreads messages over
	// besides INBOX (default ".Archive", ".Projects.2025", ".Receipts").
	Folders []string
}

func (c Config) withDefaults() Config {
	if c.OrgDomain == "" {
		c.OrgDomain = "contoso.com"
	}
	if c.Owner == "" {
		c.Owner = "j.doe@" + c.OrgDomain
	}
	if c.Mix == (Mix{}) {
		c.Mix = DefaultMix
	}
	if c.AttachmentRate == 0 {
		c.AttachmentRate = 0.3
	}
	if c.LargeRate == 0 {
		c.LargeRate = 0.06
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)
	}
	if c.Folders == nil {
		c.Folders = []string{".Archive", ".Projects.2025", ".Receipts"}
	}
	return c
}

// Scenario is a preset mailbox for the per-mailbox forwarding heuristic.
type Scenario string

// Scenarios.
const (
	// ScenarioHiddenRule is the destination of a hidden forwarding rule:
	// mostly auto-forwarded copies of another person's mail and almost no
	// message that looks forwarded. The heuristic must flag it.
	ScenarioHiddenRule Scenario = "hidden-rule"
	// ScenarioManualForwarder is a normal mailbox whose owner forwards a lot
	// by hand and receives a few legitimate auto-forwards (from a shared
	// mailbox). The heuristic must not flag it.
	ScenarioManualForwarder Scenario = "manual-forwarder"
	// ScenarioNoForwards holds no forwarded mail at all.
	ScenarioNoForwards Scenario = "no-forwards"
)

// Scenarios lists the presets in a fixed order.
var Scenarios = []Scenario{ScenarioHiddenRule, ScenarioManualForwarder, ScenarioNoForwards}

// ScenarioConfig returns the Config of a preset mailbox with n messages.
func ScenarioConfig(s Scenario, seed int64, n int) Config {
	c := Config{Seed: seed, Messages: n, OrgDomain: "contoso.com"}
	switch s {
	case ScenarioHiddenRule:
		// The collecting mailbox lives outside the victim's organisation.
		c.Owner = "archive.jdoe@protonmail.com"
		c.Mix = Mix{Normal: 0.10, Thread: 0.02, ManualForward: 0.02, AutoForward: 0.70,
			Redirect: 0.10, List: 0.02, Bounce: 0.01, AutoReply: 0.02, Calendar: 0.01}
	case ScenarioManualForwarder:
		c.Mix = Mix{Normal: 0.40, Thread: 0.15, ManualForward: 0.25, AutoForward: 0.03,
			List: 0.05, Bounce: 0.02, AutoReply: 0.03, Calendar: 0.03, FwdSubject: 0.04}
	case ScenarioNoForwards:
		c.Mix = Mix{Normal: 0.60, Thread: 0.25, List: 0.07, Bounce: 0.02, AutoReply: 0.03, Calendar: 0.03}
	}
	return c
}
