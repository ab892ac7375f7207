package syslog

import (
	"strconv"
	"strings"
	"time"
)

// header is what the line prefix says.
type header struct {
	time    time.Time
	zoned   bool // the prefix carried a zone or was UTC by definition
	host    string
	program string
	pid     string
	msg     string
}

var months = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

// parsePrefix reads the line prefixes mail servers' logs come with:
//
//	rfc5424  = "<" PRI ">1 " TIMESTAMP SP HOST SP APP SP PROCID SP MSGID SP SD SP MSG
//	rfc3164  = ["<" PRI ">"] MMM SP DD SP HH:MM:SS SP [HOST SP] TAG ":" SP MSG
//	iso      = YYYY-MM-DD("T"/SP)HH:MM:SS[.frac][zone] SP [HOST SP] TAG ":" SP MSG
//	           ; journald short-iso/short-precise, Dovecot log_path files
//	tai64n   = "@" 24HEXDIG SP TAG ":" SP MSG          ; daemontools multilog
//	roundcube = "[" DD-MMM-YYYY SP HH:MM:SS SP ZONE "]:" SP MSG
//	TAG      = PROGRAM ["[" PID "]"] / PROGRAM "(" ... ")"   ; Dovecot's imap(user)
//
// A host is told from a tag by the tag's trailing colon: a first word
// ending in ':' (or "tag[pid]:") is the tag and the line has no host.
func parsePrefix(line string, year int) (header, bool) {
	var h header
	rest := line
	if strings.HasPrefix(rest, "<") {
		end := strings.IndexByte(rest, '>')
		if end < 0 || end > 4 {
			return h, false
		}
		rest = rest[end+1:]
		if strings.HasPrefix(rest, "1 ") {
			return parse5424(rest[2:])
		}
	}
	switch {
	case strings.HasPrefix(rest, "@") && len(rest) > 26 && rest[25] == ' ':
		sec, err := strconv.ParseUint(rest[1:17], 16, 64)
		nsec, err2 := strconv.ParseUint(rest[17:25], 16, 32)
		if err != nil || err2 != nil || sec < 1<<62 {
			return h, false
		}
		h.time = time.Unix(int64(sec-(1<<62)), int64(nsec)%1e9).UTC()
		h.zoned = true
		rest = rest[26:]
	case strings.HasPrefix(rest, "["):
		end := strings.Index(rest, "]:")
		if end < 0 {
			return h, false
		}
		t, err := time.Parse("02-Jan-2006 15:04:05 -0700", rest[1:end])
		if err != nil {
			return h, false
		}
		h.time, h.zoned, h.program = t.UTC(), true, "roundcube"
		h.msg = strings.TrimSpace(rest[end+2:])
		return h, true
	case len(rest) >= 15 && months[rest[:3]] != 0 && rest[3] == ' ':
		// "Mar 7 02:09:33" has a one-digit day without padding.
		f := strings.SplitN(rest, " ", 4)
		if f[1] == "" { // "Apr  6"
			f = strings.SplitN(rest[:4]+rest[5:], " ", 4)
		}
		if len(f) < 4 {
			return h, false
		}
		t, err := time.Parse("Jan 2 15:04:05", f[0]+" "+f[1]+" "+f[2])
		if err != nil {
			return h, false
		}
		h.time = time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		rest = f[3]
	case len(rest) >= 19 && rest[4] == '-' && rest[7] == '-' && (rest[10] == 'T' || rest[10] == ' '):
		sp := strings.IndexByte(rest[11:], ' ')
		if sp < 0 {
			return h, false
		}
		ts := rest[:11+sp]
		if rest[10] == ' ' { // "2013-08-11 03:56:40 auth-worker..."
			ts = rest[:19]
			sp = 8
		}
		t, zoned, ok := parseISO(ts)
		if !ok {
			return h, false
		}
		h.time, h.zoned = t, zoned
		rest = strings.TrimLeft(rest[11+sp:], " ")
	default:
		return h, false
	}
	// [HOST SP] TAG ":" SP MSG
	word, after, _ := strings.Cut(rest, " ")
	if !isTag(word) {
		h.host = word
		word, after, _ = strings.Cut(after, " ")
		if !isTag(word) {
			// "sogod [26818]: ..." – tag and pid apart.
			if strings.HasPrefix(after, "[") {
				return h, false
			}
			return h, false
		}
	}
	tag := strings.TrimSuffix(word, ":")
	h.msg = after
	if i := strings.IndexByte(tag, '['); i > 0 && strings.HasSuffix(tag, "]") {
		h.program, h.pid = tag[:i], tag[i+1:len(tag)-1]
	} else {
		h.program = tag
	}
	return h, true
}

// isTag: a word ending in ':' that is not a time, like "dovecot:",
// "postfix/smtpd[123]:", "imap(user)<1><s>:", "auth-worker(80180):".
func isTag(w string) bool {
	if len(w) < 2 || w[len(w)-1] != ':' {
		return false
	}
	c := w[0]
	return c != '[' && !('0' <= c && c <= '9' && strings.Count(w, ":") > 1)
}

func parseISO(s string) (time.Time, bool, bool) {
	for _, l := range []struct {
		layout string
		zoned  bool
	}{
		{time.RFC3339Nano, true},
		{"2006-01-02T15:04:05.999999999-0700", true},
		{"2006-01-02T15:04:05.999999999", false},
		{"2006-01-02 15:04:05", false},
	} {
		if t, err := time.Parse(l.layout, s); err == nil {
			return t.UTC(), l.zoned, true
		}
	}
	return time.Time{}, false, false
}

func parse5424(s string) (header, bool) {
	var h header
	f := strings.SplitN(s, " ", 6)
	if len(f) < 6 {
		return h, false
	}
	if f[0] != "-" {
		t, zoned, ok := parseISO(f[0])
		if !ok {
			return h, false
		}
		h.time, h.zoned = t, zoned
	}
	h.host, h.program, h.pid = nilvalue(f[1]), nilvalue(f[2]), nilvalue(f[3])
	rest := f[5]
	// Skip structured data: "-" or one or more "[...]" elements.
	if strings.HasPrefix(rest, "-") {
		rest = rest[1:]
	} else {
		for strings.HasPrefix(rest, "[") {
			in, esc := false, false
			end := -1
			for i := 1; i < len(rest); i++ {
				c := rest[i]
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					in = !in
				case c == ']' && !in:
					end = i
				}
				if end >= 0 {
					break
				}
			}
			if end < 0 {
				return h, false
			}
			rest = rest[end+1:]
		}
	}
	h.msg = strings.TrimPrefix(strings.TrimPrefix(rest, " "), "\ufeff")
	return h, true
}

func nilvalue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
