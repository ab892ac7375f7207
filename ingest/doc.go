// Package ingest turns what the user points mailtrip at into sources of
// [event.Event]: it walks paths, recognises each input's format from its
// content (eml, mbox, gzip-compressed mbox, Maildir/Maildir++), decides what
// one mailbox is (a Maildir root with its subfolders, an mbox file, a folder
// of .eml files, as ARCHITECTURE.md defines), and cuts the work into
// [Unit]s that run on separate cores: batches of files, and sections of a
// large mbox split at message boundaries.
//
// Standard input, "-" among the paths, is one unit read as it arrives
// (stream.go). Files inside a scanned folder whose format is not
// recognised are skipped and counted; a path named explicitly that cannot
// be read is an error. Every event carries its origin (file, byte offset,
// Message-ID).
package ingest
