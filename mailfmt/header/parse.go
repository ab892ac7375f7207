package header

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt"
)

// Grammar (RFC 5322 section 2.2 and 3.2.2, with the divergences in the
// package doc):
//
//	header        = *(field / continuation / junk) [blank-line]
//	field         = field-name *WSP ":" value line-end
//	field-name    = 1*ftext
//	ftext         = %d33-57 / %d59-126        ; printable US-ASCII except ":"
//	continuation  = 1*WSP text line-end       ; folded part of the previous field
//	line-end      = CRLF / LF / end-of-block
//	blank-line    = line-end                  ; an empty line ends the header
//
// Unfolding removes the line-end before a continuation and keeps the
// continuation's leading whitespace (RFC 5322 section 2.2.3).

// Parse parses a raw header block into fields in wire order. The block
// may end with the blank line that terminates the header; anything after
// that blank line is ignored. Lines that are neither a field nor a
// continuation are skipped. The error is nil unless a limit of lim is
// exceeded, in which case the fields parsed so far are returned with a
// [*mailfmt.ParseError] wrapping [mailfmt.ErrLimit] whose Offset is the
// position of the problem within block.
func Parse(block []byte, lim mailfmt.Limits) (mailfmt.Header, error) {
	h, _, err := ParseCount(block, lim)
	return h, err
}

// ParseCount is [Parse] that also reports the defects it found, with
// offsets relative to block: lines that are neither a field nor a
// continuation (skipped), NUL bytes, and malformed RFC 2047 encoded words
// (kept as they are). At most one defect of each kind is reported.
func ParseCount(block []byte, lim mailfmt.Limits) (h mailfmt.Header, defects []mailfmt.Defect, err error) {
	end := len(block)
	if he, _, ok := SplitHeader(block); ok {
		end = he
	}
	return parseLines(block, end, lim)
}

// ParseBlock is [ParseCount] for a block that a reader has already cut at
// the end of the header (the blank line excluded, as SplitHeader's hdrEnd
// gives it): it does not search the block for the blank line again.
func ParseBlock(block []byte, lim mailfmt.Limits) (h mailfmt.Header, defects []mailfmt.Defect, err error) {
	return parseLines(block, len(block), lim)
}

// parseLines parses block[:end], the header's lines.
func parseLines(block []byte, end int, lim mailfmt.Limits) (h mailfmt.Header, defects []mailfmt.Defect, err error) {
	lim = lim.WithDefaults()
	// Never convert more than the limit allows: a hostile block may be
	// huge, and everything past MaxHeaderBytes is an error anyway.
	conv := min(end, lim.MaxHeaderBytes+1)
	if conv == 0 {
		return nil, nil, nil
	}
	// One string for the whole block: names and unfolded values are
	// substrings of it, so a typical header costs two allocations.
	s := string(block[:conv])
	if i := strings.IndexByte(s, 0); i >= 0 {
		defects = append(defects, mailfmt.Defect{Offset: int64(i), What: "NUL byte in the header"})
	}
	skippedOne, wordsOne := false, false
	skip := func(at int) {
		if !skippedOne {
			skippedOne = true
			defects = append(defects, mailfmt.Defect{Offset: int64(at),
				What: "header line is neither a field nor a continuation; skipped"})
		}
	}
	// Real headers average 60 to 100 bytes a field; start there and let
	// append grow it rather than counting lines first.
	h = make(mailfmt.Header, 0, min(len(s)/64+8, lim.MaxFields))

	var (
		cur        = -1 // index in h of the field continuations attach to
		fieldStart int  // offset in s of the current field's line
		valStart   int  // offset in s of the current field's value
		valEnd     int  // offset in s just past its last line (line end excluded)
		isFolded   bool
		foldBytes  int // bytes of line ends inside s[valStart:valEnd]
	)
	finish := func() {
		if cur < 0 {
			return
		}
		if isFolded {
			h[cur].Value = trimLeftWSP(unfold(s[valStart:valEnd], valEnd-valStart-foldBytes))
			isFolded = false
		}
		if !wordsOne && strings.Contains(h[cur].Value, "=?") {
			if problem := checkWords(h[cur].Value); problem != "" {
				wordsOne = true
				defects = append(defects, mailfmt.Defect{Offset: int64(fieldStart),
					What: h[cur].Name + ": " + problem + "; kept as it is"})
			}
		}
		cur = -1
	}

	for pos := 0; pos < conv; {
		lineStart := pos
		nl := strings.IndexByte(s[pos:], '\n')
		next := conv
		lineEnd := conv
		if nl >= 0 {
			lineEnd = pos + nl
			next = lineEnd + 1
		}
		line := trimCR(s[pos:lineEnd])
		if len(line) > lim.MaxLineBytes {
			finish()
			return h, defects, &mailfmt.ParseError{Offset: int64(lineStart),
				Err: fmt.Errorf("header line longer than %d bytes: %w", lim.MaxLineBytes, mailfmt.ErrLimit)}
		}
		if lineStart+len(line) > lim.MaxHeaderBytes {
			finish()
			return h, defects, &mailfmt.ParseError{Offset: int64(lim.MaxHeaderBytes),
				Err: fmt.Errorf("header longer than %d bytes: %w", lim.MaxHeaderBytes, mailfmt.ErrLimit)}
		}
		pos = next

		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			// continuation = 1*WSP text line-end
			if cur < 0 {
				skip(lineStart)
				continue
			}
			isFolded = true
			foldBytes += lineStart - valEnd // the line end before this line
			valEnd = lineStart + len(line)
			continue
		}
		finish()
		name, value, ok := splitField(line)
		if !ok {
			skip(lineStart)
			continue
		}
		if len(h) >= lim.MaxFields {
			return h, defects, &mailfmt.ParseError{Offset: int64(lineStart),
				Err: fmt.Errorf("more than %d header fields: %w", lim.MaxFields, mailfmt.ErrLimit)}
		}
		h = append(h, mailfmt.Field{Name: name, Value: value})
		cur = len(h) - 1
		fieldStart, valStart, valEnd, foldBytes = lineStart, lineStart+len(line)-len(value), lineStart+len(line), 0
	}
	finish()
	if end > conv {
		return h, defects, &mailfmt.ParseError{Offset: int64(lim.MaxHeaderBytes),
			Err: fmt.Errorf("header longer than %d bytes: %w", lim.MaxHeaderBytes, mailfmt.ErrLimit)}
	}
	return h, defects, nil
}

// checkWords reports the first malformed RFC 2047 encoded word in a field
// value ("" if none). An encoded word is a whitespace-delimited token
//
//	encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
//
// (RFC 2047 section 2 and 5); a token that merely contains "=?" ("x=?")
// or has no "?" after its charset is text, not an attempted word. An
// attempted word must end in "?=" within its token, use B or Q, and
// decode in a charset DecodeWord knows.
func checkWords(v string) string {
	for v != "" {
		i := strings.Index(v, "=?")
		if i < 0 {
			return ""
		}
		if i > 0 && !isWordStart(v[i-1]) {
			v = v[i+2:]
			continue
		}
		tok := v[i:]
		if sp := strings.IndexAny(tok, " \t\r\n"); sp >= 0 {
			tok = tok[:sp]
		}
		v = v[i+len(tok):]
		q1 := strings.IndexByte(tok[2:], '?')
		if q1 <= 0 {
			continue // "=?" followed by no charset: plain text
		}
		q1 += 2
		if q1+2 >= len(tok) || tok[q1+2] != '?' {
			return fmt.Sprintf("malformed RFC 2047 encoded word %q", clip(tok))
		}
		// Adjacent words may share a token: =?a?Q?x?==?a?Q?y?=
		for tok != "" {
			end := strings.Index(tok[q1+3:], "?=")
			if end < 0 {
				return fmt.Sprintf("unterminated RFC 2047 encoded word %q", clip(tok))
			}
			word := tok[:q1+3+end+2]
			if _, err := wordDecoder.Decode(word); err != nil {
				return fmt.Sprintf("undecodable RFC 2047 encoded word %q (%v)", clip(word), err)
			}
			tok = tok[len(word):]
			if !strings.HasPrefix(tok, "=?") {
				break
			}
			if q1 = strings.IndexByte(tok[2:], '?'); q1 <= 0 {
				break
			}
			q1 += 2
			if q1+2 >= len(tok) || tok[q1+2] != '?' {
				return fmt.Sprintf("malformed RFC 2047 encoded word %q", clip(tok))
			}
		}
	}
	return ""
}

// isWordStart reports whether an encoded word may start after byte c.
func isWordStart(c byte) bool {
	return c == ' ' || c == '\t' || c == '(' || c == '"' || c == '<' || c == ','
}

// clip shortens s for a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// unfold removes the line ends (LF or CRLF) from s, a field value that
// spans lines; n is the length of the result. One allocation.
func unfold(s string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(trimCR(s[:i]))
		s = s[i+1:]
	}
}

// splitField splits "Name *WSP : *WSP value" (line end already removed).
func splitField(line string) (name, value string, ok bool) {
	colon := strings.IndexByte(line, ':')
	if colon <= 0 {
		return "", "", false
	}
	name = trimRightWSP(line[:colon])
	if !IsFieldName(name) {
		return "", "", false
	}
	return name, trimLeftWSP(line[colon+1:]), true
}

// trimLeftWSP and trimRightWSP drop RFC 5322 WSP (space and tab). They are
// strings.TrimLeft/TrimRight with the cutset " \t" without building a
// cutset table per call, which shows in profiles at one call per field.
func trimLeftWSP(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimRightWSP(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// IsFieldName reports whether s is a non-empty RFC 5322 field-name
// (printable US-ASCII except colon).
func IsFieldName[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

func trimCR(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\r' {
		return s[:n-1]
	}
	return s
}

// SplitHeader finds the blank line that ends the header in data. hdrEnd is
// the offset just past the last header line's line end (where the blank
// line starts) and bodyStart the offset just past the blank line. Line
// ends may be LF or CRLF, mixed. ok is false when data holds no blank
// line. A block that starts with a blank line has an empty header
// (hdrEnd 0).
func SplitHeader(data []byte) (hdrEnd, bodyStart int, ok bool) {
	if n := blankLineAt(data, 0); n > 0 {
		return 0, n, true
	}
	for i := 0; ; {
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return 0, 0, false
		}
		i += nl + 1
		if n := blankLineAt(data, i); n > 0 {
			return i, i + n, true
		}
	}
}

// splitFrom is SplitHeader for data that grows between calls: ls is the
// start of the last line seen and from how much of data was scanned
// before. It returns the new ls to pass next time, so the whole search is
// linear in the data however small the reads.
func splitFrom(data []byte, ls, from int) (hdrEnd, bodyStart, lineStart int, ok bool) {
	if n := blankLineAt(data, ls); n > 0 {
		return ls, ls + n, ls, true
	}
	for i := max(from, ls); ; {
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return 0, 0, ls, false
		}
		i += nl + 1
		ls = i
		if n := blankLineAt(data, i); n > 0 {
			return i, i + n, ls, true
		}
	}
}

// blankLineAt returns the length of the empty line (LF or CRLF) starting
// at data[i], or 0.
func blankLineAt(data []byte, i int) int {
	if i < len(data) {
		switch data[i] {
		case '\n':
			return 1
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				return 2
			}
		}
	}
	return 0
}
