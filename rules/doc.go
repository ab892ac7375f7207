// Package rules is mailtrip's built-in Sigma rule pack for email
// collection (MITRE ATT&CK T1114) and the harness that tests Sigma rules
// against example events.
//
// The pack is embedded in the binary ([FS], [Load]) and covers endpoint,
// PowerShell, Exchange cmdlet-log, unified-audit and network evidence:
// local mail stores (.pst/.ost, Thunderbird, Windows Mail, Apple Mail,
// Maildir/mbox) touched by processes that are not mail clients, Outlook
// COM automation from script hosts, MailSniper/Ruler/EWS/Graph tooling,
// Exchange export and search cmdlets, forwarding and redirect changes, and
// unusual processes on mail ports. docs/rules.md lists every rule.
//
// # Test layout
//
// Every rule file has example events beside the rules, in a folder named
// after the file's stem:
//
//	windows/file/file_event_win_mailstore_created_by_non_mail_client.yml
//	tests/file_event_win_mailstore_created_by_non_mail_client/match-copy-to-temp.json
//	tests/file_event_win_mailstore_created_by_non_mail_client/nearmiss-outlook-own-ost.json
//
// A match-*.json event must be matched by (one of) the file's rules; a
// nearmiss-*.json event must not. Each file holds one flat JSON object
// with Sigma field names (EventID, Channel, Image, CommandLine, ...), as
// the EVTX and JSON readers produce them. [Cases] reads that layout from
// any file system (user rule folders use it too) and [Run] checks the
// cases against a compiled [sigma.Ruleset]; [RunTests] does both.
package rules
