// Package evtx reads Windows XML Event Log (EVTX) files natively, with the
// standard library only.
//
// # Format followed
//
// The file layout (file header, 64 KiB chunks, event records) follows
// Joachim Metz's "Windows XML Event Log (EVTX) format" (libyal/libevtx,
// documentation/Windows XML Event Log (EVTX).asciidoc); the record payload
// is binary XML as specified in [MS-EVEN6] §2.2.12 (tokens, name strings,
// template definitions and instances, substitution value types §2.2.11).
// The grammar implemented is written out next to the code (file.go,
// chunk.go, binxml.go).
//
// # Reading
//
// Open checks the file header; the file is then read chunk by chunk through
// its io.ReaderAt, never as a whole. Each chunk is parsed on its own
// (ParseChunk, safe from several goroutines, so chunks and files spread
// across cores). A template definition is compiled once into the record's
// XML skeleton with holes for the substitution values (rendering a record
// copies the skeleton and formats the values) and into the ops Fields walks;
// compiled templates are shared by all chunks of a File that store the same
// definition (tcache.go), and Fields' keys and template literals are
// computed once per template. File.Records yields every record in file
// order; File.RecordsParallel does the same with the chunks parsed by
// several goroutines, and MapChunks also runs per-record work (rendering,
// Fields) in those goroutines, delivering the results in file order:
//
//	f, err := evtx.Open(fh, size, nil)
//	for rec, err := range f.Records(ctx) {
//		if err != nil { // *evtx.ParseError: bad chunk or record; reading goes on
//			continue
//		}
//		fmt.Println(rec.ID, rec.Fields()["EventID"], rec.XML())
//	}
//
// CRC32 checksums are verified: the file header's (reported, the chunks are
// still read), each chunk header's (the chunk is skipped) and each chunk's
// records data (reported; records that are framed correctly are still read,
// as a dirty file's last chunk may carry a stale checksum). Every chunk slot
// the file holds is read, also those beyond the header's chunk count (dirty
// files); unused all-zero slots are skipped silently. A record whose framing
// is broken ends its chunk; a record whose binary XML is bad is reported and
// the next one is read. Errors are *ParseError with the absolute offset,
// chunk and record, wrapping ErrBadHeader, ErrBadChunk, ErrChecksum,
// ErrBadRecord, ErrBadXML, ErrLimit or ErrTruncated. Options bound element
// depth, nesting of binary XML values, substitution count and rendered size.
//
// # Rendering
//
// Record.XML renders a record as python-evtx's evtx_dump.py (0.6.1) does, so
// output can be compared with that reference: elements always closed
// explicitly and followed by a newline, conditional substitutions that are
// NULL kept as empty values, &, < and > escaped, non-ASCII characters as
// decimal character references, C0 controls other than tab/LF/CR dropped,
// GUIDs as {lower-case}, hex32/hex64 zero-padded, size_t decimal, binary
// base64, booleans True/False, floats as Python's repr, string arrays as
// python-evtx's escaped <string> list. Record.Fields maps a record to the
// names Sigma rules use, with Windows' renderings (see Fields).
//
// # Known divergences
//
// From python-evtx, deliberately:
//   - timestamps are RFC 3339 UTC instants with full precision
//     (FILETIME 7 fractional digits, SYSTEMTIME 3), where python-evtx writes
//     "YYYY-MM-DD HH:MM:SS.ffffff" after a lossy float conversion, and reads
//     SYSTEMTIME milliseconds as microseconds;
//   - '"' in attribute values is escaped as &quot; (python-evtx leaves it
//     raw, which is not well-formed XML);
//   - an attribute value made of several tokens is kept whole (python-evtx
//     keeps the first and moves the others into the element's content);
//     CharRef, PITarget and PIData are rendered as XML (python-evtx drops
//     CharRef and escapes PIs as text);
//   - records without a template whose OpenStartElement tokens lack the
//     dependency identifier are read (python-evtx and libevtx fail on them);
//   - value types python-evtx cannot render are rendered rather than
//     aborting: arrays other than of UTF-16 strings as its <string> list,
//     unknown types as base64; ANSI strings are decoded as Latin-1
//     (python-evtx accepts ASCII only); an unpaired UTF-16 surrogate becomes
//     U+FFFD (python-evtx raises).
//
// From libevtx: record counts equal evtxexport's except where it fails to
// read a record at all. docs/evtx-divergences.md lists, with evidence, every
// record of the test corpus where the output differs from a reference.
//
// [MS-EVEN6]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-even6/
package evtx
