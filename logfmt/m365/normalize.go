package m365

import (
	"strings"

	"github.com/mailtrip/mailtrip/logfmt"
)

// pairLists are the name/value lists that get a _flat view, with the key
// of their value ("NewValue" for ModifiedProperties).
var pairLists = []struct{ key, flat, name, value string }{
	{"Parameters", "Parameters" + FlatSuffix, "Name", "Value"},
	{"OperationProperties", "OperationProperties" + FlatSuffix, "Name", "Value"},
	{"ExtendedProperties", "ExtendedProperties" + FlatSuffix, "Name", "Value"},
	{"DeviceProperties", "DeviceProperties" + FlatSuffix, "Name", "Value"},
	{"ModifiedProperties", "ModifiedProperties" + FlatSuffix, "Name", "NewValue"},
	{"authenticationProcessingDetails", "authenticationProcessingDetails" + FlatSuffix, "key", "value"},
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
	return normalize(fields, o, nil)
}

// normalize is Normalize given the keys of fields when the decoder
// listed them (nil when not), which spares walking the map to index them.
func normalize(fields map[string]any, o logfmt.Origin, keys []string) *Record {
	r := &Record{Origin: o, Fields: fields}
	if keys != nil && len(keys) >= len(fields) {
		r.srcKeys = keys
		for _, k := range keys {
			r.srcLens |= lenBit(k)
		}
	}
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
		r.srcKeys = nil
	} else if s, ok := fields["AuditData"].(string); ok && s != "" {
		r.defect("AuditData is not a JSON object")
	}
	r.Kind = r.classify()
	for i := range pairLists {
		pl := &pairLists[i]
		if k, v, ok := r.top(pl.key); ok {
			if _, isList := v.([]any); isList {
				flat := pl.flat
				if k != pl.key {
					flat = k + FlatSuffix
				}
				r.set(flat, logfmt.FlattenPairs(v, []string{pl.name}, []string{pl.value}, logfmt.DefaultLimits.MaxFields))
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
	// srcKeys is the decoder's buffer, valid only until its next record.
	r.srcKeys = nil
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

var clientIPPaths = []string{"ClientIP", "ClientIPAddress", "ActorIpAddress", "properties.ipAddress", "ipAddress", "callerIpAddress", "c-ip", "ClientIpAddress"}

func (r *Record) addClientIP() {
	for _, p := range clientIPPaths {
		v, _ := r.Lookup(p)
		s := logfmt.String(v)
		if s == "" {
			continue
		}
		addr, port, ok := logfmt.SplitIP(s)
		if !ok {
			r.defect("%s %q is not an IP address", p, s)
			continue
		}
		if vs, isStr := v.(string); isStr && vs == addr {
			r.set(KeyClientAddr, v) // the same string, already boxed
		} else {
			r.set(KeyClientAddr, addr)
		}
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
	var out map[string]any
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
				if out == nil {
					out = map[string]any{}
				}
				l, _ := out[name].([]any)
				out[name] = append(l, a.Addr)
			}
		}
	}
	// One pass over each flattened list finds the forwarding parameters
	// and RuleActions (what r.Param("RuleActions") returns: the exact
	// name's value if not empty, else the first name equal to it
	// ignoring case, in Parameters before OperationProperties).
	ruleActions, found := "", false
	for _, src := range [...]string{"Parameters" + FlatSuffix, "OperationProperties" + FlatSuffix} {
		v, _ := r.Lookup(src)
		m, _ := v.(map[string]any)
		if !found {
			if s := logfmt.String(m["RuleActions"]); s != "" {
				ruleActions, found = s, true
			}
		}
		for k, v := range m {
			if !found && strings.EqualFold(k, "RuleActions") {
				ruleActions, found = logfmt.String(v), true
			}
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
	if ra := ruleActions; ra != "" {
		for _, a := range parseRuleActions(ra) {
			for _, addr := range a.Recipients {
				if addr.Addr != "" {
					if out == nil {
						out = map[string]any{}
					}
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

var ualTimePaths = []string{"CreationTime", "CreationDate", PurviewCSVKey("CreationDate")}

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
		paths = ualTimePaths
	}
	for _, p := range paths {
		s := r.Str(p)
		if s == "" {
			continue
		}
		t, err := logfmt.ParseTime(s)
		if err != nil {
			r.Defects = append(r.Defects, p+": "+err.Error()) // as defect("%s: %v")
			continue
		}
		r.Time = t
		return
	}
}

// PurviewCSVKey is the path of a Purview CSV column in Record.Fields.
func PurviewCSVKey(column string) string { return KeyPurviewCSV + "." + column }
