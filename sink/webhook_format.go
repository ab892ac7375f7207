package sink

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailtrip/mailtrip/alert"
)

// Chat payloads: what a person sees first is the level, the rule and the
// summary; then the facts an analyst acts on. Everything in them comes
// from evidence an attacker may control (a user agent, a user name), so it
// is escaped for the receiver's markup and never becomes a link.

// fact is one labelled value of an alert for chat formats.
type fact struct{ name, value string }

func facts(a *alert.Alert) []fact {
	var fs []fact
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, fact{name, value})
		}
	}
	add("Level", a.Rule.Level.String())
	add("Rule", a.Rule.ID)
	if a.Decoy != nil {
		add("Decoy", a.Decoy.ID)
		add("Decoy mailbox", joinNonEmpty(" / ", a.Decoy.Mailbox, a.Decoy.Folder))
		add("Trigger", a.Decoy.Trigger)
	}
	add("Mailbox", joinNonEmpty(" / ", a.Mailbox, a.Folder))
	add("Message-ID", a.MessageID)
	if a.Actor != nil {
		add("User", a.Actor.User)
		add("Source IP", a.Actor.IP)
		add("User agent", a.Actor.UserAgent)
	}
	if !a.Time.IsZero() {
		add("Time", a.Time.UTC().Format(time.RFC3339))
	}
	add("Origin", a.Origin.String())
	add("Alert id", a.ID)
	return fs
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

func title(a *alert.Alert) string {
	t := a.Rule.Title
	if t == "" {
		t = a.Rule.ID
	}
	return "[" + strings.ToUpper(a.Rule.Level.String()) + "] " + t
}

// truncate cuts s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// --- Slack (incoming webhook, Block Kit) ---
//
// https://api.slack.com/messaging/webhooks, https://api.slack.com/block-kit.
// "text" is the notification fallback; blocks: a header (plain_text, at
// most 150 characters), a section with the summary (mrkdwn, at most 3000),
// a section with up to 10 fields (at most 2000 each), and a context line.
// mrkdwn needs &, < and > escaped (RFC-less, per Slack's formatting guide).

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

func slackMessage(a *alert.Alert) slackPayload {
	esc := slackEscaper.Replace
	var fields []slackText
	for _, f := range facts(a) {
		if f.name == "Alert id" || len(fields) == 10 {
			continue
		}
		fields = append(fields, slackText{"mrkdwn", truncate("*"+f.name+"*\n"+esc(f.value), 2000)})
	}
	summary := a.Summary
	if summary == "" {
		summary = a.Rule.Title
	}
	blocks := []slackBlock{
		{Type: "header", Text: &slackText{"plain_text", truncate(title(a), 150)}},
		{Type: "section", Text: &slackText{"mrkdwn", truncate(esc(summary), 3000)}},
	}
	if len(fields) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{"mrkdwn", esc("mailtrip alert " + a.ID)}}})
	return slackPayload{Text: truncate(esc(title(a)+": "+summary), 3000), Blocks: blocks}
}

// --- Microsoft Teams Workflows webhook (Adaptive Card) ---
//
// The "Post to a channel when a webhook request is received" workflow takes
// a message activity whose attachment is an Adaptive Card (schema 1.4):
//
//	{"type":"message","attachments":[{"contentType":
//	  "application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{card}}]}
//
// Teams renders a Markdown subset in TextBlock and FactSet; link syntax
// "[text](url)" from evidence is broken with a zero-width space.

var teamsEscaper = strings.NewReplacer("](", "]\u200b(", "<", "&lt;", ">", "&gt;")

type teamsMessagePayload struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []cardElement  `json:"body"`
	MSTeams map[string]any `json:"msteams,omitempty"`
}

type cardElement struct {
	Type   string     `json:"type"`
	Text   string     `json:"text,omitempty"`
	Weight string     `json:"weight,omitempty"`
	Size   string     `json:"size,omitempty"`
	Color  string     `json:"color,omitempty"`
	Wrap   bool       `json:"wrap,omitempty"`
	Facts  []cardFact `json:"facts,omitempty"`
}

type cardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

func teamsMessage(a *alert.Alert) teamsMessagePayload {
	esc := teamsEscaper.Replace
	color := "Default"
	switch {
	case a.Rule.Level >= alert.High:
		color = "Attention"
	case a.Rule.Level == alert.Medium:
		color = "Warning"
	}
	var fs []cardFact
	for _, f := range facts(a) {
		fs = append(fs, cardFact{f.name, esc(f.value)})
	}
	body := []cardElement{
		{Type: "TextBlock", Text: esc(title(a)), Weight: "Bolder", Size: "Medium", Color: color, Wrap: true},
	}
	if a.Summary != "" {
		body = append(body, cardElement{Type: "TextBlock", Text: esc(a.Summary), Wrap: true})
	}
	body = append(body, cardElement{Type: "FactSet", Facts: fs})
	return teamsMessagePayload{
		Type: "message",
		Attachments: []teamsAttachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content: adaptiveCard{
				Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
				Type:    "AdaptiveCard",
				Version: "1.4",
				Body:    body,
				MSTeams: map[string]any{"width": "Full"},
			},
		}},
	}
}

// --- Office 365 connector (legacy MessageCard) ---
//
// https://learn.microsoft.com/outlook/actionable-messages/message-card-reference:
// summary or text is required; themeColor is hex without "#"; facts are
// name/value pairs in a section.

type messageCardPayload struct {
	Type       string        `json:"@type"`
	Context    string        `json:"@context"`
	Summary    string        `json:"summary"`
	ThemeColor string        `json:"themeColor"`
	Title      string        `json:"title"`
	Text       string        `json:"text,omitempty"`
	Sections   []cardSection `json:"sections"`
}

type cardSection struct {
	Facts []cardFactLegacy `json:"facts"`
}

type cardFactLegacy struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var themeColors = map[alert.Level]string{
	alert.Informational: "0078D7",
	alert.Low:           "FFB900",
	alert.Medium:        "FF8C00",
	alert.High:          "D13438",
	alert.Critical:      "8B0000",
}

func messageCard(a *alert.Alert) messageCardPayload {
	esc := teamsEscaper.Replace
	var fs []cardFactLegacy
	for _, f := range facts(a) {
		fs = append(fs, cardFactLegacy{f.name, esc(f.value)})
	}
	summary := a.Summary
	if summary == "" {
		summary = title(a)
	}
	color := themeColors[a.Rule.Level]
	if color == "" {
		color = themeColors[alert.Critical]
	}
	return messageCardPayload{
		Type:       "MessageCard",
		Context:    "https://schema.org/extensions",
		Summary:    truncate(esc(summary), 200),
		ThemeColor: color,
		Title:      esc(title(a)),
		Text:       esc(a.Summary),
		Sections:   []cardSection{{Facts: fs}},
	}
}
