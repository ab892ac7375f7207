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

	// keys lists the top-level keys of Fields for case-insensitive
	// lookups, built on the first lookup that an exact match misses;
	// derived keys added after it are appended, so that scanning from
	// the end finds them before a source key spelled the same but for
	// case.
	keys []string
	// srcKeys are the keys of Fields as the decoder listed them, valid
	// during normalize only. bloom, when hasBloom, has the bits of every
	// key of Fields set (see foldBits), so that most keys absent in every
	// spelling are known absent without indexing; it is filled on the
	// first lookup that needs it.
	srcKeys []string
	srcLens uint64 // bit min(len, 63) set for every key of srcKeys and pending
	bloom   [4]uint64
	// pending are the keys set added while srcKeys was set and the
	// index not built (npending > len(pending): too many, index from the
	// map instead).
	pending  [4]string
	npending int32
	indexed  bool
	hasBloom bool
}

// lenBit is the bit of srcLens for a key like k.
func lenBit(k string) uint64 { return 1 << min(len(k), 63) }

// foldBits returns two bit positions (0-255) for k that every key equal
// to k ignoring ASCII case shares: they hash its length and three of its
// bytes with the 0x20 bit set (which folds A-Z onto a-z).
func foldBits(k string) (uint, uint) {
	n := len(k)
	var a, b, c uint32
	if n > 0 {
		a, b, c = uint32(k[0]|0x20), uint32(k[n/2]|0x20), uint32(k[n-1]|0x20)
	}
	h := (uint32(n) | a<<8 | b<<16 | c<<24) * 0x9E3779B1
	h ^= h >> 15
	h *= 0x85EBCA77
	return uint(h & 255), uint(h >> 24)
}

func (r *Record) bloomAdd(k string) {
	i, j := foldBits(k)
	r.bloom[i>>6] |= 1 << (i & 63)
	r.bloom[j>>6] |= 1 << (j & 63)
}

// mayHave says whether Fields may have a key equal to k ignoring case;
// false is certain.
func (r *Record) mayHave(k string) bool {
	if !r.hasBloom {
		return true
	}
	i, j := foldBits(k)
	return r.bloom[i>>6]&(1<<(i&63)) != 0 && r.bloom[j>>6]&(1<<(j&63)) != 0
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
	key, rest, more := strings.Cut(path, ".")
	v, ok := r.Fields[key]
	if !ok && more {
		var k string
		if k, ok = r.foldKey(key); ok {
			v = r.Fields[k]
		}
	}
	if !ok {
		// A key matched ignoring case as a whole (when path has no dot,
		// that is key itself); a dotted key ("@odata.type") too.
		if k, ok := r.foldKey(path); ok {
			return r.Fields[k], true
		}
		return nil, false
	}
	if !more {
		return v, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	return logfmt.Lookup(m, rest)
}

// top returns the top-level key k of Fields, matched exactly and then
// ignoring case, with the spelling found.
func (r *Record) top(k string) (string, any, bool) {
	if v, ok := r.Fields[k]; ok {
		return k, v, true
	}
	if fk, ok := r.foldKey(k); ok {
		return fk, r.Fields[fk], true
	}
	return "", nil, false
}

// foldKey returns the key of Fields equal to k ignoring ASCII case.
func (r *Record) foldKey(k string) (string, bool) {
	if !r.indexed && r.srcKeys != nil && int(r.npending) <= len(r.pending) {
		// During normalize: the decoder's list and what set added are
		// the index, read where they are (in the order the index would
		// have them). Comparing lengths first, a scan touches few keys;
		// most keys absent in every spelling have a length no key has.
		if r.srcLens&lenBit(k) == 0 {
			return "", false
		}
		for i := r.npending - 1; i >= 0; i-- {
			if fk := r.pending[i]; len(fk) == len(k) && equalFoldASCII(fk, k) {
				return fk, true
			}
		}
		for i := len(r.srcKeys) - 1; i >= 0; i-- {
			if fk := r.srcKeys[i]; len(fk) == len(k) && equalFoldASCII(fk, k) {
				return fk, true
			}
		}
		return "", false
	}
	if !r.hasBloom && !r.indexed {
		// One walk of the map fills the filter, which answers most
		// misses without the allocation of an index.
		for fk := range r.Fields {
			r.bloomAdd(fk)
		}
		r.hasBloom = true
	}
	if !r.mayHave(k) {
		return "", false
	}
	if !r.indexed {
		r.indexKeys()
	}
	for i := len(r.keys) - 1; i >= 0; i-- {
		if fk := r.keys[i]; len(fk) == len(k) && equalFoldASCII(fk, k) {
			return fk, true
		}
	}
	return "", false
}

// indexKeys lists the keys of Fields, the derived ones last (a lookup
// ignoring case prefers them, as it did when they were added after the
// index was built).
func (r *Record) indexKeys() {
	r.indexed = true
	if r.srcKeys != nil && int(r.npending) <= len(r.pending) {
		// The decoder's list, then what set added.
		keys := make([]string, 0, len(r.srcKeys)+int(r.npending)+4)
		r.keys = append(append(keys, r.srcKeys...), r.pending[:r.npending]...)
		return
	}
	r.keys = make([]string, 0, len(r.Fields)+4)
	n := 0
	for k := range r.Fields {
		if isDerivedKey(k) {
			n++
			continue
		}
		r.keys = append(r.keys, k)
	}
	if n > 0 {
		for k := range r.Fields {
			if isDerivedKey(k) {
				r.keys = append(r.keys, k)
			}
		}
	}
}

// isDerivedKey says whether k is spelled as one of the keys Normalize
// adds.
func isDerivedKey(k string) bool {
	switch k {
	case KeyClientAddr, KeyClientPort, KeyForward, KeyCmdlet, KeyPurviewCSV:
		return true
	}
	return strings.HasSuffix(k, FlatSuffix)
}

// set adds a derived field and keeps the key index current.
func (r *Record) set(k string, v any) {
	r.Fields[k] = v
	switch {
	case r.indexed:
		r.keys = append(r.keys, k)
	case r.srcKeys != nil:
		// Indexing with the decoder's list will append these.
		if int(r.npending) < len(r.pending) {
			r.pending[r.npending] = k
		}
		r.npending++
		r.srcLens |= lenBit(k)
	}
	if r.hasBloom {
		r.bloomAdd(k)
	}
}

func (r *Record) has(path string) bool {
	_, ok := r.Lookup(path)
	return ok
}

// equalFoldASCII reports whether a and b, of the same length, are equal
// ignoring ASCII case; other bytes must be equal. It is what matching
// lower-cased keys did: only A-Z fold.
func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
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
