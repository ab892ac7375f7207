// Package syslog reads the logs of self-hosted mail servers line by line:
// Dovecot (IMAP/POP3/ManageSieve/submission logins, auth failures, and
// the per-session counters of "Disconnected: Logged out in=N out=N
// deleted=N expunged=N trashed=N hdr_count=N hdr_bytes=N body_count=N
// body_bytes=N"), Postfix (smtpd connect/reject/SASL, qmgr from=, smtp
// and local to= relay= status=, forwarding seen as orig_to=), and
// Roundcube (userlogins and errors files, or via syslog).
//
// # Line prefixes
//
// RFC 5424 (https://www.rfc-editor.org/rfc/rfc5424), RFC 3164
// (https://www.rfc-editor.org/rfc/rfc3164, with or without <PRI> and
// host), journald's short-iso and short-precise, Dovecot's own log files
// ("2013-08-11 03:56:40 auth-worker(default): Info: ..."), daemontools
// TAI64N stamps ("@4000000..."), and Roundcube's "[22-Jan-2013 22:28:21
// +0200]:". See parsePrefix for the grammar.
//
// # Divergences
//
//   - RFC 3164 stamps have no year and no zone: the year is
//     Options.Year (default: the current year) and the zone UTC; Record
//     .Zoned tells whether the stamp had a zone.
//   - TAI64N labels are converted ignoring leap seconds (10 s off TAI).
//   - Message formats are not specified by their authors; the fields read
//     are those of Dovecot 2.2–2.4, Postfix 2.x–3.x and Roundcube 1.0–1.6
//     as seen in fail2ban's test logs (docs/logformats.md). Unknown
//     messages of a known program are returned with Event "".
//   - A line without a recognisable prefix is a ParseError (ErrSyntax);
//     the reader goes on with the next line.
package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Record is one log line.
type Record struct {
	logfmt.Origin
	Time    time.Time
	Zoned   bool   // the stamp had a zone (or is UTC by definition)
	Host    string // "" when the line has none
	Program string // "dovecot", "postfix/smtpd", "roundcube", "imap-login", ...
	PID     string
	Message string // the text after the prefix
	// Service is "dovecot", "postfix" or "roundcube" for lines this
	// package reads further, "" for others (still returned).
	Service string
	// Event names what the line says: dovecot "login", "auth_failed",
	// "no_auth", "disconnected", "delivery"; postfix "connect",
	// "disconnect", "reject", "sasl_failed", "sasl_login", "client",
	// "queued", "delivery", "forwarded", "warning"; roundcube "login",
	// "auth_failed". "" when not recognised.
	Event string
	// Fields holds the key=value pairs of the message as written
	// ("user", "rip", "lip", "method", "session", "in", "out", "deleted",
	// "expunged", "trashed", "hdr_count", "hdr_bytes", "body_count",
	// "body_bytes"; "client", "sasl_method", "sasl_username", "from",
	// "to", "orig_to", "relay", "status", "size", "nrcpt") plus "process",
	// "passdb", "queue_id", "client_host", "client_ip", "text".
	Fields map[string]any

	user, ip string
}

// UserID is the user the line is about ("" if none).
func (r *Record) UserID() string { return r.user }

// ClientIP is the remote client's address ("" if none).
func (r *Record) ClientIP() string {
	if a, _, ok := logfmt.SplitIP(r.ip); ok {
		return a
	}
	return ""
}

// Operation is Service + "." + Event ("dovecot.login"), or "".
func (r *Record) Operation() string {
	if r.Event == "" {
		return ""
	}
	return r.Service + "." + r.Event
}

// ResultStatus is "failure" for failed authentications, "success" for
// logins, "" otherwise.
func (r *Record) ResultStatus() string {
	switch r.Event {
	case "auth_failed", "sasl_failed":
		return "failure"
	case "login", "sasl_login":
		return "success"
	}
	return ""
}

// Options configure a Reader.
type Options struct {
	Limits logfmt.Limits // MaxRecordBytes bounds a line
	// Year completes RFC 3164 stamps; 0 means the current year (UTC).
	Year       int
	BaseOffset int64
}

// Reader reads log lines.
type Reader struct {
	br    *bufio.Reader
	lim   logfmt.Limits
	year  int
	off   int64
	line  int
	index int
	err   error
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt Options) *Reader {
	src, bom, u16 := logfmt.NewTextReader(r)
	off := opt.BaseOffset
	if !u16 {
		off += int64(bom)
	}
	y := opt.Year
	if y == 0 {
		y = time.Now().UTC().Year()
	}
	return &Reader{br: bufio.NewReaderSize(src, 64<<10), lim: opt.Limits.WithDefaults(), year: y, off: off}
}

// errNoPrefix is wrapped (with logfmt.ErrSyntax) for unrecognised lines.
var errNoPrefix = errors.New("no syslog, journald or Roundcube prefix")

// Next returns the next line's record, io.EOF at the end, or a
// [*logfmt.ParseError] for a line it cannot read (too long, no prefix).
// Blank lines are skipped.
func (r *Reader) Next() (*Record, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		o := logfmt.Origin{Offset: r.off, Line: r.line + 1, Index: r.index}
		text, tooLong, err := r.readLine()
		if err != nil {
			r.err = err
			return nil, err
		}
		r.line++
		if tooLong {
			r.index++
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: line longer than %d bytes", logfmt.ErrLimit, r.lim.MaxRecordBytes)}
		}
		text = strings.TrimRight(text, "\r\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		r.index++
		rec, ok := ParseLine(text, r.year)
		if !ok {
			return nil, &logfmt.ParseError{Origin: o, Err: fmt.Errorf("%w: %v", logfmt.ErrSyntax, errNoPrefix)}
		}
		rec.Origin = o
		return rec, nil
	}
}

func (r *Reader) readLine() (string, bool, error) {
	var b strings.Builder
	tooLong := false
	for {
		frag, err := r.br.ReadSlice('\n')
		r.off += int64(len(frag))
		if !tooLong {
			if b.Len()+len(frag) > r.lim.MaxRecordBytes {
				tooLong = true
			} else {
				b.Write(frag)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if b.Len() == 0 && !tooLong && len(frag) == 0 {
				return "", false, io.EOF
			}
			return b.String(), tooLong, nil
		case err != nil:
			return "", false, err
		}
		return b.String(), tooLong, nil
	}
}

// ParseLine parses one line (without its line end). year completes RFC
// 3164 stamps. ok is false when the line has no recognised prefix.
func ParseLine(line string, year int) (*Record, bool) {
	h, ok := parsePrefix(line, year)
	if !ok {
		return nil, false
	}
	r := &Record{Time: h.time, Zoned: h.zoned, Host: h.host, Program: h.program, PID: h.pid, Message: h.msg, Fields: map[string]any{}}
	prog := h.program
	base, _, _ := strings.Cut(prog, "/")
	switch {
	case prog == "roundcube" || prog == "roundcubemail":
		r.Service = "roundcube"
		roundcube(r, h.msg)
	case base == "postfix" || strings.HasPrefix(base, "postfix-"):
		r.Service = "postfix"
		postfix(r, h.msg)
	case isDovecot(prog):
		r.Service = "dovecot"
		dovecot(r, prog, h.msg)
	}
	return r, true
}

// isDovecot: the program is "dovecot" or one of its processes logging
// under its own name (imap-login, auth-worker(..), imap(user)<..>).
func isDovecot(p string) bool {
	name := p
	if i := strings.IndexAny(p, "(<"); i > 0 {
		name = p[:i]
	}
	switch name {
	case "dovecot", "auth", "auth-worker", "imap", "pop3", "lmtp", "lda", "dovecot-lda", "managesieve", "submission", "dovecot-auth":
		return true
	}
	return strings.HasSuffix(name, "-login")
}
