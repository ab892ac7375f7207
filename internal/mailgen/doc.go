// Package mailgen generates realistic, labelled mail for tests and
// benchmarks: ordinary mail (plain, multipart/alternative, multipart/mixed
// with base64 attachments), reply threads with quoted text, manual forwards
// from the common mail clients in several languages (inline and as attached
// message/rfc822), auto-forwarded and redirected copies carrying the
// artifacts of each forwarding platform, and near misses that a forwarding
// detector must not flag (mailing lists, bounces, auto-replies, calendar
// notifications, "Fwd:" subjects without any artifact).
//
// Every message comes with a ground-truth [Label]. Output is a pure function
// of [Config]: the same seed yields the same bytes (the generator uses a
// seeded PCG from math/rand/v2, a fixed start date, and no map iteration).
//
// Messages are RFC 5322 with LF line ends; the writers ([WriteMbox],
// [WriteMaildir], [WriteEMLDir]) convert to CRLF when Config.CRLF is set.
// The mbox writer produces mboxrd: body lines matching ^>*From are quoted
// with one more '>'.
//
// The forwarding artifacts follow the sourced table in
// docs/forwarding-artifacts.md; comments in autofwd.go name the rows.
package mailgen
