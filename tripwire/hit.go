package tripwire

import (
	"context"
	"net/netip"
	"time"

	"github.com/mailtrip/mailtrip/token"
)

// Trap names, as they appear in hits and alerts (alert decoy.trigger).
const (
	TrapHTTP = "http"
	TrapDNS  = "dns"
	TrapSMTP = "smtp"
	TrapCred = "cred"
	TrapFile = "file"
)

// Hit is one touch as a trap observed it, before attribution.
type Hit struct {
	Time time.Time // when the trap saw it; zero means now
	Trap string    // one of the Trap constants
	// Source is the client as the trap judged it (after trusted-proxy
	// handling); the zero value when there is none (a file opened locally).
	Source    netip.AddrPort
	UserAgent string
	// Subs are candidate sub-ids found in what the touch carried (path,
	// query, host name, recipients, message body), as [token.Find] returns
	// them; the recorder keeps those the registry knows.
	Subs []token.SubID
	// User and Password are set for a login attempt (credtrap). The
	// password is used to look the credential up and is never stored.
	User, Password string
	// Path is the decoy file a file trap saw touched.
	Path string
	// Detail is the trap's own evidence, stored with the hit: method, path,
	// headers, TLS server name; query name and type, EDNS client subnet;
	// envelope, headers and Received chain; process. The recorder adds
	// its own keys (token, scanner judgement) to this map: pass a map of
	// the hit's own and do not change it during Record.
	Detail map[string]any
	// Prefetch is the trap's judgement that the request came from software
	// rather than a person (HEAD, a prefetch header); the recorder combines
	// it with its own scanner rules.
	Prefetch bool
	// Test is set for hits fired by `mailtrip decoy test`.
	Test bool
}

// Result tells a trap what became of a hit.
type Result struct {
	HitID int64  // the stored hit's id
	Decoy string // the decoy it resolved to; "" when none
	// Credential is true when User/Password matched a decoy credential
	// (credtrap accepts the login then).
	Credential bool
}

// Recorder takes hits. Record returns once the hit is durably stored; it is
// safe for concurrent use. An error means the hit was not stored.
type Recorder interface {
	Record(ctx context.Context, h Hit) (Result, error)
}

// RecorderFunc adapts a function to [Recorder] (tests, fan-out).
type RecorderFunc func(ctx context.Context, h Hit) (Result, error)

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, h Hit) (Result, error) { return f(ctx, h) }
