package sieve

import (
	"errors"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Field names of the records [Records] makes.
const (
	FieldFormat     = "Format"     // "sieve", "forward", "procmail"
	FieldAction     = "Action"     // Action.Type
	FieldTargets    = "Targets"    // []any of strings
	FieldCopy       = "Copy"       // bool
	FieldConditions = "Conditions" // []any of strings, outermost first
	FieldCondition  = "Condition"  // the conditions joined with " and "; "" when unconditional
	FieldFlags      = "Flags"      // string
	FieldSiblings   = "Siblings"   // []any of the other action types under the same conditions
	FieldRequire    = "Require"    // []any, Sieve capabilities
	FieldLine       = "Line"       // int, 1-based
	FieldOwner      = "Owner"      // the mailbox owner guessed from the path ([Owner]); only from ReadRecords
)

// Record is one action of a script as a log record.
type Record struct {
	logfmt.Origin
	Fields map[string]any
}

// Records turns a script into one record per action, in order. Lists
// are []any and numbers int, as a JSON decoder would give them, so the
// fields read like any other log record's.
func Records(s *Script) []Record {
	if s == nil {
		return nil
	}
	out := make([]Record, 0, len(s.Actions))
	for i, a := range s.Actions {
		f := map[string]any{
			FieldFormat:     string(s.Format),
			FieldAction:     a.Type,
			FieldTargets:    anyList(a.Targets),
			FieldCopy:       a.Copy,
			FieldConditions: anyList(a.Conditions),
			FieldCondition:  strings.Join(a.Conditions, " and "),
			FieldLine:       a.Line,
		}
		if a.Flags != "" {
			f[FieldFlags] = a.Flags
		}
		if len(a.Siblings) > 0 {
			f[FieldSiblings] = anyList(a.Siblings)
		}
		if len(s.Require) > 0 {
			f[FieldRequire] = anyList(s.Require)
		}
		out = append(out, Record{Origin: logfmt.Origin{Offset: a.Offset, Line: a.Line, Index: i}, Fields: f})
	}
	return out
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ReadRecords reads a filter file and returns its actions as records
// ([Records]), each with an "Owner" field when [Owner] finds one in name.
// The format is opt.Format, or guessed from name and content. A script
// that does not parse gives the records of the actions read before the
// error and a [*logfmt.ParseError] (wrapping the [*ParseError]) with the
// line; other errors are from reading r.
func ReadRecords(r io.Reader, name string, opt Options) ([]Record, error) {
	if opt.Name == "" {
		opt.Name = name
	}
	s, err := Parse(r, opt)
	recs := Records(s)
	if owner := Owner(name); owner != "" {
		for _, rec := range recs {
			rec.Fields[FieldOwner] = owner
		}
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		err = &logfmt.ParseError{Origin: logfmt.Origin{Offset: pe.Offset, Line: pe.Line, Index: len(recs)}, Err: pe}
	}
	return recs, err
}

// Owner guesses whose mailbox a filter file belongs to from its path: a
// path element that is an address ("/var/vmail/alice@example.com/
// .dovecot.sieve"), a domain folder followed by a user folder under a
// mail root ("/var/vmail/example.com/alice/sieve/x.sieve", the Dovecot
// and Postfix virtual layout %d/%n), or a home folder ("/home/alice/
// .forward", "/Users/alice/.procmailrc"). It returns "" when none
// matches.
func Owner(path string) string {
	parts := strings.Split(filepath.ToSlash(path), "/")
	for _, p := range parts[:max(len(parts)-1, 0)] {
		if at := strings.LastIndexByte(p, '@'); at > 0 && strings.Contains(p[at:], ".") {
			return p
		}
	}
	for i := 0; i+2 < len(parts); i++ {
		switch strings.ToLower(parts[i]) {
		case "vmail", "vmails", "virtual", "mailboxes":
			if d, u := parts[i+1], parts[i+2]; isDomain(d) && i+3 < len(parts) && u != "" {
				return u + "@" + strings.ToLower(d)
			}
		case "home", "users":
			if u := parts[i+1]; u != "" && i+2 < len(parts) {
				return u
			}
		}
	}
	return ""
}

func isDomain(s string) bool {
	if !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
