// Package sniff tells which logfmt reader a stream is for, from its first
// bytes (8 KiB is plenty) and its file name, by asking every package's
// Sniff and ranking the answers. Platform formats (m365, gws, w3c) that
// recognise their records' fields outrank the generic containers of
// jsonlog; syslog lines are recognised by their prefixes and programs.
package sniff

import (
	"bytes"
	"sort"

	"github.com/mailtrip/mailtrip/logfmt"
	"github.com/mailtrip/mailtrip/logfmt/gws"
	"github.com/mailtrip/mailtrip/logfmt/jsonlog"
	"github.com/mailtrip/mailtrip/logfmt/m365"
	"github.com/mailtrip/mailtrip/logfmt/syslog"
	"github.com/mailtrip/mailtrip/logfmt/w3c"
)

// Len is how many leading bytes the sniffers look at.
const Len = 8 << 10

// All returns every guess with a confidence above zero, best first.
func All(head []byte, name string) []logfmt.Guess {
	if len(head) > Len {
		head = head[:Len]
	}
	var gs []logfmt.Guess
	for _, f := range []func([]byte, string) logfmt.Guess{m365.Sniff, gws.Sniff, w3c.Sniff, syslogSniff, jsonlog.Sniff} {
		if g := f(head, name); g.Confidence > 0 {
			gs = append(gs, g)
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Confidence > gs[j].Confidence })
	return gs
}

// Best returns the most likely format, or a zero Guess.
func Best(head []byte, name string) logfmt.Guess {
	if gs := All(head, name); len(gs) > 0 {
		return gs[0]
	}
	return logfmt.Guess{}
}

// syslogSniff: most non-comment lines of head parse as log lines, and
// some are from Dovecot, Postfix or Roundcube.
func syslogSniff(head []byte, name string) logfmt.Guess {
	text := logfmt.HeadText(head)
	lines := bytes.Split(text, []byte("\n"))
	if len(lines) > 1 && len(text) == Len {
		lines = lines[:len(lines)-1] // last one may be cut
	}
	total, ok, mail := 0, 0, 0
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 || l[0] == '#' {
			continue
		}
		total++
		if r, parsed := syslog.ParseLine(string(l), 2000); parsed {
			ok++
			if r.Service != "" {
				mail++
			}
		}
	}
	if total == 0 || ok*2 < total {
		return logfmt.Guess{}
	}
	g := logfmt.Guess{Format: "syslog", Confidence: 50 + 30*ok/total, Why: "lines have syslog prefixes"}
	if mail > 0 {
		g.Format, g.Confidence, g.Why = "syslog.mail", 60+35*mail/total, "Dovecot/Postfix/Roundcube lines"
	}
	return g
}
