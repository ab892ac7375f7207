// Package mailrules detects, in mail-platform audit records, the changes an
// attacker makes to keep reading a mailbox or to hide what they do: inbox
// rules that forward mail outside the organisation or hide it from its
// owner (delete, move to RSS Feeds / Conversation History / Junk / Deleted
// Items / Archive, mark as read, conditions on payment and credential
// words, names that are only punctuation), mailbox forwarding set by an
// administrator, transport rules that copy mail out, mailbox and folder
// permissions granted widely, Gmail forwarding, email monitors and
// routing rules, and Sieve / .forward / procmail redirects off-domain.
//
// It reads the events of logfmt/m365 (unified audit log, Get-InboxRule and
// Get-Mailbox exports, MSExchange cmdlet log), logfmt/gws (Workspace
// activities) and logfmt/sieve (filter scripts as records). Every alert
// lists its reasons; the level comes from the combination of reasons by
// the scoring table in docs/mailrules.md, which documents every rule.
//
// "External" is judged against [Options.InternalDomains] (subdomains
// included) or, when none are configured, against the domains the record
// itself shows as the organisation's (the acting user's, the mailbox's,
// the tenant's), and the alert says which. A rule made from a network or
// client none of the user's earlier records in the same input used counts
// as one more reason (see history.go). Mailboxes holding planted decoys
// ([Options.Decoys]) make any forwarding of them high.
//
// The detector does no I/O and is safe for concurrent use.
package mailrules
