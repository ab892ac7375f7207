package credtrap

import (
	"cmp"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
	"github.com/mailtrip/mailtrip/tripwire/httptrap"
)

// Defaults for zero LoginConfig fields.
const (
	DefaultTitle        = "Sign in"
	DefaultMaxBodyBytes = 16 << 10
	DefaultPostDelay    = 300 * time.Millisecond
)

// Answers a LoginConfig can give to every POST.
const (
	AnswerInvalid = "invalid" // "The user name or password is incorrect."
	AnswerMFA     = "mfa"     // "Approve the sign-in request on your phone."
)

// LoginConfig is what the HTTP decoy login needs.
type LoginConfig struct {
	// Title is the page title and heading, such as "Contoso VPN — Sign
	// in"; Brand the name in the page's header bar, such as "Contoso".
	Title, Brand string
	// Answer is what every POST gets: AnswerInvalid (default) or
	// AnswerMFA. It never depends on the credential.
	Answer       string
	MaxBodyBytes int64 // form body; more gets 413
	// PostDelay is how long after a POST arrived it is answered, whatever
	// the recorder took.
	PostDelay     time.Duration
	RecordTimeout time.Duration
	// Limiter, when set, refuses sources that post too often: they get
	// 429 and are counted, not recorded. (In front of httptrap, that
	// trap's limiter usually does this already.)
	Limiter *tripwire.Limiter
}

// LoginStats are the login handler's counters since NewLoginHandler.
type LoginStats struct {
	Pages    int64 // GETs answered with the form
	Attempts int64 // POSTs recorded
	Accepted int64 // of which the recorder said were decoy credentials
	Refused  int64 // POSTs the Limiter turned away
	Errors   int64 // Record failed (503)
}

// LoginHandler is the HTTP decoy login. Make it with [NewLoginHandler].
type LoginHandler struct {
	cfg LoginConfig
	rec tripwire.Recorder
	log *slog.Logger

	pages, attempts, accepted, refused, errs atomic.Int64
}

var _ http.Handler = (*LoginHandler)(nil)

// NewLoginHandler returns the sign-in page and its form handler, recording
// to rec and logging to log (nil: discard). httptrap mounts it for its
// login paths.
func NewLoginHandler(cfg LoginConfig, rec tripwire.Recorder, log *slog.Logger) *LoginHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.Title = cmp.Or(strings.TrimSpace(cfg.Title), DefaultTitle)
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	cfg.PostDelay = cmp.Or(cfg.PostDelay, DefaultPostDelay)
	cfg.RecordTimeout = cmp.Or(cfg.RecordTimeout, DefaultRecordTimeout)
	if cfg.Answer != AnswerMFA {
		cfg.Answer = AnswerInvalid
	}
	return &LoginHandler{cfg: cfg, rec: rec, log: log}
}

// Stats returns the counters.
func (h *LoginHandler) Stats() LoginStats {
	return LoginStats{
		Pages: h.pages.Load(), Attempts: h.attempts.Load(), Accepted: h.accepted.Load(),
		Refused: h.refused.Load(), Errors: h.errs.Load(),
	}
}

type clientKey struct{}

// WithClient returns ctx carrying the client address a trap in front of
// the handler judged a request to come from (after its trusted-proxy
// handling); the handler prefers it to the request's RemoteAddr.
func WithClient(ctx context.Context, client netip.AddrPort) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

// clientOf is the request's source: WithClient's, else httptrap's, else
// the peer.
func clientOf(r *http.Request) netip.AddrPort {
	if ap, ok := r.Context().Value(clientKey{}).(netip.AddrPort); ok && ap.IsValid() {
		return ap
	}
	if ap, ok := httptrap.ClientFrom(r.Context()); ok && ap.IsValid() {
		return ap
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return netip.AddrPortFrom(a.Unmap(), 0)
	}
	return netip.AddrPort{}
}

// Form fields read as the user name and the password, first found wins:
// the page posts username/password; kits and password managers post the
// others.
var (
	userFields = []string{"username", "user", "login", "email"}
	passFields = []string{"password", "pass", "passwd"}
)

func (h *LoginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.pages.Add(1)
		h.render(w, http.StatusOK, page{Form: true})
	case http.MethodPost:
		h.post(w, r)
	default:
		hdr.Set("Allow", "GET, HEAD, POST")
		h.render(w, http.StatusMethodNotAllowed, page{Form: true})
	}
}

func (h *LoginHandler) post(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	src := clientOf(r)
	if !h.cfg.Limiter.Allow(src.Addr()) {
		h.refused.Add(1)
		h.render(w, http.StatusTooManyRequests, page{Form: true, Error: "Too many sign-in attempts. Try again in a few minutes."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.render(w, http.StatusRequestEntityTooLarge, page{Form: true, Error: "The request was too large."})
			return
		}
		h.render(w, http.StatusBadRequest, page{Form: true, Error: "Enter your user name and password."})
		return
	}
	user, pass := firstOf(r.PostForm, userFields), firstOf(r.PostForm, passFields)
	if user == "" && pass == "" {
		h.render(w, http.StatusOK, page{Form: true, Error: "Enter your user name and password."})
		return
	}
	sid := r.URL.Query().Get("sid")
	detail := map[string]any{"protocol": "http", "path": clip(r.URL.Path)}
	if sid != "" {
		detail["sid"] = clip(sid)
	}
	if r.Host != "" {
		detail["host"] = clip(r.Host)
	}
	hit := tripwire.Hit{
		Time:      began,
		Trap:      tripwire.TrapCred,
		Source:    src,
		UserAgent: clip(r.UserAgent()),
		Subs:      token.Find(clip(sid)),
		User:      clip(user),
		Password:  clip(pass),
		Detail:    detail,
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.RecordTimeout)
	res, err := h.rec.Record(ctx, hit)
	cancel()
	h.wait(r.Context(), began)
	if err != nil {
		h.errs.Add(1)
		h.log.Error("credtrap: record hit", "protocol", "http", "source", src, "err", err)
		h.render(w, http.StatusServiceUnavailable, page{Unavailable: true})
		return
	}
	h.attempts.Add(1)
	if res.Credential {
		h.accepted.Add(1)
		h.log.Info("credtrap: decoy login", "protocol", "http", "source", src, "user", hit.User, "decoy", res.Decoy, "hit", res.HitID)
	}
	// The same answer whatever the recorder said.
	if h.cfg.Answer == AnswerMFA {
		h.render(w, http.StatusOK, page{MFA: true, User: hit.User})
		return
	}
	h.render(w, http.StatusOK, page{Form: true, User: hit.User, Error: "The user name or password is incorrect. Try again."})
}

// wait sleeps until PostDelay has passed since began.
func (h *LoginHandler) wait(ctx context.Context, began time.Time) {
	d := h.cfg.PostDelay - time.Since(began)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func firstOf(form map[string][]string, names []string) string {
	for _, n := range names {
		if v := form[n]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

type page struct {
	Title, Brand string
	Form         bool
	MFA          bool
	Unavailable  bool
	User         string
	Error        string
}

func (h *LoginHandler) render(w http.ResponseWriter, status int, p page) {
	p.Title, p.Brand = h.cfg.Title, h.cfg.Brand
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, p); err != nil {
		h.log.Debug("credtrap: write page", "err", err)
	}
}

var pageTmpl = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}}</title>
<style>
body{margin:0;font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f2f1;color:#1b1b1b}
header{background:#243a5e;color:#fff;padding:14px 24px;font-size:18px;font-weight:600}
main{max-width:400px;margin:60px auto;background:#fff;padding:36px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:22px;font-weight:600;margin:0 0 20px}
label{display:block;font-size:14px;margin:14px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #8a8886;font-size:15px}
button{margin-top:24px;background:#0067b8;color:#fff;border:0;padding:9px 28px;font-size:15px;cursor:pointer}
.err{color:#a80000;font-size:14px;margin:0 0 8px}
.note{font-size:13px;color:#605e5c;margin-top:22px}
</style>
</head>
<body>
<header>{{if .Brand}}{{.Brand}}{{else}}{{.Title}}{{end}}</header>
<main>
{{- if .Unavailable}}
<h1>Service unavailable</h1>
<p>The sign-in service is temporarily unavailable. Please try again in a few minutes.</p>
{{- else if .MFA}}
<h1>Approve sign-in request</h1>
<p>We sent a notification to your phone{{if .User}} for <strong>{{.User}}</strong>{{end}}. Open your authenticator app and approve the request to continue.</p>
<p class="note">Waiting for approval… Didn't get it? Contact the IT service desk.</p>
{{- else}}
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" autocomplete="on">
<label for="username">User name</label>
<input type="text" id="username" name="username" value="{{.User}}" autocomplete="username" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p class="note">Use your corporate account (DOMAIN\user or user@company). Forgot your password? Contact the IT service desk.</p>
{{- end}}
</main>
</body>
</html>
`))
