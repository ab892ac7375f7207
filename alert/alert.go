// Package alert defines [Alert], the one schema every mailtrip finding takes,
// whether a detector matched a record or a decoy was touched. The JSON form
// is stable and versioned by [Schema]; docs/alerts.md documents every field
// and its ECS equivalent.
package alert

import (
	"crypto/sha256"
	"encoding/base32"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/event"
)

// Schema is the version tag written in every alert.
const Schema = "mailtrip.alert/v1"

// Rule says which detection produced an alert.
type Rule struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Level Level    `json:"level"`
	Tags  []string `json:"tags,omitempty"` // "attack.t1114.003", "attack.collection"
}

// Actor is who did what the alert describes, as far as the evidence says.
type Actor struct {
	User      string `json:"user,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// Decoy names the decoy involved when a breadcrumb was touched.
type Decoy struct {
	ID      string `json:"id"`
	Mailbox string `json:"mailbox,omitempty"`
	Folder  string `json:"folder,omitempty"`
	Trigger string `json:"trigger,omitempty"`
}

// Alert is one finding.
type Alert struct {
	Schema string `json:"schema"`
	// ID is deterministic: see [ID].
	ID string `json:"id"`
	// Time is when the evidence says it happened (a message's Date, a log
	// record's time); DetectedAt is when mailtrip found it.
	Time       time.Time    `json:"time"`
	DetectedAt time.Time    `json:"detected_at"`
	Detector   string       `json:"detector"`
	Rule       Rule         `json:"rule"`
	Summary    string       `json:"summary"`
	Reasons    []string     `json:"reasons,omitempty"`
	Mailbox    string       `json:"mailbox,omitempty"`
	Folder     string       `json:"folder,omitempty"`
	MessageID  string       `json:"message_id,omitempty"`
	Actor      *Actor       `json:"actor,omitempty"`
	Decoy      *Decoy       `json:"decoy,omitempty"`
	Origin     event.Origin `json:"origin"`
	// Evidence holds the fields that matched, by name ("header.X-Forwarded-To").
	Evidence map[string]any `json:"evidence,omitempty"`
	// Members lists the origins of every record an aggregate alert
	// (per-mailbox, incident) stands for; MemberCount may exceed
	// len(Members) when the list was capped.
	Members     []event.Origin `json:"members,omitempty"`
	MemberCount int            `json:"member_count,omitempty"`
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ID derives an alert id from what makes a finding the same finding: the
// detector, the rule and where the evidence came from. Scanning the same
// input again yields the same ids, so stores and sinks can deduplicate.
// Extra parts (e.g. a mailbox name for aggregates) may be appended.
func ID(detector, rule string, o event.Origin, extra ...string) string {
	h := sha256.New()
	for _, s := range append([]string{detector, rule, o.File, strconv.FormatInt(o.Offset, 10),
		strconv.FormatInt(o.Line, 10), o.RecordID}, extra...) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	sum := h.Sum(nil)
	return idEncoding.EncodeToString(sum[:15]) // 120 bits, 24 characters
}

// New fills the fixed parts of an alert and its id.
func New(detector string, rule Rule, o event.Origin, extra ...string) Alert {
	return Alert{
		Schema:   Schema,
		ID:       ID(detector, rule.ID, o, extra...),
		Detector: detector,
		Rule:     rule,
		Origin:   o,
	}
}

// Tactic tags shared by the email-collection detections.
const (
	TagCollection = "attack.collection"
	TagT1114      = "attack.t1114"
	TagT1114_001  = "attack.t1114.001"
	TagT1114_002  = "attack.t1114.002"
	TagT1114_003  = "attack.t1114.003"
)

// SortAlerts orders alerts for reading and for reproducible output: by
// severity (highest first), then by where the evidence is (file, byte
// offset), then by id.
func SortAlerts(as []Alert) {
	sort.SliceStable(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if a.Rule.Level != b.Rule.Level {
			return a.Rule.Level > b.Rule.Level
		}
		if a.Origin.File != b.Origin.File {
			return a.Origin.File < b.Origin.File
		}
		if a.Origin.Offset != b.Origin.Offset {
			return a.Origin.Offset < b.Origin.Offset
		}
		return strings.Compare(a.ID, b.ID) < 0
	})
}
