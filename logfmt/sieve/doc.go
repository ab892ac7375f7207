// Package sieve reads the mail-filtering scripts of self-hosted servers and
// lists what they do with mail: which messages are redirected or forwarded
// and to whom (and whether a copy stays in the mailbox), filed into which
// folder, discarded, flagged as read, answered by a vacation responder —
// each with the conditions that guard it, as text, and its line number.
//
// Three formats are read:
//
//   - Sieve scripts (RFC 5228), with the extensions that change where
//     mail goes or how it looks to its owner: copy (RFC 3894, ":copy" on
//     redirect and fileinto), fileinto, reject/ereject (RFC 5429),
//     vacation (RFC 5230), imap4flags (RFC 5232: addflag/setflag
//     "\\Seen" marks mail read) and enotify (RFC 5435: notify with a
//     mailto: method). Other commands are listed under their own name.
//   - .forward files (sendmail aliases(5) syntax as used by sendmail,
//     Postfix local(8) and Exim): addresses, "\user" (keep a local copy),
//     "|command", "/file" and ":include:" entries, separated by commas
//     or newlines. A .forward starting with "# Sieve filter" is read as
//     Sieve.
//   - procmail recipes (procmailrc(5)): ":0 flags : lockfile", "*"
//     conditions, and one action — "! addresses" (forward), "| command",
//     "{ nested recipes }" or a mailbox path. Flag c (carbon copy) means a
//     copy goes on.
//
// [Parse] returns a [Script]; [Records] turns it into one record per
// action (map[string]any) so that log ingestion can treat a script as a
// log; [ReadRecords] does both from a reader.
//
// # Grammar (Sieve, RFC 5228 section 8)
//
//	commands     = *command
//	command      = identifier arguments (";" / block)
//	block        = "{" commands "}"
//	arguments    = *argument [ test / test-list ]
//	argument     = string-list / number / tag
//	test         = identifier arguments
//	test-list    = "(" test *("," test) ")"
//	string-list  = "[" string *("," string) "]" / string
//	string       = quoted-string / multi-line
//	multi-line   = "text:" *(SP / HTAB) (hash-comment / CRLF)
//	               *(multiline-literal / multiline-dotstart) "." CRLF
//	tag          = ":" identifier
//	number       = 1*DIGIT [ "K" / "M" / "G" ]
//	comment      = "#" ... CRLF / "/*" ... "*/"
//
// # Divergences
//
//   - Scripts are read whole, up to [Options.MaxBytes] (1 MiB by
//     default); Sieve servers cap scripts far lower (Dovecot: 1 MiB).
//   - Line endings may be LF or CRLF; RFC 5228 wants CRLF.
//   - Commands are not checked against "require": a script using
//     fileinto without requiring it is still read (a server would refuse
//     it, but what the author meant is still evidence).
//   - Whether a redirect keeps a copy is decided per block: ":copy", or
//     an unconditional keep or fileinto in the same block. Sieve's
//     implicit keep across blocks and "stop" ordering is not simulated.
//   - Variables (RFC 5229) are not expanded: "${x}" stays as written.
//   - Exim filter files ("# Exim filter") are not read: [Parse] returns
//     [ErrUnsupported].
//   - procmail: variable assignments other than INCLUDERC are skipped;
//     backquoted and "$" conditions are listed as written; a ":0" line's
//     lock file is ignored.
//
// Every error is a [*ParseError] with the line (and byte offset) where
// reading stopped, wrapping [ErrSyntax], [ErrLimit] or [ErrUnsupported];
// [Parse] still returns the actions read before it.
package sieve
