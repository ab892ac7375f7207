package jsonlog

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// sniffLen is how much of a stream SniffKind looks at.
const sniffLen = 8 << 10

// SniffKind says which container format head (the first bytes of a
// stream, up to 8 KiB is plenty) is in; KindUnknown when it is none.
//
//   - '[' first: KindArray.
//   - '{' first: KindJSONL when the first value ends on its first line,
//     else KindJSON (pretty-printed or concatenated values).
//   - a first line with a separator outside quotes, or a PowerShell
//     "#TYPE" line: KindCSV.
func SniffKind(head []byte) Kind {
	head = logfmt.HeadText(head)
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return KindUnknown
	}
	switch t[0] {
	case '[':
		return KindArray
	case '{':
		sc := newScanner(bytes.NewReader(t))
		v, err := sc.scanValue(nil, len(t), 1<<20)
		if err == nil && !bytes.Contains(v, newline) {
			return KindJSONL
		}
		if err == errEOF && !bytes.Contains(t, newline) {
			return KindJSONL // one long first line
		}
		return KindJSON
	}
	first, _, _ := bytes.Cut(t, newline)
	if bytes.HasPrefix(first, []byte("#TYPE ")) {
		return KindCSV
	}
	if looksCSV(first) {
		return KindCSV
	}
	return KindUnknown
}

// looksCSV: a header line of at least two cells, each of them short and
// free of characters header names do not hold.
func looksCSV(line []byte) bool {
	line = bytes.TrimRight(line, "\r")
	sep := sniffComma(line)
	cells := strings.Split(string(line), string(sep))
	if len(cells) < 2 {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(strings.TrimSpace(c), `"`)
		if c == "" || len(c) > 128 || strings.ContainsAny(c, "{}[]<>=") {
			return false
		}
	}
	return true
}

// Sniff guesses the format of a stream from its first bytes and its file
// name. Formats are "jsonlog.json", "jsonlog.jsonl", "jsonlog.array" and
// "jsonlog.csv". Confidence is high only when the first record parses;
// the platform packages (m365, gws) give higher confidence when they also
// recognise the records' fields.
func Sniff(head []byte, name string) logfmt.Guess {
	k := SniffKind(head)
	ext := strings.ToLower(filepath.Ext(name))
	g := logfmt.Guess{Format: "jsonlog." + shortKind(k)}
	switch k {
	case KindUnknown:
		return logfmt.Guess{}
	case KindCSV:
		g.Confidence, g.Why = 40, "first line reads as a CSV header"
		if ext == ".csv" {
			g.Confidence, g.Why = 80, "CSV header and .csv name"
		}
	default:
		g.Confidence, g.Why = 50, "starts like JSON"
		r := NewReader(bytes.NewReader(head), Options{Kind: k})
		if rec, err := r.Next(); err == nil && rec != nil {
			g.Confidence, g.Why = 85, "first JSON record parses"
		}
		if ext == ".json" || ext == ".jsonl" || ext == ".ndjson" {
			g.Confidence += 5
		}
	}
	return g
}

func shortKind(k Kind) string {
	if k == KindArray {
		return "array"
	}
	return k.String()
}
