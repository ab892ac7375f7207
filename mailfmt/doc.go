// Package mailfmt holds the types shared by mailtrip's mail-store parsers:
// a parsed message ([Message]) with its header fields in wire order, the
// body prefix that detectors may look at, the [Limits] every reader honours,
// and the positioned [ParseError] a reader returns for one bad message
// before it moves on to the next.
//
// The parsers themselves live in subpackages: header (RFC 5322 header
// blocks), mbox (mboxo, mboxrd, gzip is handled by the caller) and maildir
// (Maildir and Maildir++ folders and file names). Everything under mailfmt
// imports only the standard library so that it can be fuzzed in isolation.
package mailfmt
