package m365

import (
	"encoding/json"
	"strings"
	"unicode"

	"github.com/mailtrip/mailtrip/logfmt"
)

// parseCmdletMessage reads the MSExchange Management event log text
// (event 1, "MSExchange CmdletLogs"):
//
//	message = status ". Cmdlet " name ", parameters " *param "."
//	status  = "Cmdlet suceeded" / "Cmdlet failed" ...   ; "suceeded" sic
//	param   = "-" pname [ SP value ] SP
//	value   = DQUOTE *CHAR DQUOTE / *(CHAR except SP)
//
// Quotes inside a quoted value are not escaped (the ProxyLogon samples
// carry <script language="JScript">), so a quoted value ends at the last
// quote before the next " -Name" or the final "." — the reading the
// logged command line most likely had. It sets Cmdlet, and Parameters as
// a [{Name, Value}] list like the unified audit log's, with its _flat
// view, so detections read both sources alike.
func parseCmdletMessage(r *Record) {
	msg := r.Str("Message")
	_, rest, ok := strings.Cut(msg, "Cmdlet ")
	if !ok {
		return
	}
	// The second "Cmdlet " starts the name.
	if i := strings.Index(rest, "Cmdlet "); i >= 0 {
		rest = rest[i+len("Cmdlet "):]
	}
	name, params, _ := strings.Cut(rest, ",")
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t") {
		return
	}
	r.set(KeyCmdlet, name)
	params = strings.TrimSpace(params)
	params = strings.TrimPrefix(params, "parameters")
	list := parseCmdletParams(params)
	if !r.has("Parameters") && len(list) > 0 {
		r.set("Parameters", list)
		r.set("Parameters"+FlatSuffix, logfmt.FlattenPairs(list, []string{"Name"}, []string{"Value"}, logfmt.DefaultLimits.MaxFields))
	}
}

func parseCmdletParams(s string) []any {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	var list []any
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		if len(s) == 0 || s[0] != '-' {
			break
		}
		end := strings.IndexAny(s, " :")
		if end < 0 {
			end = len(s)
		}
		pname := s[1:end]
		s = s[end:]
		var val string
		if strings.HasPrefix(s, ":") { // -Confirm:$false
			s = s[1:]
		} else {
			s = strings.TrimLeft(s, " ")
		}
		switch {
		case strings.HasPrefix(s, `"`):
			end := quotedEnd(s)
			val = s[1:end]
			s = s[min(end+1, len(s)):]
		case strings.HasPrefix(s, "-") || s == "":
			val = "True" // a switch
		default:
			sp := strings.Index(s, " -")
			if sp < 0 {
				sp = len(s)
			}
			val, s = s[:sp], s[sp:]
		}
		list = append(list, map[string]any{"Name": pname, "Value": val})
	}
	return list
}

// quotedEnd returns the index of the quote closing the value that starts
// with a quote at s[0]: the last quote before the next ` -Name` (a quote,
// a space, a dash and a letter), or the last quote in s.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		rest := s[i+1:]
		if strings.HasPrefix(rest, " -") && len(rest) > 2 && unicode.IsLetter(rune(rest[2])) {
			return i
		}
	}
	if j := strings.LastIndexByte(s, '"'); j > 0 {
		return j
	}
	return len(s)
}

// decodeLoose decodes JSON text found inside a field (RuleActions).
func decodeLoose(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
