package sieve

import (
	"bytes"
	"fmt"
	"strings"
)

// parseProcmail reads procmail recipes (procmailrc(5)):
//
//	rcfile    = *(recipe / assignment / comment / empty-line)
//	recipe    = ":0" [flags] [":" [lockfile]] LF *condition action
//	condition = "*" [ "!" / "<" / ">" / "?" / "$" ] text LF
//	action    = "!" addresses      ; forward
//	          / "|" command        ; pipe
//	          / "{" LF rcfile "}"  ; nested block (shares the conditions)
//	          / mailbox            ; file or Maildir/MH folder
//
// A line ending in "\" continues on the next. Flag c ("carbon copy")
// means the mail goes on after this recipe, so a forward with it keeps a
// copy; flags A/a/E/e make the recipe depend on the previous one's
// outcome and are listed as a condition.
func parseProcmail(src []byte, opt Options) (*Script, error) {
	s := &Script{Format: FormatProcmail}
	lines := logicalLines(src)
	type frame struct {
		conds []string
		copy  bool
		block int
	}
	stack := []frame{{}}
	blocks := 1
	for i := 0; i < len(lines); i++ {
		ln := lines[i]
		text := strings.TrimSpace(ln.text)
		top := stack[len(stack)-1]
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
			continue
		case text == "}":
			if len(stack) == 1 {
				return s, &ParseError{Line: ln.line, Offset: ln.off, Err: fmt.Errorf("%w: '}' without a block", ErrSyntax)}
			}
			stack = stack[:len(stack)-1]
			continue
		case strings.HasPrefix(text, "INCLUDERC="):
			s.Actions = append(s.Actions, Action{Type: "include", Targets: []string{unquote(text[len("INCLUDERC="):])},
				Conditions: top.conds, Line: ln.line, Offset: ln.off, block: top.block})
			continue
		case !strings.HasPrefix(text, ":0"):
			continue // assignment or something procmail would ignore
		}
		// Recipe header.
		head := strings.TrimSpace(text[2:])
		flags, _, _ := strings.Cut(head, ":")
		flags = strings.TrimSpace(flags)
		conds := append([]string(nil), top.conds...)
		if strings.ContainsAny(flags, "AaEe") {
			conds = append(conds, "flags "+flags+" (depends on the previous recipe)")
		}
		hdr := ln
		// Conditions.
		for i+1 < len(lines) {
			t := strings.TrimSpace(lines[i+1].text)
			if t == "" || (strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "*")) {
				i++
				continue
			}
			if !strings.HasPrefix(t, "*") {
				break
			}
			i++
			conds = append(conds, clip(strings.TrimSpace(t[1:]), opt.MaxText))
		}
		if i+1 >= len(lines) {
			return s, &ParseError{Line: hdr.line, Offset: hdr.off, Err: fmt.Errorf("%w: recipe without an action", ErrSyntax)}
		}
		i++
		act := lines[i]
		at := strings.TrimSpace(act.text)
		if len(s.Actions) >= opt.MaxActions {
			return s, &ParseError{Line: act.line, Offset: act.off, Err: fmt.Errorf("%w: more than %d actions", ErrLimit, opt.MaxActions)}
		}
		cp := top.copy || strings.ContainsRune(flags, 'c')
		// A recipe without conditions of its own acts in its enclosing
		// block (its actions are siblings of the block's others).
		blk := top.block
		if len(conds) > len(top.conds) {
			blk = blocks
			blocks++
		}
		a := Action{Conditions: conds, Flags: flags, Copy: cp, Line: act.line, Offset: act.off, block: blk}
		switch {
		case strings.HasPrefix(at, "{"):
			if len(stack) >= opt.MaxDepth {
				return s, &ParseError{Line: act.line, Offset: act.off, Err: fmt.Errorf("%w: nesting deeper than %d", ErrLimit, opt.MaxDepth)}
			}
			stack = append(stack, frame{conds: conds, copy: cp, block: a.block})
			rest := strings.TrimSpace(at[1:])
			if rest == "}" {
				stack = stack[:len(stack)-1]
			}
			continue
		case strings.HasPrefix(at, "!"):
			a.Type = ActionForward
			for _, f := range strings.Fields(at[1:]) {
				if !strings.HasPrefix(f, "-") {
					a.Targets = append(a.Targets, unquote(f))
				}
			}
		case strings.HasPrefix(at, "|"):
			a.Type, a.Targets = ActionPipe, []string{strings.TrimSpace(at[1:])}
		default:
			a.Type, a.Targets = ActionFileinto, []string{unquote(at)}
			if at == "/dev/null" {
				a.Type = ActionDiscard
			}
		}
		s.Actions = append(s.Actions, a)
	}
	if len(stack) > 1 {
		return s, &ParseError{Line: lines[len(lines)-1].line, Err: fmt.Errorf("%w: block not closed with '}'", ErrSyntax)}
	}
	return s, nil
}

type logicalLine struct {
	text string
	line int
	off  int64
}

// logicalLines splits src into lines, joining those ending in "\".
func logicalLines(src []byte) []logicalLine {
	var out []logicalLine
	var cur strings.Builder
	start, startOff := 0, int64(0)
	var off int64
	cont := false
	for i, l := range bytes.Split(src, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if !cont {
			start, startOff = i+1, off
			cur.Reset()
		}
		off += int64(len(l)) + 1
		if bytes.HasSuffix(l, []byte(`\`)) {
			cur.Write(l[:len(l)-1])
			cont = true
			continue
		}
		cur.Write(l)
		cont = false
		out = append(out, logicalLine{text: cur.String(), line: start, off: startOff})
	}
	if cont {
		out = append(out, logicalLine{text: cur.String(), line: start, off: startOff})
	}
	return out
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
