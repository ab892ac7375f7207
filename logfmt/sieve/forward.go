package sieve

import (
	"bytes"
	"fmt"
	"strings"
)

// parseForward reads a .forward file (aliases(5) right-hand side, as
// sendmail, Postfix local(8) and Exim read it):
//
//	file    = *(entry *("," entry) LF / "#" comment LF)
//	entry   = address / "\" local-user / "|" command / "/" path
//	        / ":include:" path / DQUOTE any of those DQUOTE
//
// "\user" delivers to the user's own mailbox without forwarding again,
// so every forward in a file that has one (or a "/path" mailbox file)
// keeps a copy.
func parseForward(src []byte, opt Options) (*Script, error) {
	s := &Script{Format: FormatForward}
	keeps := false
	var off int64
	for i, line := range bytes.Split(src, []byte("\n")) {
		lineOff := off
		off += int64(len(line)) + 1
		text := strings.TrimSpace(strings.TrimSuffix(string(line), "\r"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		entries, err := splitEntries(text)
		if err != nil {
			return s, &ParseError{Line: i + 1, Offset: lineOff, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
		}
		for _, e := range entries {
			if len(s.Actions) >= opt.MaxActions {
				return s, &ParseError{Line: i + 1, Offset: lineOff, Err: fmt.Errorf("%w: more than %d entries", ErrLimit, opt.MaxActions)}
			}
			a := Action{Line: i + 1, Offset: lineOff}
			switch {
			case strings.HasPrefix(e, `\`):
				a.Type, a.Targets = ActionKeep, []string{e[1:]}
				keeps = true
			case strings.HasPrefix(e, "|"):
				a.Type, a.Targets = ActionPipe, []string{strings.TrimSpace(e[1:])}
			case strings.HasPrefix(strings.ToLower(e), ":include:"):
				a.Type, a.Targets = "include", []string{strings.TrimSpace(e[len(":include:"):])}
			case strings.HasPrefix(e, "/") || strings.HasPrefix(e, "~/"):
				a.Type, a.Targets = ActionFileinto, []string{e}
				if e == "/dev/null" {
					a.Type = ActionDiscard
				} else {
					keeps = true
				}
			default:
				a.Type, a.Targets = ActionForward, []string{e}
			}
			s.Actions = append(s.Actions, a)
		}
	}
	if keeps {
		for i := range s.Actions {
			if s.Actions[i].Type == ActionForward {
				s.Actions[i].Copy = true
			}
		}
	}
	return s, nil
}

// splitEntries splits a line at commas outside double quotes and strips
// the quotes.
func splitEntries(line string) ([]string, error) {
	var out []string
	var b strings.Builder
	inQ := false
	flush := func() {
		if e := strings.TrimSpace(b.String()); e != "" {
			out = append(out, e)
		}
		b.Reset()
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			inQ = !inQ
		case c == '\\' && inQ && i+1 < len(line) && line[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == ',' && !inQ:
			flush()
		default:
			b.WriteByte(c)
		}
	}
	if inQ {
		return out, fmt.Errorf("unterminated quoted entry")
	}
	flush()
	return out, nil
}
