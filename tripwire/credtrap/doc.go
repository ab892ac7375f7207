// Package credtrap is the decoy-login tripwire: the places a decoy
// credential (token.Credential: a user name and password planted in a
// decoy email) can be tried. An IMAP server ([IMAPServer], go-imap v2's
// imapserver; only this package and plant/imap import go-imap) and an
// HTTP sign-in form ([LoginHandler], which tripwire/httptrap mounts on its
// login paths) hand every attempt to a [tripwire.Recorder] as a
// [tripwire.Hit] with User and Password set; the recorder looks the pair
// up in the registry ([tripwire.Result].Credential) and treats everything
// else as authentication noise, not an alert. The password travels in the
// Hit only; the trap never logs it.
//
// # IMAP
//
// LOGIN and AUTHENTICATE PLAIN (with or without an initial response),
// over plain IMAP, STARTTLS or implicit TLS. Each attempt is recorded:
// Hit{Trap: "cred", User, Password, Source, Detail{protocol: "imap",
// mechanism: "login"|"plain", tls, authzid when one differs}}. When the
// recorder says the pair is a decoy credential the login succeeds and the
// client sees a small, empty account — INBOX, Sent (\Sent) and Archive
// (\Archive), each with no messages; SELECT, EXAMINE, LIST, STATUS,
// FETCH, SEARCH, IDLE, NOOP and LOGOUT work, CREATE, DELETE, RENAME,
// APPEND and COPY answer NO. What such a client does next (SELECT,
// EXAMINE, FETCH, SEARCH, CREATE, DELETE, RENAME, APPEND, COPY) is
// recorded as follow-up hits carrying the same credential and
// Detail{command, mailbox or set, login_hit}, at most [MaxFollowUps] a
// session. Any other pair gets NO [AUTHENTICATIONFAILED] once
// [IMAPConfig.FailDelay] has passed since the attempt began (so the time
// to an answer does not depend on the recorder), and BYE after
// MaxAttempts failures. When Record fails the client gets NO
// [UNAVAILABLE], a temporary failure. Failed attempts are recorded and
// counted ([IMAPStats]).
//
// # HTTP
//
// GET (and HEAD) serve a plausible corporate sign-in page whose title and
// brand come from [LoginConfig] ("Contoso VPN — Sign in"); nothing on it
// names mailtrip. A POST (form fields username/password, or the usual
// alternatives; body at most MaxBodyBytes) is recorded as Hit{Trap:
// "cred", User, Password, Source, UserAgent, Subs (candidates in the
// sid= query value), Detail{protocol: "http", path, sid, host}} and
// answered, after PostDelay, with "user name or password is incorrect" or
// an MFA-pending page ([LoginConfig.Answer]) — the same for every
// credential: the HTTP form never reveals whether a pair is valid. The
// source is what a trap in front set with [WithClient] (or
// httptrap.ClientFrom), else the request's RemoteAddr. An empty form is
// answered, not recorded; Record failing gives 503.
//
// # Limits
//
// IMAP: connections at once (then BYE), a time limit per connection,
// go-imap's command size (50 KiB) and timeouts (30 s per command, 35 min
// idle), failed attempts per connection, user names and passwords cut to
// 512 bytes, appended messages read and dropped. Both: how long Record
// may take, and a [tripwire.Limiter] per source (IMAP asks at connect and
// for every further attempt; HTTP for every POST) whose refusals are
// counted, not recorded.
package credtrap
