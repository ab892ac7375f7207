package ingest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailtrip/mailtrip/mailfmt/header"
	"github.com/mailtrip/mailtrip/mailfmt/mbox"
)

// Format is an input format.
type Format string

// Input formats; FormatAuto recognises the others from content.
const (
	FormatAuto    Format = "auto"
	FormatEML     Format = "eml"
	FormatMbox    Format = "mbox"
	FormatMaildir Format = "maildir"
	// FormatLog is a log or audit file (JSON, JSON Lines, CSV, syslog,
	// W3C); Unit.LogFormat names the reader. --input-format log forces
	// reading a file as a log, the reader still chosen from its content.
	FormatLog Format = "log"
	// FormatEVTX is a Windows event log file (logfmt/evtx).
	FormatEVTX Format = "evtx"
)

// Formats lists the values --input-format accepts.
var Formats = []Format{FormatAuto, FormatEML, FormatMbox, FormatMaildir, FormatLog, FormatEVTX}

// ParseFormat validates a --input-format value.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown input format %q (want one of auto, eml, mbox, maildir, log, evtx)", s)
}

// sniffLen is how much of a file is read to recognise it.
const sniffLen = 8 << 10

// kind is what sniffing found.
type kind int

const (
	kindUnknown kind = iota
	kindEML
	kindMbox
	kindPST  // Outlook data file: listed, needs conversion
	kindLog  // a log format logfmt/sniff recognises
	kindEVTX // a Windows event log
)

var pstMagic = []byte("!BDN")

// format is the Format a kind is read as; false for kindPST and
// kindUnknown, which are not read.
func (k kind) format() (Format, bool) {
	switch k {
	case kindMbox:
		return FormatMbox, true
	case kindEML:
		return FormatEML, true
	case kindLog:
		return FormatLog, true
	case kindEVTX:
		return FormatEVTX, true
	}
	return "", false
}

// sniff recognises a file from its first bytes. gz reports a gzip wrapper,
// whose content was sniffed instead. A file that is not mail is tried as a
// log; logFormat then names its reader.
func sniff(path string, explicit bool) (k kind, gz bool, logFormat string, err error) {
	k, gz, head, err := sniffHead(path)
	if err != nil || k != kindUnknown {
		return k, gz, "", err
	}
	if lf := sniffLog(head, path, explicit); lf != "" {
		return kindLog, gz, lf, nil
	}
	return kindUnknown, gz, "", nil
}

// sniffHead reads a file's first bytes (through gzip) and recognises mail.
func sniffHead(path string) (k kind, gz bool, head []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return kindUnknown, false, nil, err
	}
	defer f.Close()
	buf := make([]byte, sniffLen)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return kindUnknown, false, nil, err
	}
	buf = buf[:n]
	if len(buf) >= 2 && buf[0] == 0x1f && buf[1] == 0x8b {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return kindUnknown, true, nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return kindUnknown, true, nil, nil
		}
		inner := make([]byte, sniffLen)
		m, _ := io.ReadFull(zr, inner)
		return sniffBytes(inner[:m]), true, inner[:m], nil
	}
	return sniffBytes(buf), false, buf, nil
}

func sniffBytes(b []byte) kind {
	switch {
	case bytes.HasPrefix(b, pstMagic):
		return kindPST
	case isEVTX(b):
		return kindEVTX
	case mbox.Sniff(b):
		return kindMbox
	case looksLikeMessage(b):
		return kindEML
	}
	return kindUnknown
}

// mailFields are header fields nearly every stored message carries; a file
// must start with a header block holding at least two of them to count as
// a message, so that YAML or other "Key: value" files are not taken for mail.
var mailFields = []string{"from", "to", "date", "subject", "received", "message-id",
	"return-path", "delivered-to", "mime-version", "content-type", "x-mozilla-status"}

// looksLikeMessage reports whether b starts with an RFC 5322 header block.
func looksLikeMessage(b []byte) bool {
	seen := 0
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil // last, possibly cut, line
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			break // end of header
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !header.IsFieldName(bytes.TrimRight(line[:colon], " \t")) {
			return false
		}
		name := strings.ToLower(string(bytes.TrimRight(line[:colon], " \t")))
		for _, f := range mailFields {
			if name == f {
				seen++
				break
			}
		}
	}
	return seen >= 2
}
