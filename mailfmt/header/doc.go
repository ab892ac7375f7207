// Package header parses RFC 5322 header blocks as they occur in real mail
// stores, reads single-message files (.eml, Maildir files) with bounded
// memory, decodes RFC 2047 encoded words for display and matching, and
// extracts addresses from address-list fields.
//
// Specs: RFC 5322 section 2.2 (header fields, folding) and section 3.4
// (address lists), RFC 2047 (encoded words), RFC 2231 section 5 (language
// tag in an encoded word's charset).
//
// Notable divergences, all in the direction of accepting what real mail
// stores contain:
//
//   - Lines may end in LF or CRLF, mixed within one block; a bare CR is
//     kept in the value.
//   - Whitespace between a field name and its colon is tolerated
//     ("Subject : x"), as RFC 822 allowed (obs-optional in RFC 5322 4.5.2).
//   - A line that is neither a field nor a continuation (a stray mbox
//     ">From " line, binary garbage, a continuation before any field) is
//     skipped and counted instead of failing the whole block.
//   - Field values are not validated: 8-bit bytes, NULs and overlong
//     lines (up to [mailfmt.Limits].MaxLineBytes) are kept as they are.
//   - Encoded words longer than 75 characters, or not separated from
//     surrounding text by whitespace, are decoded anyway; words in an
//     unknown charset or with broken encoding are left as they are.
//   - [Addresses] does not validate addresses (net/mail rejects too much
//     real mail); it returns whatever looks like local@domain.
package header
