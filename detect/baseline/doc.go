// Package baseline detects mailbox-access and sign-in anomalies in audit
// logs (MITRE ATT&CK T1114.002 remote email collection, T1110 password
// guessing, T1078 valid accounts) by comparing each user with their own
// history and with absolute thresholds:
//
//   - mailbox access (Microsoft 365 MailItemsAccessed): whole folders
//     synchronised in bulk, Bind (read) volume per user, address and app,
//     throttled audit records, mail read through Graph/EWS by an app new
//     for the user, and a planted decoy's Message-ID being read;
//   - IMAP/POP3 sessions (Dovecot logout counters) downloading far more
//     than the user's median;
//   - sign-ins (Entra sign-in logs, UAL UserLoggedIn/UserLoginFailed,
//     Google Workspace login events, Dovecot and Roundcube auth lines):
//     password spraying, brute force, success after failures, legacy
//     protocols, a country (or ASN) new for the user, impossible travel.
//
// Detect files each record under its user and source address (sharded
// maps, safe for concurrent use) and reports decoy reads at once; Flush
// sorts every key's records by time and evaluates the rules, so results
// do not depend on the order the pipeline delivered records in. On a
// stream (scan --follow) FlushSome judges, every so often, the records a
// window older than the newest, carrying each user's profile and open
// windows to the next call, so that its alerts are those of one Flush at
// the end (flush.go). Every alert lists its reasons in words.
//
// Baselines are per-user [Profile]s. With [Options].State they are loaded
// when a flush starts judging the user and saved back after it, so a
// daily scan compares against earlier runs;
// without it they are built from the input itself: a user's first
// LearningPeriod (7 days) of records is history, judged only by the
// absolute rules. The detector does no network or file I/O: state, decoys
// and geolocation come through the [State], [Decoys] and [Geo]
// interfaces (package geoip implements Geo over MaxMind .mmdb files).
// docs/baseline.md documents every rule, threshold and default.
package baseline
