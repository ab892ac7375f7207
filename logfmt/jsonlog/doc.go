// Package jsonlog reads generic structured logs as a stream of records,
// each a map[string]any with its origin: JSON values one after another
// (pretty-printed, as evtx_dump and most API dumps write them), JSON
// Lines, top-level JSON arrays (streamed element by element), API
// envelopes such as {"value": [...]} (Graph), {"items": [...]} (Google)
// and {"records": [...]} (Azure Monitor), and CSV whose cells may hold
// JSON (Microsoft Purview audit exports put the whole record in the
// AuditData column). [SniffKind] and [Sniff] tell these apart.
//
// # Specifications
//
// JSON is RFC 8259, JSON Lines is https://jsonlines.org (one value per
// line, LF or CRLF), CSV is RFC 4180 with the leniencies listed on
// csvReader (a PowerShell Export-Csv "#TYPE" first line is recognised and
// exposed by [Reader.CSVType]). evtx_dump's JSON output (the "#attributes"
// form of EVTX records) is plain JSON and reads as such.
//
// # How values are split, and what happens to damaged input
//
// The reader does not hand the stream to encoding/json: a json.Decoder
// cannot go on after a syntax error, and one bad line must not lose the
// rest of a log. A small lexical scanner (strings, escapes, brackets)
// finds where each top-level value ends; each value is then decoded on
// its own with json.Decoder.UseNumber, so numbers keep their source
// spelling as json.Number (no float rounding of 64-bit ids). Damage is
// reported as a [*logfmt.ParseError] for that record and reading goes on:
//
//   - a value that does not decode (a missing value, a bad literal):
//     ErrSyntax with the offset and line of the error, next value;
//   - a value cut off, recognised when a line starts with '{' while the
//     previous value is still open (the usual truncated JSON Lines line):
//     ErrTruncated for the cut value, the next one starts at that line;
//   - a raw line feed inside a string, or a closer of the wrong kind:
//     ErrSyntax, and reading resumes at the next line;
//   - a value longer than Limits.MaxRecordBytes or nested deeper than
//     Limits.MaxDepth: ErrLimit; it is scanned to its end without being
//     kept, and the next value follows;
//   - a scalar where a record should be: ErrNotRecord.
//
// Divergence: a pretty-printer that puts a nested '{' at the very start
// of a line (no indentation) makes the reader believe the enclosing value
// was cut off. No common writer does that (jq, PowerShell ConvertTo-Json,
// Python's json.dumps, evtx_dump all indent).
//
// # Speed
//
// A value that lies whole in the read buffer is decoded straight from it
// by a recursive-descent decoder (decode.go) that gives what
// encoding/json gives; the scanner's copy and checks are skipped only
// where they would find nothing to report, so everything above holds
// unchanged (FuzzReader compares one-byte reads, which always take the
// long way, with bulk reads). Member names, short strings and numbers
// that repeat from record to record are interned per Reader (intern.go),
// and maps and slices are allocated once at their size.
//
// # Origins
//
// Offsets are byte offsets in the input (a UTF-8 BOM counted; UTF-16
// input is transcoded and offsets then count the UTF-8 text), Line is the
// line the record starts on, Index counts records and rejected records
// from 0. Elements of an array carry their own offset and line; elements
// of an envelope too (the envelope, at most MaxRecordBytes, is decoded as
// a whole, which API pages allow).
package jsonlog
