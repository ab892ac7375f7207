// Package imap plants decoy emails into a live mailbox over IMAP, checks
// later that they are still there untouched, and removes them again. It
// implements [plant.Target] with the emersion go-imap v2 client.
//
// [New] takes a URL: "imaps://user@host[:port]/Folder" (implicit TLS,
// port 993) or "imap://user@host[:port]/Folder" (port 143, STARTTLS
// required unless [Options.Insecure]). The folder defaults to INBOX; "/"
// in it separates levels and is turned into the server's hierarchy
// delimiter.
//
// # Protocol
//
//   - Planting is one APPEND (RFC 3501 6.3.11) with the decoy's flags and
//     its Date as INTERNALDATE, so it sorts into the mailbox's history. The
//     UID comes from the UIDPLUS APPENDUID response code (RFC 4315); a
//     server without UIDPLUS is asked "UID SEARCH HEADER Message-ID".
//   - Verify uses EXAMINE (read-only) and BODY.PEEK[], so checking a decoy
//     never marks it read nor clears \Recent.
//   - Remove finds the decoy with EXAMINE too and SELECTs (read-write)
//     only the folder holding it. It sets \Deleted on the decoy's UID
//     alone and runs UID EXPUNGE (UIDPLUS) on that UID alone. It never
//     sends a plain EXPUNGE or CLOSE, which would also expunge messages the
//     user marked \Deleted; servers without UIDPLUS are refused
//     ([ErrNoUIDPlus]).
//
// # Receipts
//
// [plant.Receipt] has no IMAP fields, so an IMAP receipt stores the UID
// in Offset and the folder's UIDVALIDITY in Size (see [UID] and
// [UIDValidity]), and the flags planted, when there were any, in Path as
// "flags=<Maildir letters>" (Verify needs them to tell that someone read
// the decoy). Receipt.Target is the server URL without any password.
//
// # Divergences and choices
//
//   - Message.Raw is sent with CRLF line ends (bare LF and CR are turned
//     into CRLF); Receipt.SHA256 is of exactly the bytes appended, which is
//     what BODY.PEEK[] returns.
//   - Maildir flag letters map to IMAP flags: D \Draft, F \Flagged,
//     P $Forwarded, R \Answered, S \Seen, T \Deleted. Status.FlagsChanged
//     is in the same letters; keywords the server holds beyond those are
//     appended after a space ("S $Junk"). \Recent is ignored.
//   - The internal date keeps Message.Date's instant; whether it keeps the
//     zone is up to the server (Dovecot's Maildir stores a file time and
//     answers in its own zone).
//   - A created folder is also subscribed, so mail clients show it.
//   - The password is never logged nor put in an error: every error this
//     package returns has it replaced by "xxxxx".
package imap
