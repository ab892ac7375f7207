package baseline

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/event"
	"github.com/mailtrip/mailtrip/logfmt"
)

// base is what every observation keeps: when, where from, who.
type base struct {
	t    time.Time
	o    event.Origin
	user string // as the record names it
	ip   netip.Addr
}

// before orders observations by time, then by origin, so that Flush is
// deterministic whatever order the pipeline delivered them in.
func (b *base) before(c *base) bool {
	if !b.t.Equal(c.t) {
		return b.t.Before(c.t)
	}
	if b.o.File != c.o.File {
		return b.o.File < c.o.File
	}
	if b.o.Offset != c.o.Offset {
		return b.o.Offset < c.o.Offset
	}
	if b.o.Line != c.o.Line {
		return b.o.Line < c.o.Line
	}
	return b.o.RecordID < c.o.RecordID
}

// outcome of a sign-in attempt.
type outcome uint8

const (
	outSuccess     outcome = iota + 1
	outFailure             // wrong password, unknown or locked user: what guessing produces
	outInterrupted         // MFA required, conditional access, other non-password errors
)

// signIn is one sign-in attempt from any source.
type signIn struct {
	base
	out      outcome
	attempts int    // failures the record stands for (Dovecot "N attempts")
	code     string // error code or reason as the record gives it
	source   string // entra, ual, gws, dovecot, roundcube
	client   string // Entra clientAppUsed
	app      string // application signed in to
	ua       string // user agent
	loc      Location
	hasLoc   bool // loc.Country or loc.ASN known
}

// access is one MailItemsAccessed record.
type access struct {
	base
	mailbox   string // MailboxOwnerUPN
	typ       string // Bind or Sync
	throttled bool
	app       string // AppId / ClientAppId
	client    string // ClientInfoString
	api       bool   // Graph/EWS/REST (not Outlook, OWA, ActiveSync)
	items     int
	folders   []string
}

// session is one IMAP/POP3 session's Dovecot logout counters.
type session struct {
	base
	proto            string
	msgs, bytes      int64
	hasMsgs, hasByte bool
}

// recordKind says which observation an event yields.
type recordKind uint8

const (
	recNone recordKind = iota
	recSignIn
	recAccess
	recSession
)

// lookup returns a field by exact key, then ignoring ASCII case.
func lookup(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	v, _ := logfmt.Lookup(m, key)
	return v
}

func str(m map[string]any, key string) string { return logfmt.String(lookup(m, key)) }

func sub(m map[string]any, key string) map[string]any {
	x, _ := lookup(m, key).(map[string]any)
	return x
}

func parseAddr(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	if a, _, ok := logfmt.SplitIP(s); ok {
		if x, err := netip.ParseAddr(a); err == nil {
			return x.Unmap()
		}
	}
	return netip.Addr{}
}

func num(v any) (float64, bool) {
	s := logfmt.String(v)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// classify tells what an event is. Syslog lines carry Service and Event
// (ingest adds them); UAL records an Operation; Workspace records a login
// application; Entra sign-ins a userPrincipalName and createdDateTime
// (Graph form) or the same under properties (Azure Monitor envelope).
func classify(f map[string]any) (recordKind, string) {
	if op, ok := f["Operation"].(string); ok {
		return ualKind(op)
	}
	if svc, ok := f["Service"].(string); ok {
		if ev, _ := f["Event"].(string); ev != "" {
			switch {
			case svc == "dovecot" && ev == "disconnected":
				return recSession, "dovecot"
			case (svc == "dovecot" || svc == "roundcube") && (ev == "login" || ev == "auth_failed"):
				return recSignIn, svc
			}
		}
		return recNone, ""
	}
	if op := str(f, "Operation"); op != "" { // SIEM copies with lower-case keys
		return ualKind(op)
	}
	if p := sub(f, "properties"); p != nil && lookup(p, "userPrincipalName") != nil {
		return recSignIn, "entra"
	}
	if lookup(f, "userPrincipalName") != nil && lookup(f, "createdDateTime") != nil {
		return recSignIn, "entra"
	}
	if id := sub(f, "id"); id != nil && str(id, "applicationName") == "login" {
		return recSignIn, "gws"
	}
	return recNone, ""
}

func ualKind(op string) (recordKind, string) {
	switch {
	case strings.EqualFold(op, "MailItemsAccessed"):
		return recAccess, "ual"
	case strings.EqualFold(op, "UserLoggedIn"), strings.EqualFold(op, "UserLoginFailed"):
		return recSignIn, "ual"
	}
	return recNone, ""
}

// entraFailure are the Entra error codes a password guess produces
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes):
// invalid user name or password, user not found, account locked (smart
// lockout), invalid or empty password, disabled account, credential
// validation failure. Every other non-zero code (50076 MFA required,
// 53003 blocked by conditional access, ...) is an interrupted sign-in.
var entraFailure = map[string]bool{
	"50126": true, "50034": true, "50053": true, "50056": true, "50057": true, "50064": true,
}

// ualFailure are UAL LogonError values of password guesses.
var ualFailure = map[string]bool{
	"invalidusernameorpassword": true, "useraccountnotfound": true, "idslocked": true,
	"invalidpasswordexpiredpassword": false,
}

func observeSignIn(e *event.Event, src string) signIn {
	f := e.Fields
	s := signIn{base: base{t: e.Time, o: e.Origin, user: e.Mailbox}, source: src, attempts: 1}
	switch src {
	case "entra":
		p := sub(f, "properties")
		if p == nil || lookup(p, "userPrincipalName") == nil {
			p = f
		}
		if s.user == "" {
			s.user = str(p, "userPrincipalName")
		}
		s.ip = parseAddr(str(p, "ipAddress"))
		st := sub(p, "status")
		s.code = str(st, "errorCode")
		switch {
		case s.code == "0" || (s.code == "" && st != nil):
			s.out = outSuccess
		case entraFailure[s.code]:
			s.out = outFailure
		default:
			s.out = outInterrupted
		}
		s.client = str(p, "clientAppUsed")
		s.app = str(p, "appDisplayName")
		s.ua = str(p, "userAgent")
		if loc := sub(p, "location"); loc != nil {
			s.loc.Country = strings.ToUpper(str(loc, "countryOrRegion"))
			if g := sub(loc, "geoCoordinates"); g != nil {
				lat, ok1 := num(lookup(g, "latitude"))
				lon, ok2 := num(lookup(g, "longitude"))
				if ok1 && ok2 && (lat != 0 || lon != 0) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
					s.loc.Lat, s.loc.Lon, s.loc.HasCoords = lat, lon, true
				}
			}
		}
		if asn, ok := num(lookup(p, "autonomousSystemNumber")); ok && asn > 0 && asn < 1<<32 {
			s.loc.ASN = uint32(asn)
		}
	case "ual":
		if s.user == "" {
			s.user = str(f, "UserId")
		}
		s.ip = parseAddr(str(f, "ClientIP_addr"))
		if !s.ip.IsValid() {
			s.ip = parseAddr(str(f, "ClientIP"))
		}
		if strings.EqualFold(str(f, "Operation"), "UserLoggedIn") {
			s.out = outSuccess
		} else {
			s.code = str(f, "ErrorNumber")
			le := strings.ToLower(str(f, "LogonError"))
			switch {
			case entraFailure[s.code], ualFailure[le]:
				s.out = outFailure
			default:
				s.out = outInterrupted
			}
			if s.code == "" {
				s.code = str(f, "LogonError")
			}
		}
		if ep := sub(f, "ExtendedProperties_flat"); ep != nil {
			s.ua = logfmt.String(ep["UserAgent"])
		}
		s.app = str(f, "ApplicationId")
	case "gws":
		if s.user == "" {
			s.user = str(sub(f, "actor"), "email")
		}
		s.ip = parseAddr(str(f, "ipAddress"))
		name := str(sub(f, "event"), "name")
		if name == "" {
			name = str(f, "name")
		}
		switch name {
		case "login_success":
			s.out = outSuccess
		case "login_failure":
			s.out = outFailure
		default:
			s.out = 0 // other login events (challenges, logout) are not attempts
		}
		s.code = name
		s.app = "google"
	case "dovecot", "roundcube":
		if s.user == "" {
			s.user = str(f, "user")
		}
		ip := str(f, "rip")
		if ip == "" {
			ip = str(f, "ip")
		}
		s.ip = parseAddr(ip)
		if str(f, "Event") == "login" {
			s.out = outSuccess
		} else {
			s.out = outFailure
			s.attempts = dovecotAttempts(str(f, "text"))
		}
		s.app = str(f, "process")
		if s.app == "" {
			s.app = src
		}
		s.code = src + "." + str(f, "Event")
	}
	s.user = strings.Trim(s.user, "<>")
	s.hasLoc = s.loc.Country != "" || s.loc.ASN != 0
	return s
}

// dovecotAttempts reads "(auth failed, 3 attempts" from a login
// process's disconnect text; 1 when absent.
func dovecotAttempts(text string) int {
	i := strings.Index(text, "auth failed, ")
	if i < 0 {
		return 1
	}
	rest := text[i+len("auth failed, "):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(rest[:j])
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 100)
}

// observeAccess reads a MailItemsAccessed record; ids receives the
// InternetMessageIds listed (for the decoy check).
func observeAccess(e *event.Event, ids func(id, folder string)) access {
	f := e.Fields
	a := access{base: base{t: e.Time, o: e.Origin, user: str(f, "UserId")}}
	if a.user == "" {
		a.user = e.Mailbox
	}
	a.mailbox = str(f, "MailboxOwnerUPN")
	if a.mailbox == "" {
		a.mailbox = a.user
	}
	a.ip = parseAddr(str(f, "ClientIP_addr"))
	if !a.ip.IsValid() {
		a.ip = parseAddr(str(f, "ClientIPAddress"))
	}
	if !a.ip.IsValid() {
		a.ip = parseAddr(str(f, "ClientIP"))
	}
	a.app = str(f, "AppId")
	if a.app == "" {
		a.app = str(f, "ClientAppId")
	}
	a.client = str(f, "ClientInfoString")
	a.api = isAPIClient(a.client, a.app)
	// OperationProperties: the flattened view when ingest added it, the
	// list otherwise; older records have the keys at the top level.
	var props map[string]any
	if fl := sub(f, "OperationProperties_flat"); fl != nil {
		props = fl
	} else if l, ok := lookup(f, "OperationProperties").([]any); ok {
		props = logfmt.FlattenPairs(l, []string{"Name"}, []string{"Value"}, 100)
	}
	a.typ = logfmt.String(props["MailAccessType"])
	if a.typ == "" {
		a.typ = str(f, "MailAccessType")
	}
	thr := logfmt.String(props["IsThrottled"])
	if thr == "" {
		thr = str(f, "IsThrottled")
	}
	a.throttled = strings.EqualFold(thr, "true")
	opCount, _ := strconv.Atoi(str(f, "OperationCount"))
	n := 0
	folders, _ := lookup(f, "Folders").([]any)
	for _, x := range folders {
		fm, ok := x.(map[string]any)
		if !ok {
			continue
		}
		path := str(fm, "Path")
		if path == "" {
			path = str(fm, "Id")
		}
		a.folders = append(a.folders, path)
		items, _ := lookup(fm, "FolderItems").([]any)
		for _, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				continue
			}
			n++
			if ids != nil {
				if id := str(im, "InternetMessageId"); id != "" {
					ids(id, path)
				}
			}
		}
	}
	a.items = max(n, opCount, 1)
	return a
}

// isAPIClient says whether a mailbox access came through an API (EWS,
// Graph/REST) rather than Outlook, OWA, Outlook mobile or ActiveSync.
// Graph records often carry no ClientInfoString, only the app id.
func isAPIClient(client, app string) bool {
	c := strings.ToLower(client)
	switch {
	case strings.HasPrefix(c, "client=webservices"), strings.HasPrefix(c, "client=rest"),
		strings.Contains(c, "graph"):
		return true
	case c == "":
		return app != ""
	}
	return false
}

// observeSession reads a Dovecot "Disconnected" line's counters: IMAP
// body_count/body_bytes (out= when the body counters are not logged),
// POP3 retr=count/bytes.
func observeSession(e *event.Event) session {
	f := e.Fields
	s := session{base: base{t: e.Time, o: e.Origin, user: e.Mailbox}}
	if s.user == "" {
		s.user = str(f, "user")
	}
	s.ip = parseAddr(str(f, "rip"))
	s.proto = str(f, "process")
	if v, err := strconv.ParseInt(str(f, "body_count"), 10, 64); err == nil && v >= 0 {
		s.msgs, s.hasMsgs = v, true
	}
	if v, err := strconv.ParseInt(str(f, "body_bytes"), 10, 64); err == nil && v >= 0 {
		s.bytes, s.hasByte = v, true
	}
	if r := str(f, "retr"); r != "" {
		c, b, _ := strings.Cut(r, "/")
		if v, err := strconv.ParseInt(c, 10, 64); err == nil && v >= 0 && !s.hasMsgs {
			s.msgs, s.hasMsgs = v, true
		}
		if v, err := strconv.ParseInt(b, 10, 64); err == nil && v >= 0 && !s.hasByte {
			s.bytes, s.hasByte = v, true
		}
	}
	if !s.hasByte {
		if v, err := strconv.ParseInt(str(f, "out"), 10, 64); err == nil && v >= 0 {
			s.bytes, s.hasByte = v, true
		}
	}
	return s
}
