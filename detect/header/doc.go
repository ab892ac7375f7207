// Package header detects automatic forwarding in mail stores from the
// artifacts platforms leave in forwarded messages (Exchange, Gmail, Sieve,
// RFC 5322 Resent-* blocks, SRS return paths, Delivered-To chains; see
// docs/forwarding-artifacts.md for the sourced table), and tells those from
// messages that merely look forwarded by hand (subject prefixes, client
// body separators, attached message/rfc822).
//
// [Classify] is pure and per message. [Detector] wraps it for the pipeline:
// it emits one alert per auto-forwarded or redirected message and, at end of
// input, one alert per mailbox whose auto-forwarded volume is not matched
// by messages that look forwarded (the T1114.003 heuristic; thresholds in
// [Options]).
package header
