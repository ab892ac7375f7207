// Package httptrap is the HTTP(S) tripwire: the listener decoy links and
// remote images point at. Every request whose host name, TLS server name,
// path or query carries a token candidate ([token.Find]; percent-encoded
// forms too) is handed to a [tripwire.Recorder] as a [tripwire.Hit] before
// it is answered; the trap itself never resolves a token.
//
// # What it records
//
// Hit{Trap: "http"} with Source (the client address and port; behind a
// trusted proxy, the client the proxy names — see source.go), UserAgent,
// Subs (at most [MaxSubs]) and Prefetch (HEAD, or a Purpose / Sec-Purpose /
// X-Moz prefetch header, or X-Purpose: preview). Detail holds method,
// path, host, proto, and when the request has them query, tls_server_name,
// referer and peer (the direct peer when it differs from Source), and
// headers: a copy bounded to 48
// names, 512 bytes a value and 8 KiB in all ("headers_truncated" when
// cut), with Cookie, Authorization and Proxy-Authorization values replaced
// by "[redacted]" (the Authorization scheme is kept).
//
// When [Config.Login] is nil the trap serves its own sign-in page, and a
// POST of it is a hit with User and Password set (the password travels in
// the Hit only; Detail says login=true and names the form fields, not
// their values), recorded even when the URL carries no candidate, since a
// decoy credential need not carry one. When Login is set, the login paths
// are the Login handler's (tripwire/credtrap): the trap records the URL's
// candidates as for any request, then hands it the request with the judged
// client in its context ([ClientFrom]).
//
// # What it answers
//
// The answer depends on the path alone, never on whether a token resolved
// or on what the recorder said: a 1×1 pixel for image paths (/img/,
// /static/, /assets/email/, or an image extension; PNG, GIF or JPEG as the
// name says), a document portal's "sign in to view" page for shared-file
// links (/s/, /d/, /share/, /files/, /view), the sign-in or password-reset
// page for /login, /signin, /account/reset and their kin, a landing page
// for /, and nginx's 404 page for anything else without a candidate. Every
// answer says no-store, so a second open is a second request. Nothing in
// an answer mentions tokens or mailtrip.
//
// Requests without a candidate (and no login POST) are counted as noise and
// not recorded. A source the [tripwire.Limiter] refuses gets 429 and is
// counted, not recorded. When Record fails the client gets 503 and the
// error is logged and counted: a client never sees a normal answer for a
// touch that was not stored.
//
// # Limits
//
// Header bytes, read-header (slowloris), read, write and idle timeouts,
// login form bodies ([Config]; Default constants), how long Record may
// take, the hops of a forwarding chain examined (32), and the header copy
// above. Handler returns the bare handler for embedding; the limits of
// whatever server runs it then apply.
package httptrap
