package elastic

import (
	"encoding/json"
	"net/mail"
	"net/netip"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/alert"
	"github.com/mailtrip/mailtrip/event"
)

// ECSVersion is the Elastic Common Schema version the documents follow.
const ECSVersion = "8.11.0"

// Document is an alert in ECS field names (docs/alerts.md lists the
// mapping); what ECS has no field for is under "mailtrip".
type Document struct {
	Timestamp time.Time         `json:"@timestamp"`
	ECS       ecsVersion        `json:"ecs"`
	Message   string            `json:"message,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Event     ecsEvent          `json:"event"`
	Rule      ecsRule           `json:"rule"`
	Threat    *ecsThreat        `json:"threat,omitempty"`
	Source    *ecsSource        `json:"source,omitempty"`
	User      *ecsUser          `json:"user,omitempty"`
	UserAgent *ecsUserAgent     `json:"user_agent,omitempty"`
	Email     *ecsEmail         `json:"email,omitempty"`
	Log       ecsLog            `json:"log"`
	Mailtrip  mailtripFields    `json:"mailtrip"`
}

type ecsVersion struct {
	Version string `json:"version"`
}

type ecsEvent struct {
	Kind     string    `json:"kind"`
	Category []string  `json:"category"`
	Type     []string  `json:"type"`
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Provider string    `json:"provider,omitempty"`
	Module   string    `json:"module"`
	Dataset  string    `json:"dataset"`
	Severity int       `json:"severity"`
	Reason   string    `json:"reason,omitempty"`
}

type ecsRule struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Ruleset string `json:"ruleset"`
}

type ecsThreat struct {
	Framework string       `json:"framework"`
	Tactic    *ecsTactic   `json:"tactic,omitempty"`
	Technique ecsTechnique `json:"technique"`
}

type ecsTactic struct {
	ID        []string `json:"id"`
	Name      []string `json:"name"`
	Reference []string `json:"reference"`
}

type ecsTechnique struct {
	ID           []string      `json:"id"`
	Name         []string      `json:"name,omitempty"`
	Reference    []string      `json:"reference"`
	Subtechnique *ecsTechnique `json:"subtechnique,omitempty"`
}

type ecsSource struct {
	IP string `json:"ip"`
}

type ecsUser struct {
	Name string `json:"name"`
}

type ecsUserAgent struct {
	Original string `json:"original"`
}

type ecsEmail struct {
	MessageID string      `json:"message_id,omitempty"`
	To        *ecsAddress `json:"to,omitempty"`
}

type ecsAddress struct {
	Address []string `json:"address"`
}

type ecsLog struct {
	Level  string   `json:"level"`
	File   *ecsFile `json:"file,omitempty"`
	Offset *int64   `json:"offset,omitempty"` // Filebeat's log.offset
}

type ecsFile struct {
	Path string `json:"path"`
}

// mailtripFields keeps what ECS has no place for. Evidence is a JSON text:
// its keys and value types differ from rule to rule, and dynamic mapping of
// them would make one alert's document fail to index after another's.
type mailtripFields struct {
	Schema      string       `json:"schema"`
	Time        *time.Time   `json:"time,omitempty"` // as the evidence says; absent when unknown
	Mailbox     string       `json:"mailbox,omitempty"`
	Folder      string       `json:"folder,omitempty"`
	Decoy       *alert.Decoy `json:"decoy,omitempty"`
	Reasons     []string     `json:"reasons,omitempty"`
	Origin      event.Origin `json:"origin"`
	Evidence    string       `json:"evidence,omitempty"`
	MemberCount int          `json:"member_count,omitempty"`
	Level       string       `json:"level"`
	Tags        []string     `json:"tags,omitempty"`
	Actor       *alert.Actor `json:"actor,omitempty"`
}

// ATT&CK names of the techniques mailtrip's rules are tagged with.
var techniqueNames = map[string]string{
	"T1114":     "Email Collection",
	"T1114.001": "Local Email Collection",
	"T1114.002": "Remote Email Collection",
	"T1114.003": "Email Forwarding Rule",
}

// tactic names by Sigma tag.
var tactics = map[string][2]string{
	"attack.collection":   {"TA0009", "Collection"},
	"attack.exfiltration": {"TA0010", "Exfiltration"},
	"attack.persistence":  {"TA0003", "Persistence"},
}

// ECS maps an alert onto an ECS document.
func ECS(a *alert.Alert) Document {
	ts := a.Time
	if ts.IsZero() {
		ts = a.DetectedAt
	}
	d := Document{
		Timestamp: ts.UTC(),
		ECS:       ecsVersion{ECSVersion},
		Message:   a.Summary,
		Tags:      a.Rule.Tags,
		Event: ecsEvent{
			Kind:     "alert",
			Category: []string{"email", "intrusion_detection"},
			Type:     []string{"info"},
			ID:       a.ID,
			Created:  a.DetectedAt.UTC(),
			Provider: a.Detector,
			Module:   "mailtrip",
			Dataset:  "mailtrip.alert",
			Severity: int(a.Rule.Level),
		},
		Rule: ecsRule{ID: a.Rule.ID, Name: a.Rule.Title, Ruleset: "mailtrip"},
		Log:  ecsLog{Level: a.Rule.Level.String()},
		Mailtrip: mailtripFields{
			Schema:      a.Schema,
			Mailbox:     a.Mailbox,
			Folder:      a.Folder,
			Decoy:       a.Decoy,
			Reasons:     a.Reasons,
			Origin:      a.Origin,
			MemberCount: max(a.MemberCount, len(a.Members)),
			Level:       a.Rule.Level.String(),
			Tags:        a.Rule.Tags,
			Actor:       a.Actor,
		},
	}
	if !a.Time.IsZero() {
		t := a.Time.UTC()
		d.Mailtrip.Time = &t
	}
	if len(a.Reasons) > 0 {
		d.Event.Reason = a.Reasons[0]
	}
	if len(a.Evidence) > 0 {
		if b, err := json.Marshal(a.Evidence); err == nil {
			d.Mailtrip.Evidence = string(b)
		}
	}
	d.Threat = threat(a.Rule.Tags)
	if a.Actor != nil {
		// source.ip is mapped as ip: anything else would fail the document.
		if ip, err := netip.ParseAddr(a.Actor.IP); err == nil {
			d.Source = &ecsSource{IP: ip.String()}
		}
		if a.Actor.User != "" {
			d.User = &ecsUser{Name: a.Actor.User}
		}
		if a.Actor.UserAgent != "" {
			d.UserAgent = &ecsUserAgent{Original: a.Actor.UserAgent}
		}
	}
	if a.MessageID != "" || isAddress(a.Mailbox) {
		d.Email = &ecsEmail{MessageID: a.MessageID}
		if isAddress(a.Mailbox) {
			d.Email.To = &ecsAddress{Address: []string{a.Mailbox}}
		}
	}
	if a.Mailbox != "" && !isAddress(a.Mailbox) {
		d.Labels = map[string]string{"mailbox": a.Mailbox}
	}
	if a.Origin.File != "" {
		d.Log.File = &ecsFile{Path: a.Origin.File}
		if a.Origin.Offset >= 0 {
			off := a.Origin.Offset
			d.Log.Offset = &off
		}
	}
	return d
}

func isAddress(s string) bool {
	if !strings.Contains(s, "@") || strings.ContainsAny(s, "/\\ ") {
		return false
	}
	_, err := mail.ParseAddress(s)
	return err == nil
}

// threat reads ATT&CK tags ("attack.t1114.003", "attack.collection") into
// ECS threat fields: technique ids are the parents, subtechnique ids the
// dotted ones.
func threat(tags []string) *ecsThreat {
	var tech, sub, tacID, tacName []string
	seen := map[string]bool{}
	for _, tag := range tags {
		tag = strings.ToLower(tag)
		if t, ok := tactics[tag]; ok && !seen[t[0]] {
			seen[t[0]] = true
			tacID, tacName = append(tacID, t[0]), append(tacName, t[1])
			continue
		}
		rest, ok := strings.CutPrefix(tag, "attack.t")
		if !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
			continue
		}
		id := "T" + strings.ToUpper(rest)
		parent, _, isSub := strings.Cut(id, ".")
		if !seen[parent] {
			seen[parent] = true
			tech = append(tech, parent)
		}
		if isSub && !seen[id] {
			seen[id] = true
			sub = append(sub, id)
		}
	}
	if len(tech) == 0 {
		return nil
	}
	th := &ecsThreat{Framework: "MITRE ATT&CK", Technique: techniqueFields(tech)}
	if len(sub) > 0 {
		s := techniqueFields(sub)
		th.Technique.Subtechnique = &s
	}
	if len(tacID) > 0 {
		ref := make([]string, len(tacID))
		for i, id := range tacID {
			ref[i] = "https://attack.mitre.org/tactics/" + id + "/"
		}
		th.Tactic = &ecsTactic{ID: tacID, Name: tacName, Reference: ref}
	}
	return th
}

func techniqueFields(ids []string) ecsTechnique {
	t := ecsTechnique{ID: ids}
	named := true
	for _, id := range ids {
		t.Reference = append(t.Reference, "https://attack.mitre.org/techniques/"+strings.ReplaceAll(id, ".", "/")+"/")
		if n, ok := techniqueNames[id]; ok {
			t.Name = append(t.Name, n)
		} else {
			named = false
		}
	}
	if !named {
		t.Name = nil // names must line up with ids
	}
	return t
}
