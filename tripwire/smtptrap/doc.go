// Package smtptrap is the SMTP tripwire: the mail exchanger of the canary
// mail domains (dnstrap answers their MX with it). Mail to a canary
// address — a decoy's Reply-To or a breadcrumb address an attacker writes
// to, or a decoy forwarded by an auto-forwarding rule — arrives here and
// becomes a [tripwire.Hit] naming the token candidates it carries. It
// speaks SMTP through github.com/emersion/go-smtp (only this package
// imports it), with STARTTLS when a certificate is configured.
//
// # What it accepts
//
// Any local part at a canary domain ([Config.Domains], case-insensitive)
// is accepted at RCPT, so whether an address is live is never revealed; a
// recipient at any other domain gets 550 5.7.1 (no relaying). No AUTH, no
// VRFY answer beyond 252, no delivery anywhere: a message ends in the
// recorder.
//
// # What it records
//
// At the end of DATA, one Hit{Trap: "smtp"} with Source (the peer),
// Subs (candidates from the envelope recipients first, then from the whole
// message: header fields such as To, Cc, Message-ID, In-Reply-To and
// References, and the body: the raw text, the text with quoted-printable
// soft line breaks joined, and base64-looking lines decoded (scan.go); so
// a forwarded decoy is recognised by its links, its addresses or the
// Message-ID whose left part carries a sub-id) and Detail:
//
//	helo, mail_from, rcpt_to []string, size (bytes of DATA), tls (bool),
//	headers {From, To, Cc, Subject, Date, Message-ID, In-Reply-To,
//	         References: string; Received: []string, newest first}
//
// plus headers_truncated, subs_truncated, base64_lines and cut_off when
// they apply. Every complete message is recorded, with or without
// candidates (a mangled token is still worth a look); the recorder keeps
// the candidates its registry knows. The hit is recorded before the
// answer: 250 once Record returned, 451 4.3.0 when it failed (the sender
// retries). A message over [Config.MaxMessageBytes] gets 552 and is
// recorded from what arrived (cut_off "oversize") when that, or its
// envelope, carried a candidate; so is a message whose client vanished
// mid-DATA (cut_off "incomplete").
//
// # Limits
//
// Message size (10 MiB), recipients per message (50, then 452), lines of
// 2000 bytes (go-smtp's), connections at once (256, then 421), a read
// timeout per command and per pause inside DATA, a write timeout per reply,
// a time limit on the whole connection, and how long Record may take. The
// [tripwire.Limiter] is asked once per connection (421 when refused) and
// again for every further message on it (450); refusals are counted in
// [Stats], not recorded. Only the header section (64 KiB) is kept while a
// message streams in; the body is scanned and dropped, so a session costs
// tens of KiB whatever the message size. Detail keeps header values of at
// most 1000 bytes, 50 Received fields, and a hit at most [MaxSubs]
// candidates.
package smtptrap
