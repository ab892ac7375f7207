package m365

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/logfmt"
)

// Kind is what a record is.
type Kind int

// Record kinds.
const (
	KindUnknown   Kind = iota
	KindUAL            // unified audit log record (API, Purview export, SIEM copy)
	KindSignIn         // Entra ID sign-in (Graph signIn, or Azure Monitor envelope)
	KindInboxRule      // a row of Get-InboxRule | Export-Csv (or ConvertTo-Json)
	KindMailbox        // a row of Get-Mailbox | Export-Csv with forwarding columns
	KindCmdletLog      // MSExchange Management event log: "Cmdlet succeeded. Cmdlet X, parameters ..."
)

var kindNames = [...]string{"unknown", "ual", "signin", "inboxrule", "mailbox", "cmdletlog"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Derived keys added to Record.Fields beside the source's own; every
// other key is exactly as the source has it. See the package doc.
const (
	FlatSuffix    = "_flat"         // X_flat: list X of {Name, Value} as a map Name → Value
	KeyClientAddr = "ClientIP_addr" // client IP address without port, canonical form
	KeyClientPort = "ClientIP_port" // client port when the source had one
	KeyForward    = "Forward_addrs" // forwarding parameter → []string of addresses
	KeyCmdlet     = "Cmdlet"        // cmdlet name parsed from a cmdlet log message
	KeyPurviewCSV = "PurviewCSV"    // the other columns of a Purview CSV row
)

// Record is one Microsoft 365 / Exchange / Entra record.
type Record struct {
	logfmt.Origin
	Kind Kind
	// Time is when the audited action happened, in UTC; zero when the
	// record has none or it does not parse (then Defects says so).
	Time time.Time
	// Fields holds the record's own fields as decoded (numbers as
	// json.Number), plus the derived keys listed above. For a Purview CSV
	// row, Fields is the AuditData object and the other columns are
	// under PurviewCSV.
	Fields  map[string]any
	Defects []string

	// fold maps the lower-cased top-level keys of Fields to their
	// spelling, so case-insensitive lookups cost one map access.
	fold map[string]string
}

// Str returns the value at a dotted path as a string ("" if absent);
// keys are matched exactly, then ignoring case (SIEM copies lower-case
// them).
func (r *Record) Str(path string) string {
	v, _ := r.Lookup(path)
	return logfmt.String(v)
}

// Lookup returns the value at a dotted path, as logfmt.Lookup does.
func (r *Record) Lookup(path string) (any, bool) {
	if v, ok := r.Fields[path]; ok {
		return v, true
	}
	if r.fold == nil {
		r.indexKeys()
	}
	key, rest, more := strings.Cut(path, ".")
	k, ok := r.fold[lowerASCII(key)]
	if !ok {
		if k, ok = r.fold[lowerASCII(path)]; ok {
			return r.Fields[k], true
		}
		return nil, false
	}
	v := r.Fields[k]
	if !more {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	return logfmt.Lookup(m, rest)
}

func (r *Record) indexKeys() {
	r.fold = make(map[string]string, len(r.Fields))
	for k := range r.Fields {
		lk := lowerASCII(k)
		if _, dup := r.fold[lk]; !dup {
			r.fold[lk] = k
		}
	}
}

// set adds a derived field and keeps the key index current.
func (r *Record) set(k string, v any) {
	r.Fields[k] = v
	if r.fold != nil {
		r.fold[lowerASCII(k)] = k
	}
}

func (r *Record) has(path string) bool {
	_, ok := r.Lookup(path)
	return ok
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (r *Record) first(paths ...string) string {
	for _, p := range paths {
		if s := r.Str(p); s != "" {
			return s
		}
	}
	return ""
}

// Operation is the audited operation: UAL Operation, the cmdlet of a
// cmdlet log record, a sign-in's operationName ("Sign-in activity"), or
// "" for exports.
func (r *Record) Operation() string {
	switch r.Kind {
	case KindCmdletLog:
		return r.Str(KeyCmdlet)
	case KindSignIn:
		if s := r.Str("operationName"); s != "" {
			return s
		}
		return "Sign-in activity"
	}
	return r.Str("Operation")
}

// UserID is who acted: UAL UserId, a sign-in's userPrincipalName, an
// inbox rule's MailboxOwnerId, a mailbox's UserPrincipalName.
func (r *Record) UserID() string {
	switch r.Kind {
	case KindSignIn:
		return r.first("properties.userPrincipalName", "userPrincipalName", "identity")
	case KindInboxRule:
		return r.first("MailboxOwnerId", "Mailbox")
	case KindMailbox:
		return r.first("UserPrincipalName", "PrimarySmtpAddress", "Identity")
	case KindCmdletLog:
		return r.first("UserId", "User", "winlog.user.name")
	}
	return r.first("UserId", "UserIds")
}

// ClientIP is the client's address without port ("" when none).
func (r *Record) ClientIP() string { return r.Str(KeyClientAddr) }

// ResultStatus is the outcome as the source words it: UAL ResultStatus
// ("Succeeded", "True", "Failed"), a sign-in's status.errorCode ("0" on
// success), a cmdlet log's "Cmdlet succeeded"/"Cmdlet failed" as
// "Succeeded"/"Failed".
func (r *Record) ResultStatus() string {
	switch r.Kind {
	case KindSignIn:
		return r.first("properties.status.errorCode", "status.errorCode", "resultType")
	case KindCmdletLog:
		m := strings.ToLower(r.Str("Message"))
		switch {
		case strings.HasPrefix(m, "cmdlet suceeded"), strings.HasPrefix(m, "cmdlet succeeded"):
			return "Succeeded"
		case strings.HasPrefix(m, "cmdlet failed"):
			return "Failed"
		}
		return ""
	}
	return r.Str("ResultStatus")
}

// ID is the source's own record id: UAL Id, sign-in id, EventRecordID.
func (r *Record) ID() string {
	switch r.Kind {
	case KindSignIn:
		return r.first("properties.id", "id")
	case KindCmdletLog:
		return r.first("EventRecordID", "RecordNumber", "winlog.record_id")
	case KindInboxRule:
		return r.first("RuleIdentity", "Identity")
	case KindMailbox:
		return r.first("Guid", "ExchangeGuid", "Identity")
	}
	return r.Str("Id")
}

// Workload is the UAL workload ("Exchange", "AzureActiveDirectory").
func (r *Record) Workload() string { return r.Str("Workload") }

// Parameters returns the flattened Parameters of the record (cmdlet
// parameters of UAL admin and mailbox records, or parsed from a cmdlet
// log message): name → value, nil when there are none.
func (r *Record) Parameters() map[string]any {
	v, _ := r.Lookup("Parameters" + FlatSuffix)
	m, _ := v.(map[string]any)
	return m
}

// Param returns one flattened parameter (or OperationProperties entry)
// as a string.
func (r *Record) Param(name string) string {
	for _, k := range []string{"Parameters", "OperationProperties"} {
		v, _ := r.Lookup(k + FlatSuffix)
		if m, ok := v.(map[string]any); ok {
			if s := logfmt.String(m[name]); s != "" {
				return s
			}
			for n, x := range m {
				if strings.EqualFold(n, name) {
					return logfmt.String(x)
				}
			}
		}
	}
	return ""
}

// ForwardAddresses returns, per forwarding parameter or column
// (ForwardTo, RedirectTo, ForwardAsAttachmentTo, ForwardingSmtpAddress,
// ForwardingAddress, BlindCopyTo, RedirectMessageTo, ...), the addresses
// it names.
func (r *Record) ForwardAddresses() map[string][]Address {
	out := map[string][]Address{}
	v, _ := r.Fields[KeyForward].(map[string]any)
	for name, raw := range v {
		list, _ := raw.([]any)
		for _, s := range list {
			out[name] = append(out[name], ParseAddressList(logfmt.String(s))...)
		}
	}
	return out
}

func (r *Record) defect(format string, a ...any) {
	r.Defects = append(r.Defects, fmt.Sprintf(format, a...))
}
