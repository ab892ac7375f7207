// Package logfmt holds what mailtrip's log and audit-record readers share:
// a record's [Origin] in its file, the positioned [ParseError] a reader
// returns for one bad record before it moves on to the next, the [Limits]
// every reader honours, a [Guess] from format sniffing, and [NewTextReader],
// which turns UTF-16 and BOM-prefixed exports into plain UTF-8.
//
// The readers live in subpackages, one per family of formats:
//
//   - jsonlog: JSON values, JSON Lines, JSON arrays and CSV (columns may hold JSON)
//   - m365: Microsoft 365 unified audit log, Exchange exports and cmdlet logs, Entra sign-ins
//   - gws: Google Workspace Reports API activities and their SIEM shapes
//   - syslog: Dovecot, Postfix and Roundcube lines in syslog, journald and file form
//   - w3c: IIS W3C extended logs (OWA, EWS, ActiveSync)
//   - sieve: Sieve scripts, .forward files and procmail recipes (forwarding actions)
//   - sniff: which of the above a file is, from its first bytes and name
//
// Everything under logfmt imports only the standard library (and other
// logfmt packages) so that it can be fuzzed in isolation; docs/logformats.md
// describes each format, the samples the tests use, and known divergences.
package logfmt
