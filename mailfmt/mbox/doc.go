// Package mbox reads mbox files (RFC 4155: mboxo and mboxrd, LF or CRLF
// line ends) as a stream of [mailfmt.Message]s with bounded memory, and
// splits a file into pieces that can be read in parallel ([Boundaries]).
// Compression (.gz) is unwrapped by the caller.
//
// # Message boundaries
//
// RFC 4155 says a message starts at a line beginning with "From " (the
// "From_" line) and ends before the next one, and that writers quote
// body lines starting with "From " (mboxo) or with ">*From " (mboxrd) by
// prepending '>'. Real files break this: mboxo writers and hand-edited
// files leave "From " at the start of body lines, and From_ lines carry
// odd or no dates ("From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
// Thunderbird's "From - Mon Jan 01 00:00:00 2024", a bare "From a@b").
// This package therefore uses this rule, which needs no date parsing:
//
//	boundary  = ( file-start / empty-line ) from-line header-field-start
//	from-line = "From " *(any byte but LF) LF       ; at most 4096 bytes
//	header-field-start = 1*ftext *WSP ":"          ; RFC 5322 field-name, at most 998 bytes
//	empty-line = LF / CRLF                          ; the line before is empty
//
// Requiring both the empty line before (every writer separates messages
// with one) and a header field after means an unquoted "From " inside a
// body splits a message only if it follows a blank line and is itself
// followed by something shaped like "Name:" — rare in prose and impossible
// in base64. The price is that a message whose header starts with a
// non-field line (a second "From " line, a continuation) is not split off;
// it stays part of the previous message's body. A From_ line is not
// checked beyond its "From " prefix.
//
// Because the rule looks only at a few bytes around a position, any byte
// range that starts at a boundary can be read on its own: [Boundaries]
// picks such ranges and a [Reader] over each gives exactly the messages a
// sequential read gives.
//
// # What a Message holds
//
// Offset is the absolute offset of the From_ line (Options.BaseOffset plus
// the position in the stream) and Size runs up to the next boundary or
// EOF, so the Offset+Size of one message is the Offset of the next. The
// empty line before the next From_ line belongs to the separator: it is
// counted in Size but not in BodySize. Body is a prefix of at most
// Limits.MaxBodyBytes stored bytes with one '>' removed from every line
// matching ^>+From  (mboxrd un-quoting, which is also right for mboxo's
// ">From "; an mboxo line that really started with ">From " loses its '>',
// the ambiguity mboxo is known for).
//
// # Divergences from RFC 4155
//
//   - Content-Length headers are ignored (they are wrong too often).
//   - Leading whitespace before the first From_ line is skipped; any other
//     data before it is reported as a [*mailfmt.ParseError] wrapping
//     [ErrNoFromLine] and skipped.
//   - A message whose header exceeds the limits is reported as a
//     [*mailfmt.ParseError] wrapping [mailfmt.ErrLimit] and skipped up to
//     the next boundary; EOF inside a header gives the message with
//     [mailfmt.ErrTruncated].
package mbox
