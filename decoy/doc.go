// Package decoy generates decoy emails: realistic, enticing messages that
// carry breadcrumbs (URLs, a DNS host name, a canary address, decoy
// credentials) so that an intruder who collected a mailbox (MITRE ATT&CK
// T1114) trips an alarm when he uses one (MITRE Engage "Decoy Content").
//
// The package is pure: no clock, no network, no randomness but the seed.
// The caller mints breadcrumbs (package token) and passes them in
// Options.Crumbs; Generate returns the message bytes and its identity.
//
// # Design
//
// A decoy is a conversation of one to five messages between personas of
// the configured Org (generated deterministically from the org's name and
// domain when Org.People is empty). Each message is written with a mail
// client (Outlook 16, Outlook for Mac, OWA, Outlook mobile, Apple Mail,
// iPhone Mail, Thunderbird, Android clients, eM Client) that decides the
// header order and optional fields, the Message-ID shape, how earlier
// messages are quoted ("> " with an attribution line, or an Outlook
// From/Sent/To/Subject block), the HTML skeleton and the transfer
// encodings. The newest message is serialised as multipart/alternative
// (text and HTML), sometimes inside multipart/mixed with a small text or
// CSV attachment, under a Received chain through Org.MailServers.
//
// Text comes from templates (expand.go): "{a|b|c}" picks one alternative
// (alternatives nest and may be empty), "{name}" is a per-decoy variable
// (people, amounts, vendors, account numbers, dates, breadcrumbs) or a
// phrase pool. Long sentences are assembled from several independent
// choices and mostly carry a variable, so no phrase recurs in many decoys.
//
// # Themes
//
// Themes lists them: payments (wire transfers, changed bank details),
// invoices, credentials (VPN profiles, MFA backup codes), crypto (wallet
// recovery phrases, exchange accounts), payroll, mergers (M&A, board
// packs, data rooms), legal (litigation holds, settlements), hr
// (compensation, restructuring) and itadmin (break-glass and admin
// accounts). Each has its own subjects, opening and reply paragraphs,
// specifics and nouns; links, host names, credentials and the canary
// address are placed by sentences shared across themes that use the
// theme's nouns.
//
// # Guarantees (tested)
//
//   - Deterministic: the same Options give the same bytes (math/rand/v2
//     PCG seeded from Options.Seed; no map iteration order, no clock).
//   - Every breadcrumb that is set appears in the decoded message: links,
//     host, credentials and canary address literally in the text/plain
//     part (7bit or 8bit, never wrapped inside a word), links also as
//     <a href> in the HTML part, ImageURL as a remote <img> in the HTML
//     part (quoted-printable for some clients: findable after decoding,
//     HTML-escaped as HTML requires). The canary address is also put in
//     Reply-To or Cc in about half of the decoys.
//   - Parses with net/mail and mime/multipart; all parts decode.
//   - Headers agree: Date lies inside Org.History (and not after
//     Options.Now) with the offset of Org.TimeZone at that instant;
//     Received hops are in time order, all after Date, through hosts in
//     Org.Domain with private or TEST-NET addresses; Message-ID,
//     In-Reply-To and References are in Org.Domain.
//   - Variable: over 1,000 decoys no line or sentence longer than 24
//     characters of the decoded text or tag-stripped HTML occurs in more
//     than 5% of them, and no header-field-name sequence does either.
//     HTML markup itself follows each client's real skeleton and is
//     shared with genuine mail from that client; it is not counted.
//
// Raw uses CRLF line ends (RFC 5322); Maildir planters may convert.
// Importing the package embeds the time zone database (time/tzdata) so
// Org.TimeZone resolves on hosts without one.
package decoy
