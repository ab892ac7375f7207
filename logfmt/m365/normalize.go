package m365

import (
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// pairLists are the name/value lists that get a _flat view, with the key
// of their value ("NewValue" for ModifiedProperties).
var pairLists = []struct{ key, name, value string }{
	{"Parameters", "Name", "Value"},
	{"OperationProperties", "Name", "Value"},
	{"ExtendedProperties", "Name", "Value"},
	{"DeviceProperties", "Name", "Value"},
	{"ModifiedProperties", "Name", "NewValue"},
	{"authenticationProcessingDetails", "key", "value"},
}

// forwardParams are parameters and export columns that name recipients
// mail is sent on to: inbox rules (New-/Set-InboxRule, UpdateInboxRules),
// mailbox forwarding (Set-Mailbox, Get-Mailbox), transport rules
// (New-/Set-TransportRule).
var forwardParams = []string{
	"ForwardTo", "RedirectTo", "ForwardAsAttachmentTo",
	"ForwardingSmtpAddress", "ForwardingAddress",
	"BlindCopyTo", "RedirectMessageTo", "CopyTo", "AddToRecipients",
}

// Normalize turns a decoded record (a JSON object, or a CSV row from
// jsonlog) into a Record: it recognises the kind, parses the time, and
// adds the derived views. fields is used in place (not copied). It is
// what Reader does for every record, exported for callers that decoded
// records themselves (a test harness wrapping each record in {"log": …}).
func Normalize(fields map[string]any, o logfmt.Origin) *Record {
	r := &Record{Origin: o, Fields: fields}
	// Purview CSV: the record is the AuditData object.
	if ad, ok := fields["AuditData"].(map[string]any); ok {
		cols := make(map[string]any, len(fields))
		for k, v := range fields {
			if k != "AuditData" {
				cols[k] = v
			}
		}
		ad[KeyPurviewCSV] = cols
		r.Fields = ad
	} else if s, ok := fields["AuditData"].(string); ok && s != "" {
		r.defect("AuditData is not a JSON object")
	}
	r.indexKeys()
	r.Kind = r.classify()
	for _, pl := range pairLists {
		if k, ok := r.fold[lowerASCII(pl.key)]; ok {
			if _, isList := r.Fields[k].([]any); isList {
				r.set(k+FlatSuffix, logfmt.FlattenPairs(r.Fields[k], []string{pl.name}, []string{pl.value}, logfmt.DefaultLimits.MaxFields))
			}
		}
	}
	if props, ok := r.Fields["properties"].(map[string]any); ok {
		addFlat(props, "authenticationProcessingDetails", "key", "value")
	}
	if r.Kind == KindCmdletLog {
		parseCmdletMessage(r)
	}
	r.addClientIP()
	r.addForwards()
	r.setTime()
	return r
}

func (r *Record) classify() Kind {
	has := r.has
	switch {
	case has("Operation") && (has("CreationTime") || has("RecordType") || has("Workload") || has("CreationDate")):
		return KindUAL
	case strings.HasSuffix(r.Str("category"), "SignInLogs"),
		has("properties") && has("properties.userPrincipalName") && has("properties.createdDateTime"),
		has("createdDateTime") && has("userPrincipalName") && has("status"):
		return KindSignIn
	case strings.Contains(r.Str("SourceName"), "MSExchange CmdletLogs"),
		r.Str("Channel") == "MSExchange Management",
		strings.HasPrefix(r.Str("Message"), "Cmdlet "):
		return KindCmdletLog
	case has("RuleIdentity") || (has("MailboxOwnerId") && has("Name")) || (has("Name") && has("StopProcessingRules")):
		return KindInboxRule
	case has("DeliverToMailboxAndForward") || (has("ForwardingSmtpAddress") && !has("Operation")):
		return KindMailbox
	case has("Operation"):
		return KindUAL
	}
	return KindUnknown
}

// addFlat adds key+"_flat" beside a name/value list found under key
// (matched ignoring case; the view takes the source key's spelling).
func addFlat(m map[string]any, key, name, value string) {
	for k, v := range m {
		if !strings.EqualFold(k, key) {
			continue
		}
		if _, isList := v.([]any); !isList {
			return
		}
		flat := logfmt.FlattenPairs(v, []string{name}, []string{value}, logfmt.DefaultLimits.MaxFields)
		m[k+FlatSuffix] = flat
		return
	}
}

func (r *Record) addClientIP() {
	for _, p := range []string{"ClientIP", "ClientIPAddress", "ActorIpAddress", "properties.ipAddress", "ipAddress", "callerIpAddress", "c-ip", "ClientIpAddress"} {
		s := r.Str(p)
		if s == "" {
			continue
		}
		addr, port, ok := logfmt.SplitIP(s)
		if !ok {
			r.defect("%s %q is not an IP address", p, s)
			continue
		}
		r.set(KeyClientAddr, addr)
		if port != "" {
			r.set(KeyClientPort, port)
		}
		return
	}
}

// addForwards collects the addresses named by forwarding parameters,
// from Parameters, OperationProperties, top-level export columns and the
// recipients of UpdateInboxRules rule actions.
func (r *Record) addForwards() {
	out := map[string]any{}
	add := func(name string, v any) {
		var vals []string
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				vals = append(vals, logfmt.String(e))
			}
		default:
			vals = []string{logfmt.String(x)}
		}
		for _, s := range vals {
			for _, a := range ParseAddressList(s) {
				if a.Addr == "" {
					continue
				}
				l, _ := out[name].([]any)
				out[name] = append(l, a.Addr)
			}
		}
	}
	for _, src := range []string{"Parameters", "OperationProperties"} {
		v, _ := r.Lookup(src + FlatSuffix)
		m, _ := v.(map[string]any)
		for k, v := range m {
			for _, p := range forwardParams {
				if strings.EqualFold(k, p) {
					add(p, v)
				}
			}
		}
	}
	if r.Kind == KindInboxRule || r.Kind == KindMailbox {
		for _, p := range forwardParams {
			if v, ok := r.Lookup(p); ok {
				add(p, v)
			}
		}
	}
	if ra := r.Param("RuleActions"); ra != "" {
		for _, a := range parseRuleActions(ra) {
			for _, addr := range a.Recipients {
				if addr.Addr != "" {
					l, _ := out[a.Type].([]any)
					out[a.Type] = append(l, addr.Addr)
				}
			}
		}
	}
	if len(out) > 0 {
		r.set(KeyForward, out)
	}
}

func lookupMap(m map[string]any, path string) (map[string]any, bool) {
	v, ok := logfmt.Lookup(m, path)
	if !ok {
		return nil, false
	}
	mm, ok := v.(map[string]any)
	return mm, ok
}

func (r *Record) setTime() {
	var paths []string
	switch r.Kind {
	case KindSignIn:
		paths = []string{"properties.createdDateTime", "createdDateTime", "time"}
	case KindCmdletLog:
		paths = []string{"TimeCreated", "@timestamp", "Event.System.TimeCreated.#attributes.SystemTime"}
	case KindInboxRule, KindMailbox:
		paths = []string{"WhenChangedUTC", "WhenChanged"}
	default:
		paths = []string{"CreationTime", "CreationDate", PurviewCSVKey("CreationDate")}
	}
	for _, p := range paths {
		s := r.Str(p)
		if s == "" {
			continue
		}
		t, err := logfmt.ParseTime(s)
		if err != nil {
			r.defect("%s: %v", p, err)
			continue
		}
		r.Time = t
		return
	}
}

// PurviewCSVKey is the path of a Purview CSV column in Record.Fields.
func PurviewCSVKey(column string) string { return KeyPurviewCSV + "." + column }
