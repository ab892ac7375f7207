package header

// Evidence is one observation behind a finding: where it was seen, the
// header name or body marker, and the value as found (decoded for display).
type Evidence struct {
	Where string `json:"where"`          // "header", "envelope", "body", "mime"
	Name  string `json:"name"`           // header field name, or the marker's name
	Value string `json:"value"`          // what was found
	Line  int    `json:"line,omitempty"` // 1-based body line, for body evidence
}

// Kind classifies a finding.
type Kind string

// Finding kinds.
const (
	// AutoForward: a server or client rule sent a copy on (Exchange
	// AutoForwarded, Gmail X-Forwarded-To, X-MailFwdBy, Sieve redirect of a
	// copy, Delivered-To chains across domains).
	AutoForward Kind = "auto-forward"
	// Redirect: the message was re-sent unchanged to a new recipient
	// (Resent-* blocks, Sieve redirect, Exchange redirect rules).
	Redirect Kind = "redirect"
	// ManualForward: the message looks forwarded by a person (subject
	// prefix, body separator of a mail client, attached message/rfc822).
	ManualForward Kind = "manual-forward"
)

// Finding is one classification with the platform it points at and the
// evidence for it.
type Finding struct {
	Kind     Kind       `json:"kind"`
	Platform string     `json:"platform,omitempty"` // "exchange", "gmail", "sieve", "rfc5322", "srs", ...
	Rule     string     `json:"rule"`               // short stable name of the artifact rule
	Evidence []Evidence `json:"evidence"`
	// Destinations are forward-to addresses the evidence names, if any.
	Destinations []string `json:"destinations,omitempty"`
}
